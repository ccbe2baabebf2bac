/**
 * typetls client and server engines wired to each other in one process (no sockets), as the
 * in-process tools use them (profile-engine.ts for CPU, alloc-split.ts for allocation): full
 * handshakes, and resumed ones with tickets primed the way the bench's resumption scenarios do.
 * Every engine call goes through `charge(side, f)`, so a tool can attribute it to its side
 * (CPU timers, or a named frame the heap profiler sees).
 */
import { createClientSessionStore } from '../src/core/client/session-store.ts';
import { ClientConnection, ServerConnection } from '../src/core/index.ts';
import type { TlsConnection } from '../src/core/index.ts';
import { createTicketer } from '../src/core/server/ticketer.ts';
import { createClientConnectConfig, createServerListenConfig } from '../src/node/index.ts';
import { nodeCryptoProvider } from '../src/providers/node/index.ts';
import type { BenchCerts, CertKind } from './certs.ts';

export type Side = 'client' | 'server';
/** Runs `f` (one engine call) on behalf of `side`. */
export type Charge = <T>(side: Side, f: () => T) => T;
export type ResumeMode = 'resume13' | 'resume12';

/** Moves everything `from` has to send into `to`; plaintext that `to` reads goes to `sink`. */
export function transfer(from: TlsConnection, to: TlsConnection, sink: (b: Uint8Array) => void, charge: Charge): number {
  let moved = 0;
  for (;;) {
    const out = charge(from.side, () => from.writeTls());
    if (out === null) break;
    let off = 0;
    while (off < out.length) {
      const k = charge(to.side, () => {
        const m = to.readTls(off === 0 ? out : out.subarray(off));
        to.processNewPackets();
        for (let p = to.readPlaintext(); p !== null; p = to.readPlaintext()) sink(p);
        return m;
      });
      if (k === 0) throw new Error(`${to.side} accepts no more bytes`);
      off += k;
    }
    moved += out.length;
  }
  return moved;
}

const ignore = (): void => {};

/** Exchanges flights until neither side has anything to send. */
export function pump(c: TlsConnection, s: TlsConnection, sink: (b: Uint8Array) => void, charge: Charge): void {
  for (let i = 0; i < 50; i++) {
    const a = transfer(c, s, sink, charge);
    const b = transfer(s, c, ignore, charge);
    if (a === 0 && b === 0) return;
  }
  throw new Error('pair did not settle');
}

/** Resumed handshakes of one mode: `prime(count)` stores tickets (full handshakes), `one()` uses one. */
export interface Resumption {
  readonly suite: string;
  prime(count: number): void;
  one(): void;
}

export interface EnginePairs {
  /** One full handshake; returns the established pair. */
  handshake(): { client: ClientConnection; server: ServerConnection };
  /** Resumed handshakes keeping at most `capacity` tickets. */
  resumption(mode: ResumeMode, capacity: number): Resumption;
}

/** Engine pairs for a `kind` server certificate and TLS 1.3 `suite`, X25519, no key log. */
export function enginePairs(certs: BenchCerts, kind: CertKind, suite: string, charge: Charge): EnginePairs {
  const id = certs.servers[kind];
  const clientConfig = createClientConnectConfig({ ca: certs.caPem, cipherSuites: [suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null });
  const serverConfig = createServerListenConfig({ cert: id.chainPem, key: id.keyPem, cipherSuites: [suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null });
  return {
    handshake() {
      const client = charge('client', () => new ClientConnection(clientConfig, 'localhost'));
      const server = charge('server', () => new ServerConnection(serverConfig));
      pump(client, server, ignore, charge);
      if (client.isHandshaking() || server.isHandshaking()) throw new Error(`handshake failed: ${String(client.error ?? server.error)}`);
      return { client, server };
    },
    resumption(mode, capacity) {
      // As the bench's resumption scenarios: tickets from a ticketer, none issued in the measured
      // handshakes (TICKETS_PER_RESUMPTION); priming connections only add to the store
      // (bench/endpoints-typetls.ts).
      const tls12 = mode === 'resume12';
      const v = tls12 ? { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const : { minVersion: 'TLSv1.3' } as const;
      const s12 = tls12 ? 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' : suite;
      const store = createClientSessionStore({ maxTicketsPerServer: capacity });
      const ticketer = createTicketer({ provider: nodeCryptoProvider });
      const groups = tls12 ? ['x25519', 'secp256r1'] : ['x25519'];
      const copts = { ca: certs.caPem, cipherSuites: [s12], groups, ...v, keyLog: null, certificateCompression: 'none' as const, sessionStore: store, ...(tls12 ? { tls12SessionTickets: true } : {}) };
      const sopts = { cert: id.chainPem, key: id.keyPem, cipherSuites: [s12], groups, ...v, keyLog: null, certificateCompression: 'none' as const, ticketer };
      const cc = createClientConnectConfig(copts);
      const keep = { ...store, put: store.put, setTls12: store.setTls12, removeTls12: store.removeTls12, take: () => null, getTls12: () => null };
      const ccPrime = createClientConnectConfig({ ...copts, sessionStore: keep });
      const priming = createServerListenConfig({ ...sopts, ticketsToSend: tls12 ? 1 : 2 });
      const measured = createServerListenConfig({ ...sopts, ticketsToSend: 0 });
      const connect = (sc: typeof measured): void => {
        const client = charge('client', () => new ClientConnection(sc === measured ? cc : ccPrime, 'localhost'));
        const server = charge('server', () => new ServerConnection(sc));
        pump(client, server, ignore, charge);
        if (client.isHandshaking() || server.isHandshaking()) throw new Error(`handshake failed: ${String(client.error ?? server.error)}`);
        if (sc === measured && server.negotiated?.resumed !== true) throw new Error(`${mode}: not resumed (${store.size} tickets, ${store.tls12Size} TLS 1.2 sessions)`);
      };
      return {
        suite: s12,
        prime(count) {
          for (let i = 0; i < (tls12 ? 1 : Math.ceil(count / 2)); i++) connect(priming);
          if (tls12 ? store.tls12Size === 0 : store.size < count) throw new Error(`${mode}: priming kept ${store.size} tickets, ${store.tls12Size} TLS 1.2 sessions`);
        },
        one() {
          connect(measured);
        },
      };
    },
  };
}
