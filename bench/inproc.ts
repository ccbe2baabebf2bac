/**
 * In-memory mode: both ends in one process, no sockets. typetls: two engines wired directly
 * (the core alone: `readTls` / `processNewPackets` / `writeTls`). node:tls: a client
 * `TLSSocket` and a server `TLSSocket` over an in-process Duplex pair, the closest node:tls
 * gets to "no transport" (it still pays for its stream plumbing on both ends).
 * CPU figures here cover client and server together.
 */
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { createClientSessionStore, type MemoryClientSessionStore } from '../src/core/client/session-store.ts';
import { ClientConnection, ServerConnection } from '../src/core/index.ts';
import type { TlsConnection } from '../src/core/index.ts';
import { createTicketer } from '../src/core/server/ticketer.ts';
import { createClientConnectConfig, createServerListenConfig } from '../src/node/index.ts';
import { nodeCryptoProvider } from '../src/providers/node/index.ts';
import { TICKETS_PER_FULL, TICKETS_PER_RESUMPTION, type TlsParams } from './protocol.ts';

/** Moves everything `from` has to send into `to`; returns the number of bytes moved. */
function transfer(from: TlsConnection, to: TlsConnection, sink: (b: Uint8Array) => void): number {
  let moved = 0;
  for (let out = from.writeTls(); out !== null; out = from.writeTls()) {
    let off = 0;
    while (off < out.length) {
      const n = to.readTls(off === 0 ? out : out.subarray(off));
      off += n;
      to.processNewPackets();
      for (let p = to.readPlaintext(); p !== null; p = to.readPlaintext()) sink(p);
      if (n === 0 && off < out.length && to.readTls(new Uint8Array(0)) === 0 && !to.wantsRead()) {
        throw new Error(`${to.side} accepts no more bytes (${out.length - off} pending)`);
      }
    }
    moved += out.length;
  }
  return moved;
}

const ignore = (): void => {};

function pump(c: TlsConnection, s: TlsConnection, sink: (b: Uint8Array) => void): void {
  for (let i = 0; i < 50; i++) {
    const a = transfer(c, s, sink);
    const b = transfer(s, c, ignore);
    if (a === 0 && b === 0) return;
  }
  throw new Error('in-memory pair did not settle after 50 rounds');
}

interface EnginePair {
  readonly client: ClientConnection;
  readonly server: ServerConnection;
}

type TypetlsConfigs = { client: ReturnType<typeof createClientConnectConfig>; server: ReturnType<typeof createServerListenConfig> };
const typetlsConfigs = new WeakMap<TlsParams, TypetlsConfigs>();

/**
 * Resumption (TLS 1.3 PSK): the client keeps tickets; the server seals them with one ticketer
 * under two configs, as the socket scenarios do (protocol.ts TICKETS_PER_FULL): `priming`
 * sends 2 tickets per handshake, `resumed` none (as OpenSSL after a resumed handshake).
 */
interface ResumeConfigs {
  readonly store: MemoryClientSessionStore;
  readonly priming: TypetlsConfigs;
  readonly resumed: TypetlsConfigs;
}
const typetlsResumeConfigs = new WeakMap<TlsParams, ResumeConfigs>();

function resumeConfigs(p: TlsParams): ResumeConfigs {
  let c = typetlsResumeConfigs.get(p);
  if (c === undefined) {
    const id = p.certs.servers[p.certKind];
    const store = createClientSessionStore({ maxTicketsPerServer: 1024 });
    const client = createClientConnectConfig({ ca: p.certs.caPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null, certificateCompression: 'none', sessionStore: store });
    const ticketer = createTicketer({ provider: nodeCryptoProvider });
    const server = (ticketsToSend: number): ReturnType<typeof createServerListenConfig> => createServerListenConfig({
      cert: id.chainPem, key: id.keyPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null, ticketer, ticketsToSend,
    });
    c = {
      store,
      priming: { client, server: server(TICKETS_PER_FULL['tls13-psk']) },
      resumed: { client, server: server(TICKETS_PER_RESUMPTION['tls13-psk']) },
    };
    typetlsResumeConfigs.set(p, c);
  }
  return c;
}

/** One handshake between two fresh engines of configs `c`. */
function handshakePair(c: TypetlsConfigs): EnginePair {
  const pair = { client: new ClientConnection(c.client, 'localhost'), server: new ServerConnection(c.server) };
  pump(pair.client, pair.server, ignore);
  if (pair.client.isHandshaking() || pair.server.isHandshaking()) {
    throw new Error(`in-memory handshake did not complete: ${String(pair.client.error ?? pair.server.error)}`);
  }
  return pair;
}

function engines(p: TlsParams): EnginePair {
  let c = typetlsConfigs.get(p);
  if (c === undefined) {
    const id = p.certs.servers[p.certKind];
    c = {
      client: createClientConnectConfig({ ca: p.certs.caPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null, certificateCompression: 'none' }),
      server: createServerListenConfig({ cert: id.chainPem, key: id.keyPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null, certificateCompression: 'none' }),
    };
    typetlsConfigs.set(p, c);
  }
  return handshakePair(c);
}

/** A TLS 1.3 PSK (psk_dhe_ke) resumed handshake with a ticket from an earlier (priming) one. */
function resumedEngines(p: TlsParams): EnginePair {
  const c = resumeConfigs(p);
  if (c.store.size === 0) throw new Error('in-memory: typetls has no ticket to resume with (memPrime first)');
  const pair = handshakePair(c.resumed);
  if (pair.client.negotiated?.resumed !== true) throw new Error('in-memory: typetls offered a ticket but did a full handshake');
  return pair;
}

/** A Duplex pair: what one side writes, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const make = (): Duplex => new Duplex({
    read() {},
    write(chunk: Uint8Array, _enc, cb) { peerOf.get(this)!.push(chunk); cb(); },
    final(cb) { peerOf.get(this)!.push(null); cb(); },
  });
  const a = make(), b = make();
  peerOf.set(a, b);
  peerOf.set(b, a);
  return [a, b];
}
const peerOf = new WeakMap<Duplex, Duplex>();

const nodeContexts = new WeakMap<TlsParams, { client: tls.SecureContext; server: tls.SecureContext }>();

/** node:tls TLS 1.3 tickets kept by the in-memory resumption mode (each used once, newest last). */
const nodeTickets = new WeakMap<TlsParams, Buffer[]>();

/**
 * A node:tls pair over a Duplex pair. With `session` the client offers it; with `onTicket` the
 * pair is ready only once the client has received a ticket (TLS 1.3 tickets follow the
 * handshake: OpenSSL sends 2 after a full handshake, 1 after a resumed one).
 */
async function nodePair(p: TlsParams, session?: Buffer, onTicket?: (t: Buffer) => void): Promise<{ client: tls.TLSSocket; server: tls.TLSSocket }> {
  let ctx = nodeContexts.get(p);
  if (ctx === undefined) {
    const id = p.certs.servers[p.certKind];
    ctx = {
      client: tls.createSecureContext({ ca: p.certs.caPem, ciphers: p.suite, ecdhCurve: 'X25519', minVersion: 'TLSv1.3' }),
      server: tls.createSecureContext({ cert: id.chainPem, key: id.keyPem, ciphers: p.suite, ecdhCurve: 'X25519', minVersion: 'TLSv1.3' }),
    };
    nodeContexts.set(p, ctx);
  }
  const [a, b] = duplexPair();
  const server = new tls.TLSSocket(b, { isServer: true, secureContext: ctx.server });
  const client = tls.connect({ socket: a, servername: 'localhost', secureContext: ctx.client, ...(session !== undefined ? { session } : {}) });
  const ready: Promise<unknown>[] = [once(server, 'secure'), once(client, 'secureConnect')];
  if (onTicket !== undefined) {
    ready.push(new Promise<void>((resolve) => client.on('session', (t: Buffer) => { onTicket(t); resolve(); })));
  }
  await Promise.all(ready);
  return { client, server };
}

/** node:tls: a resumed handshake with a ticket from an earlier (priming) one. */
async function nodeResumedPair(p: TlsParams): Promise<{ client: tls.TLSSocket; server: tls.TLSSocket }> {
  const session = nodeTickets.get(p)?.pop();
  if (session === undefined) throw new Error('in-memory: node:tls has no ticket to resume with (memPrime first)');
  const pair = await nodePair(p, session);
  if (!pair.client.isSessionReused()) throw new Error('in-memory: node:tls offered a ticket but did a full handshake');
  return pair;
}

/** Full handshakes (not measured) until each stack keeps at least `n` TLS 1.3 tickets for `memHandshakes(p, n, true)`. */
export async function memPrime(p: TlsParams, n: number): Promise<void> {
  for (let i = 0; ; i++) {
    const have = p.impl === 'typetls' ? resumeConfigs(p).store.size : nodeTickets.get(p)?.length ?? 0;
    if (have >= n) return;
    if (i > n + 4) throw new Error(`in-memory: ${p.impl} keeps ${have} tickets after ${i} full handshakes, expected ${n}`);
    if (p.impl === 'typetls') {
      handshakePair(resumeConfigs(p).priming);
    } else {
      let pool = nodeTickets.get(p);
      if (pool === undefined) nodeTickets.set(p, pool = []);
      const keep = pool;
      const full = await nodePair(p, undefined, (t) => keep.push(t));
      await new Promise((r) => setTimeout(r, 2)); // the second ticket
      full.client.destroy();
      full.server.destroy();
    }
  }
}

/** Runs `n` handshakes one after another (`resume`: TLS 1.3 PSK resumed ones); returns each one's duration (ms). */
export async function memHandshakes(p: TlsParams, n: number, resume = false): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (p.impl === 'typetls') {
      if (resume) resumedEngines(p);
      else engines(p);
    } else {
      const { client, server } = resume ? await nodeResumedPair(p) : await nodePair(p);
      client.destroy();
      server.destroy();
    }
    lat.push(performance.now() - t0);
  }
  return lat;
}

const bulkPairs = new WeakMap<TlsParams, EnginePair | { client: tls.TLSSocket; server: tls.TLSSocket }>();

/** Moves `p.bulkBytes` from client to server in `writeSize` writes over one established pair. */
export async function memBulk(p: TlsParams, writeSize: number): Promise<void> {
  const chunk = new Uint8Array(writeSize).fill(0x61);
  let pair = bulkPairs.get(p);
  if (pair === undefined) {
    pair = p.impl === 'typetls' ? engines(p) : await nodePair(p);
    bulkPairs.set(p, pair);
  }
  let received = 0;
  if (pair.client instanceof ClientConnection) {
    const { client, server } = pair as EnginePair;
    const sink = (b: Uint8Array): void => { received += b.length; };
    for (let sent = 0; sent < p.bulkBytes; sent += writeSize) {
      client.writePlaintext(chunk);
      pump(client, server, sink);
    }
  } else {
    const { client, server } = pair as { client: tls.TLSSocket; server: tls.TLSSocket };
    const done = new Promise<void>((resolve) => {
      const onData = (d: Uint8Array): void => {
        received += d.length;
        if (received >= p.bulkBytes) { server.off('data', onData); resolve(); }
      };
      server.on('data', onData);
    });
    for (let sent = 0; sent < p.bulkBytes; sent += writeSize) {
      if (!client.write(chunk)) await once(client, 'drain');
    }
    await done;
  }
  if (received !== p.bulkBytes) throw new Error(`in-memory bulk: received ${received} bytes, expected ${p.bulkBytes}`);
}
