import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HandshakeJoiner, DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE } from '../../src/core/record/handshake-joiner.ts';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { TlsError } from '../../src/core/errors.ts';

// Independent encoder: msg_type || uint24 length || body.
function hs(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = (body.length >> 16) & 0xff;
  out[2] = (body.length >> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

interface Msg { type: number; body: number[]; encoding: number[] }

function drain(j: HandshakeJoiner, out: Msg[]): void {
  for (let m = j.next(); m !== null; m = j.next()) out.push({ type: m.type, body: [...m.body], encoding: [...m.encoding] });
}

function expectTlsError(fn: () => unknown, code: string, alert: number | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.alert, alert);
    return true;
  });
}

const messages = [hs(2, filled(86, 1)), hs(8, filled(20, 2)), hs(11, filled(40000, 3)), hs(15, filled(132, 4)), hs(20, filled(32, 5)), hs(0, new Uint8Array(0))];
const flight = concat(messages);

describe('HandshakeJoiner', () => {
  it('yields several messages from one record', () => {
    const j = new HandshakeJoiner();
    const small = concat([messages[0]!, messages[1]!, messages[3]!]);
    j.push(small);
    const seen: Msg[] = [];
    drain(j, seen);
    assert.deepEqual(seen.map((m) => m.type), [2, 8, 15]);
    assert.deepEqual(seen[1]!.encoding, [...messages[1]!]);
    assert.deepEqual(seen[1]!.body, [...filled(20, 2)]);
    assert.equal(j.isEmpty(), true);
  });

  it('joins messages spread over many records, for every record size', () => {
    const expected = messages.map((m) => [...m]);
    for (const size of [1, 2, 3, 4, 5, 7, 100, 4096, 16384]) {
      const j = new HandshakeJoiner();
      const seen: Msg[] = [];
      for (let off = 0; off < flight.length; off += size) {
        j.push(flight.subarray(off, Math.min(off + size, flight.length)));
        drain(j, seen);
      }
      assert.deepEqual(seen.map((m) => m.encoding), expected, `record size ${size}`);
      assert.equal(j.isEmpty(), true);
    }
  });

  it('splits a stream at every byte boundary into the same messages', () => {
    const short = concat([messages[0]!, messages[1]!, messages[5]!, messages[4]!]);
    for (let cut = 1; cut < short.length; cut++) {
      const j = new HandshakeJoiner();
      const seen: Msg[] = [];
      j.push(short.subarray(0, cut));
      drain(j, seen);
      j.push(short.subarray(cut));
      drain(j, seen);
      assert.deepEqual(seen.map((m) => m.type), [2, 8, 0, 20], `cut ${cut}`);
    }
  });

  it('rejects a zero-length handshake record (RFC 8446 §5.1)', () => {
    expectTlsError(() => new HandshakeJoiner().push(new Uint8Array(0)), 'ERR_TLS_RECORD_EMPTY', AlertDescription.UnexpectedMessage);
  });

  it('rejects a message over the limit from its header alone', () => {
    const j = new HandshakeJoiner();
    // 64 KiB + 1 of body announced; only the header is sent.
    const body = 0x10001;
    expectTlsError(() => j.push(Uint8Array.of(11, body >> 16, (body >> 8) & 0xff, body & 0xff)), 'ERR_TLS_RECORD_HANDSHAKE_OVERFLOW', AlertDescription.UnexpectedMessage);
  });

  it('accepts a message of exactly the limit and honours a configured limit', () => {
    const j = new HandshakeJoiner();
    const m = hs(11, filled(DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE - 4, 9));
    const seen: Msg[] = [];
    for (let off = 0; off < m.length; off += 16384) {
      j.push(m.subarray(off, Math.min(off + 16384, m.length)));
      drain(j, seen);
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body.length, 0x10000);

    const big = new HandshakeJoiner({ maxMessageSize: 200000 });
    big.push(Uint8Array.of(11, 0x02, 0x00, 0x00)); // 131072 bytes announced
    assert.equal(big.next(), null);
    const strict = new HandshakeJoiner({ maxMessageSize: 16388 });
    expectTlsError(() => strict.push(Uint8Array.of(11, 0, 0x40, 0x01)), 'ERR_TLS_RECORD_HANDSHAKE_OVERFLOW', AlertDescription.UnexpectedMessage);
    expectTlsError(() => new HandshakeJoiner({ maxMessageSize: 100 }), 'ERR_TLS_CONFIG', null);
  });

  it('rejects a later message over the limit once its header is reached', () => {
    const j = new HandshakeJoiner();
    j.push(concat([hs(8, filled(2, 1)), Uint8Array.of(11, 0x01, 0x00, 0x01)]));
    expectTlsError(() => j.next(), 'ERR_TLS_RECORD_HANDSHAKE_OVERFLOW', AlertDescription.UnexpectedMessage);
  });

  it('enforces the key-change boundary (RFC 8446 §5.1)', () => {
    const j = new HandshakeJoiner();
    j.push(concat([messages[0]!, messages[1]!]));
    assert.equal(j.next()!.type, 2); // ServerHello: keys change after it
    expectTlsError(() => j.assertAtKeyChange(), 'ERR_TLS_RECORD_KEY_CHANGE_SPLIT', AlertDescription.UnexpectedMessage);
    const k = new HandshakeJoiner();
    k.push(messages[0]!);
    assert.equal(k.next()!.type, 2);
    k.assertAtKeyChange();
    // A partial message also spans the change.
    const p = new HandshakeJoiner();
    p.push(messages[4]!.subarray(0, 10));
    assert.equal(p.next(), null);
    expectTlsError(() => p.assertAtKeyChange(), 'ERR_TLS_RECORD_KEY_CHANGE_SPLIT', AlertDescription.UnexpectedMessage);
  });

  it('rejects another record type inside a fragmented message', () => {
    const j = new HandshakeJoiner();
    j.assertNotInterleaved(23);
    j.push(messages[4]!.subarray(0, 3)); // partial header
    expectTlsError(() => j.assertNotInterleaved(23), 'ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED', AlertDescription.UnexpectedMessage);
    j.push(messages[4]!.subarray(3, 20)); // partial body
    expectTlsError(() => j.assertNotInterleaved(21), 'ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED', AlertDescription.UnexpectedMessage);
    j.push(messages[4]!.subarray(20));
    assert.equal(j.hasPartialMessage(), false);
    j.assertNotInterleaved(21);
    assert.equal(j.next()!.type, 20);
  });

  it('keeps message views valid until the next push', () => {
    const j = new HandshakeJoiner();
    j.push(concat([messages[1]!, messages[4]!]));
    const a = j.next()!;
    const b = j.next()!;
    assert.deepEqual([...a.encoding], [...messages[1]!]);
    assert.deepEqual([...b.encoding], [...messages[4]!]);
  });

  it('refuses to buffer without bound when the engine does not drain', () => {
    const j = new HandshakeJoiner();
    const record = concat(Array.from({ length: 400 }, () => hs(24, Uint8Array.of(0)))); // 2000 bytes of KeyUpdates
    assert.throws(() => { for (let i = 0; i < 1000; i++) j.push(record); }, (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_INTERNAL');
  });
});
