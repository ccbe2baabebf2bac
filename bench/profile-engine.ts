/**
 * Focused in-process profile of the typetls engine (no sockets, no node:tls): CPU per side for
 * full handshakes, resumed handshakes (TLS 1.3 PSK with X25519, TLS 1.2 RFC 5077 tickets) and
 * bulk sealing / opening, measured with `process.cpuUsage()` around each side's calls. For hot-path work (STYLE §8) before and after a change; run with
 * `--cpu-prof` to see where the time goes.
 *
 *   node --import tsx bench/profile-engine.ts [handshake|resume13|resume12|bulk|all] [--kind ecdsa|rsa|ed25519]
 *     [--suite TLS_AES_128_GCM_SHA256] [--n 400] [--mib 64] [--reps 5] [--warmup 1500]
 */
import process from 'node:process';
import { createClientSessionStore } from '../src/core/client/session-store.ts';
import { ClientConnection, ServerConnection } from '../src/core/index.ts';
import { createTicketer } from '../src/core/server/ticketer.ts';
import { nodeCryptoProvider } from '../src/providers/node/index.ts';
import type { TlsConnection } from '../src/core/index.ts';
import { createClientConnectConfig, createServerListenConfig } from '../src/node/index.ts';
import { generateCerts, type CertKind } from './certs.ts';
import { median } from './stats.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const what = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? process.argv[2] : 'all';
const kind = arg('--kind', 'ecdsa') as CertKind;
const suite = arg('--suite', 'TLS_AES_128_GCM_SHA256');
const n = Number(arg('--n', '400'));
const mib = Number(arg('--mib', '64'));
const reps = Number(arg('--reps', '5'));
/**
 * Handshakes before measuring: V8 keeps optimising the once-per-handshake code for ~1,500
 * handshakes (BENCHMARKS.md, pass 4); `--warmup N` to change.
 */
const warmup = Number(arg('--warmup', '1500'));

function cpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU µs charged to each side. */
const spent = { client: 0, server: 0 };

function timed<T>(side: 'client' | 'server', f: () => T): T {
  const t0 = cpu();
  try {
    return f();
  } finally {
    spent[side] += cpu() - t0;
  }
}

/** Moves everything `from` has to send into `to`, charging each side for its own calls. */
function transfer(from: TlsConnection, to: TlsConnection, sink: (b: Uint8Array) => void): number {
  let moved = 0;
  for (;;) {
    const out = timed(from.side, () => from.writeTls());
    if (out === null) break;
    let off = 0;
    while (off < out.length) {
      const k = timed(to.side, () => {
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

function pump(c: TlsConnection, s: TlsConnection, sink: (b: Uint8Array) => void): void {
  for (let i = 0; i < 50; i++) {
    const a = transfer(c, s, sink);
    const b = transfer(s, c, ignore);
    if (a === 0 && b === 0) return;
  }
  throw new Error('pair did not settle');
}

const { certs, cleanup } = generateCerts();
try {
  const id = certs.servers[kind];
  const clientConfig = createClientConnectConfig({ ca: certs.caPem, cipherSuites: [suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null });
  const serverConfig = createServerListenConfig({ cert: id.chainPem, key: id.keyPem, cipherSuites: [suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null });

  const pair = (): { client: ClientConnection; server: ServerConnection } => {
    const client = timed('client', () => new ClientConnection(clientConfig, 'localhost'));
    const server = timed('server', () => new ServerConnection(serverConfig));
    pump(client, server, ignore);
    if (client.isHandshaking() || server.isHandshaking()) throw new Error(`handshake failed: ${String(client.error ?? server.error)}`);
    return { client, server };
  };

  if (what === 'handshake' || what === 'all') {
    for (let i = 0; i < warmup; i++) pair(); // JIT warm-up
    const cs: number[] = [], ss: number[] = [];
    for (let r = 0; r < reps; r++) {
      spent.client = 0; spent.server = 0;
      for (let i = 0; i < n; i++) pair();
      cs.push(spent.client / n); ss.push(spent.server / n);
    }
    console.log(`handshake ${kind} ${suite}: server ${median(ss).toFixed(0)} µs, client ${median(cs).toFixed(0)} µs CPU per handshake (median of ${reps} x ${n})`);
  }

  if (what === 'resume13' || what === 'resume12' || what === 'all') {
    // Resumed handshakes as the bench's resumption scenarios do them: tickets from a ticketer,
    // none issued in the measured window (TICKETS_PER_RESUMPTION); priming is not measured.
    for (const mode of what === 'all' ? ['resume13', 'resume12'] : [what]) {
      const tls12 = mode === 'resume12';
      const v = tls12 ? { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const : { minVersion: 'TLSv1.3' } as const;
      const s12 = tls12 ? 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' : suite;
      const store = createClientSessionStore({ maxTicketsPerServer: 4 * n });
      const ticketer = createTicketer({ provider: nodeCryptoProvider });
      const groups = tls12 ? ['x25519', 'secp256r1'] : ['x25519'];
      const copts = { ca: certs.caPem, cipherSuites: [s12], groups, ...v, keyLog: null, certificateCompression: 'none' as const, sessionStore: store, ...(tls12 ? { tls12SessionTickets: true } : {}) };
      const sopts = { cert: id.chainPem, key: id.keyPem, cipherSuites: [s12], groups, ...v, keyLog: null, certificateCompression: 'none' as const, ticketer };
      const cc = createClientConnectConfig(copts);
      // Priming connections only add to the store (as bench/endpoints-typetls.ts): full handshakes.
      const keep = { ...store, put: store.put, setTls12: store.setTls12, removeTls12: store.removeTls12, take: () => null, getTls12: () => null };
      const ccPrime = createClientConnectConfig({ ...copts, sessionStore: keep });
      const priming = createServerListenConfig({ ...sopts, ticketsToSend: tls12 ? 1 : 2 });
      const measured = createServerListenConfig({ ...sopts, ticketsToSend: 0 });
      const one = (sc: typeof measured): void => {
        const client = new ClientConnection(sc === measured ? cc : ccPrime, 'localhost');
        const server = new ServerConnection(sc);
        pump(client, server, ignore);
        if (client.isHandshaking() || server.isHandshaking()) throw new Error(`handshake failed: ${String(client.error ?? server.error)}`);
        if (sc === measured && server.negotiated?.resumed !== true) throw new Error(`${mode}: not resumed (${store.size} tickets, ${store.tls12Size} TLS 1.2 sessions)`);
      };
      const prime = (count: number): void => {
        const c0 = spent.client, s0 = spent.server;
        for (let i = 0; i < (tls12 ? 1 : Math.ceil(count / 2)); i++) one(priming);
        if (tls12 ? store.tls12Size === 0 : store.size < count) throw new Error(`${mode}: priming kept ${store.size} tickets, ${store.tls12Size} TLS 1.2 sessions`);
        spent.client = c0; spent.server = s0;
      };
      for (let left = warmup; left > 0; left -= n) { // JIT warm-up, in chunks the store keeps
        const k = Math.min(left, n);
        prime(k);
        for (let i = 0; i < k; i++) one(measured);
      }
      const cs: number[] = [], ss: number[] = [];
      for (let r = 0; r < reps; r++) {
        prime(n);
        spent.client = 0; spent.server = 0;
        for (let i = 0; i < n; i++) one(measured);
        cs.push(spent.client / n); ss.push(spent.server / n);
      }
      console.log(`${mode} ${tls12 ? s12 : suite}: server ${median(ss).toFixed(0)} µs, client ${median(cs).toFixed(0)} µs CPU per resumed handshake (median of ${reps} x ${n})`);
    }
  }

  if (what === 'bulk' || what === 'all') {
    const { client, server } = pair();
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const total = mib * 1024 * 1024;
    let received = 0;
    const sink = (b: Uint8Array): void => { received += b.length; };
    // Seal phase (client) then open phase (server), each timed once, so the timer's own cost
    // stays out of the figures.
    const run = (): void => {
      const wire: Uint8Array[] = [];
      let t0 = cpu();
      for (let sent = 0; sent < total; sent += chunk.length) {
        client.writePlaintext(chunk);
        for (let out = client.writeTls(); out !== null; out = client.writeTls()) wire.push(out);
      }
      spent.client += cpu() - t0;
      t0 = cpu();
      for (const out of wire) {
        let off = 0;
        while (off < out.length) {
          const k = server.readTls(off === 0 ? out : out.subarray(off));
          server.processNewPackets();
          for (let p = server.readPlaintext(); p !== null; p = server.readPlaintext()) sink(p);
          if (k === 0 && server.wantsRead()) continue;
          off += k;
        }
      }
      spent.server += cpu() - t0;
    };
    const saved = mib;
    run(); // warm-up
    const sealMBs: number[] = [], openMBs: number[] = [];
    for (let r = 0; r < reps; r++) {
      spent.client = 0; spent.server = 0; received = 0;
      run();
      if (received !== total) throw new Error(`received ${received}, expected ${total}`);
      sealMBs.push(total / spent.client); openMBs.push(total / spent.server);
    }
    console.log(`bulk ${suite} ${saved} MiB: seal side ${median(sealMBs).toFixed(0)} MB/s CPU, open side ${median(openMBs).toFixed(0)} MB/s CPU (median of ${reps})`);
  }
} finally {
  cleanup();
}
