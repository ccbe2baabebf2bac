/**
 * An in-memory client/server pair (STYLE §7): `transfer()` moves bytes between two engines,
 * `transferAltered()` lets a test corrupt them on the way. No sockets, no timers.
 */
import type { TlsConnection } from '../../src/core/conn/api.ts';

/** Plaintext drained from a receiver whose buffer was full, kept for `readAll`. */
const drained = new WeakMap<TlsConnection, Uint8Array[]>();

function drain(c: TlsConnection): void {
  let list = drained.get(c);
  if (list === undefined) drained.set(c, (list = []));
  for (let p = c.readPlaintext(); p !== null; p = c.readPlaintext()) list.push(p);
}

/** Moves everything `from` wants to write into `to` and processes it. Returns bytes moved. */
export function transfer(from: TlsConnection, to: TlsConnection, mutate?: (b: Uint8Array) => Uint8Array): number {
  let moved = 0;
  for (let out = from.writeTls(); out !== null; out = from.writeTls()) {
    const data = mutate ? mutate(out) : out;
    let off = 0;
    while (off < data.length) {
      const n = to.readTls(data.subarray(off));
      off += n;
      to.processNewPackets();
      if (n === 0 && off < data.length) {
        drain(to);
        if (to.readTls(new Uint8Array(0)) === 0 && !to.wantsRead()) throw new Error('receiver accepts no more bytes');
      }
    }
    moved += data.length;
  }
  return moved;
}

/** Runs the handshake to completion (synchronous callbacks only). */
export function handshake(client: TlsConnection, server: TlsConnection, maxRounds = 20): void {
  for (let i = 0; i < maxRounds; i++) {
    const a = transfer(client, server);
    const b = transfer(server, client);
    if (a === 0 && b === 0 && !client.isHandshaking() && !server.isHandshaking()) return;
  }
  throw new Error(`handshake did not finish: client ${client.isHandshaking() ? 'handshaking' : 'done'}, server ${server.isHandshaking() ? 'handshaking' : 'done'}`);
}

/** Handshake with async callbacks: awaits `blockedOn()` on either side. */
export async function handshakeAsync(client: TlsConnection, server: TlsConnection, maxRounds = 40): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    const a = transfer(client, server);
    const b = transfer(server, client);
    const pc = client.blockedOn(), ps = server.blockedOn();
    if (pc) { await pc; client.processNewPackets(); }
    if (ps) { await ps; server.processNewPackets(); }
    if (a === 0 && b === 0 && !pc && !ps && !client.isHandshaking() && !server.isHandshaking()) return;
  }
  throw new Error('async handshake did not finish');
}

/** Reads all plaintext available. */
export function readAll(c: TlsConnection): Uint8Array {
  const parts: Uint8Array[] = drained.get(c) ?? [];
  drained.delete(c);
  for (let p = c.readPlaintext(); p !== null; p = c.readPlaintext()) parts.push(p);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
