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
import { ClientConnection, ServerConnection } from '../src/core/index.ts';
import type { TlsConnection } from '../src/core/index.ts';
import { createClientConnectConfig, createServerListenConfig } from '../src/node/index.ts';
import type { TlsParams } from './protocol.ts';

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

const typetlsConfigs = new WeakMap<TlsParams, { client: ReturnType<typeof createClientConnectConfig>; server: ReturnType<typeof createServerListenConfig> }>();

function engines(p: TlsParams): EnginePair {
  let c = typetlsConfigs.get(p);
  if (c === undefined) {
    const id = p.certs.servers[p.certKind];
    c = {
      client: createClientConnectConfig({ ca: p.certs.caPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null }),
      server: createServerListenConfig({ cert: id.chainPem, key: id.keyPem, cipherSuites: [p.suite], groups: ['x25519'], minVersion: 'TLSv1.3', keyLog: null }),
    };
    typetlsConfigs.set(p, c);
  }
  const pair = { client: new ClientConnection(c.client, 'localhost'), server: new ServerConnection(c.server) };
  pump(pair.client, pair.server, ignore);
  if (pair.client.isHandshaking() || pair.server.isHandshaking()) {
    throw new Error(`in-memory handshake did not complete: ${String(pair.client.error ?? pair.server.error)}`);
  }
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

async function nodePair(p: TlsParams): Promise<{ client: tls.TLSSocket; server: tls.TLSSocket }> {
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
  const client = tls.connect({ socket: a, servername: 'localhost', secureContext: ctx.client });
  await Promise.all([once(server, 'secure'), once(client, 'secureConnect')]);
  return { client, server };
}

/** Runs `n` handshakes one after another; returns each one's duration (ms). */
export async function memHandshakes(p: TlsParams, n: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (p.impl === 'typetls') {
      engines(p);
    } else {
      const { client, server } = await nodePair(p);
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
