// node-compat's server reads legacy_session_id from the first record (as node's ClientHelloParser)
// to emit 'resumeSession': the record may arrive in any chunking, and it is copied once.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Ticketer } from '../../src/core/server/ticketer.ts';
import { CompatServerSessions } from '../../src/node-compat/sessions.ts';

/** A TLS 1.2-style ClientHello record with a 32-byte session id, one suite, no extensions. */
function helloRecord(sessionId: Uint8Array): Uint8Array {
  const body = [0x03, 0x03, ...new Uint8Array(32).fill(7), sessionId.length, ...sessionId, 0x00, 0x02, 0xc0, 0x2b, 0x01, 0x00];
  const hs = [0x01, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, (hs.length >> 8) & 0xff, hs.length & 0xff, ...hs]);
}

/** Never used here (no tickets are issued or offered). */
const noTicketer: Ticketer = { encrypt: (state) => state, decrypt: () => null };

function seen(chunks: (record: Uint8Array) => Uint8Array[]): Buffer[] {
  const server = new EventEmitter();
  const ids: Buffer[] = [];
  server.on('newSession', () => {});
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
    ids.push(id);
    cb(null, null);
  });
  const sessions = new CompatServerSessions(server, noTicketer, (e) => { throw e; });
  const id = new Uint8Array(32).fill(0xab);
  for (const c of chunks(helloRecord(id))) sessions.feed(c);
  assert.equal(sessions.inspecting, false, 'done inspecting');
  assert.deepEqual(sessions.hello?.sessionId, id);
  return ids;
}

describe('node-compat first-record reader', () => {
  it('one chunk, byte by byte, split inside the header, and with trailing bytes: one resumeSession with the id', () => {
    const splits: Array<(r: Uint8Array) => Uint8Array[]> = [
      (r) => [r],
      (r) => [...r].map((b) => Uint8Array.of(b)),
      (r) => [r.subarray(0, 3), r.subarray(3, 7), r.subarray(7)],
      (r) => { const more = new Uint8Array(r.length + 10); more.set(r); return [more]; },
    ];
    for (const split of splits) {
      const ids = seen(split);
      assert.equal(ids.length, 1);
      assert.deepEqual([...ids[0]!], new Array(32).fill(0xab));
    }
  });

  it('a first record longer than a TLS record may be is not inspected', () => {
    const server = new EventEmitter();
    let emitted = 0;
    server.on('resumeSession', () => { emitted++; });
    const sessions = new CompatServerSessions(server, noTicketer, (e) => { throw e; });
    sessions.feed(Uint8Array.of(0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3));
    assert.equal(sessions.inspecting, false);
    assert.equal(sessions.hello, null);
    assert.equal(emitted, 0);
  });
});
