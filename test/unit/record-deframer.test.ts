import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordDeframer, DEFAULT_DEFRAMER_CAPACITY } from '../../src/core/record/deframer.ts';
import { MAX_WIRE_RECORD_LENGTH } from '../../src/core/record/record.ts';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { TlsError } from '../../src/core/errors.ts';

// Independent encoder: type || version || uint16 length || payload.
function rec(type: number, version: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  out[1] = version >> 8;
  out[2] = version & 0xff;
  out[3] = payload.length >> 8;
  out[4] = payload.length & 0xff;
  out.set(payload, 5);
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
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

interface Seen { type: number; version: number; payload: number[] }

function drain(d: RecordDeframer, out: Seen[]): void {
  for (let r = d.next(); r !== null; r = d.next()) out.push({ type: r.contentType, version: r.legacyVersion, payload: [...r.payload] });
}

function feedAll(d: RecordDeframer, data: Uint8Array, chunk: number): Seen[] {
  const seen: Seen[] = [];
  let off = 0;
  while (off < data.length) {
    const n = d.write(data, off, Math.min(chunk, data.length - off));
    off += n;
    drain(d, seen);
  }
  return seen;
}

function expectTlsError(fn: () => unknown, code: string, alert: number | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.alert, alert);
    return true;
  });
}

const stream = concat([
  rec(22, 0x0301, filled(300, 1)), // first ClientHello may use 0x0301
  rec(20, 0x0303, Uint8Array.of(1)),
  rec(23, 0x0303, filled(17, 2)),
  rec(21, 0x0303, Uint8Array.of(1, 0)),
  rec(23, 0x0303, new Uint8Array(0)),
  rec(23, 0x0303, filled(0x4000 + 256, 3)), // maximal ciphertext
]);

describe('RecordDeframer', () => {
  it('returns the same records for one write and for one byte at a time', () => {
    const whole = feedAll(new RecordDeframer(), stream, stream.length);
    assert.equal(whole.length, 6);
    assert.deepEqual(whole.map((r) => r.type), [22, 20, 23, 21, 23, 23]);
    assert.equal(whole[0]!.version, 0x0301);
    assert.equal(whole[5]!.payload.length, 0x4000 + 256);
    const single = feedAll(new RecordDeframer(), stream, 1);
    assert.deepEqual(single, whole);
  });

  it('returns the same records when the input is split at every byte boundary', () => {
    const small = stream.subarray(0, stream.length - (5 + 0x4000 + 256)); // keep it quick
    const expected = feedAll(new RecordDeframer(), small, small.length);
    for (let cut = 1; cut < small.length; cut++) {
      const d = new RecordDeframer();
      const seen: Seen[] = [];
      assert.equal(d.write(small.subarray(0, cut)), cut);
      drain(d, seen);
      assert.equal(d.write(small.subarray(cut)), small.length - cut);
      drain(d, seen);
      assert.deepEqual(seen, expected, `cut at ${cut}`);
      assert.equal(d.buffered(), 0);
    }
  });

  it('yields many records from one write', () => {
    const many = concat(Array.from({ length: 1000 }, (_, i) => rec(23, 0x0303, filled(i % 20, i))));
    const d = new RecordDeframer();
    assert.equal(d.write(many), many.length);
    const seen: Seen[] = [];
    drain(d, seen);
    assert.equal(seen.length, 1000);
    assert.deepEqual(seen[999]!.payload, [...filled(999 % 20, 999)]);
  });

  it('accepts only what fits, never grows, and takes the rest after next()', () => {
    const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
    const big = concat([rec(23, 0x0303, filled(0x4000 + 256, 5)), rec(23, 0x0303, filled(100, 6))]);
    const first = d.write(big);
    assert.equal(first, MAX_WIRE_RECORD_LENGTH);
    assert.equal(d.freeSpace(), 0);
    assert.equal(d.write(big, first), 0);
    const r = d.next();
    assert.ok(r);
    assert.equal(r.payload.length, 0x4000 + 256);
    assert.equal(d.next(), null);
    assert.equal(d.write(big, first), big.length - first);
    assert.deepEqual([...d.next()!.payload], [...filled(100, 6)]);
    assert.equal(DEFAULT_DEFRAMER_CAPACITY >= MAX_WIRE_RECORD_LENGTH, true);
  });

  it('compacts a partial record to the front when the tail is short of room', () => {
    const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
    const a = rec(23, 0x0303, filled(10000, 7));
    const b = rec(23, 0x0303, filled(10000, 8));
    const both = concat([a, b]);
    let off = d.write(both);
    assert.equal(d.next()!.payload.length, 10000);
    off += d.write(both, off); // needs compaction to fit the rest of b
    assert.equal(off, both.length);
    assert.deepEqual([...d.next()!.payload], [...filled(10000, 8)]);
    assert.equal(d.hasPartialRecord(), false);
  });

  it('reports a partial record', () => {
    const d = new RecordDeframer();
    d.write(rec(23, 0x0303, filled(10, 1)).subarray(0, 7));
    assert.equal(d.next(), null);
    assert.equal(d.hasPartialRecord(), true);
  });

  it('rejects an oversized length from the header alone, before the body arrives', () => {
    const d = new RecordDeframer();
    d.write(Uint8Array.of(23, 3, 3, 0x41, 0x01)); // 2^14 + 257
    expectTlsError(() => d.next(), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
    // Sticky: the same error again, and no more input accepted.
    expectTlsError(() => d.next(), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
    assert.equal(d.write(Uint8Array.of(1, 2, 3)), 0);
  });

  it('accepts a length of exactly 2^14 + 256', () => {
    const d = new RecordDeframer();
    d.write(Uint8Array.of(23, 3, 3, 0x41, 0x00));
    assert.equal(d.next(), null);
  });

  it('rejects a bad content type as soon as its byte arrives', () => {
    for (const t of [0, 19, 24, 0x80, 0xff]) {
      const d = new RecordDeframer();
      d.write(Uint8Array.of(t));
      expectTlsError(() => d.next(), 'ERR_TLS_RECORD_BAD_TYPE', AlertDescription.UnexpectedMessage);
    }
  });

  it('rejects a version whose major byte is not 3, accepts any minor byte', () => {
    for (const major of [0, 2, 4, 0x16]) {
      const d = new RecordDeframer();
      d.write(Uint8Array.of(22, major));
      expectTlsError(() => d.next(), 'ERR_TLS_RECORD_BAD_VERSION', AlertDescription.DecodeError);
    }
    for (const minor of [0, 1, 3, 4, 0xff]) {
      const d = new RecordDeframer();
      d.write(rec(22, 0x0300 | minor, Uint8Array.of(1)));
      assert.equal(d.next()!.legacyVersion, 0x0300 | minor);
    }
  });

  it('rejects an HTTP request sent to a TLS port', () => {
    const d = new RecordDeframer();
    d.write(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
    expectTlsError(() => d.next(), 'ERR_TLS_RECORD_BAD_TYPE', AlertDescription.UnexpectedMessage);
  });

  it('refuses a capacity below one maximal record', () => {
    expectTlsError(() => new RecordDeframer(MAX_WIRE_RECORD_LENGTH - 1), 'ERR_TLS_CONFIG', null);
  });
});

describe('RecordDeframer.lend (zero-copy hand-over of transport reads)', () => {
  const A = rec(23, 0x0303, filled(300, 1));
  const B = rec(23, 0x0303, filled(500, 2));
  const C = rec(22, 0x0303, filled(40, 3));

  it('reads records straight from a lent array when nothing is buffered', () => {
    const d = new RecordDeframer();
    const wire = concat([A, C]);
    assert.equal(d.lend(wire), wire.length);
    const r1 = d.next()!, r2 = d.next()!;
    assert.equal(r1.payload.buffer, wire.buffer, 'payload is a view of the lent array, not a copy');
    assert.deepEqual([...r2.payload], [...C.subarray(5)]);
    assert.equal(d.next(), null);
    assert.equal(d.buffered(), 0);
    // The lent array is dropped once its records are taken (an idle connection keeps no read).
    assert.notEqual((d as unknown as { buf: Uint8Array }).buf, wire, 'the consumed lent array is no longer referenced');
  });

  it('keeps a lent array only while records or a partial record in it are waiting', () => {
    const d = new RecordDeframer();
    const wire = concat([A, B.subarray(0, 10)]);
    const held = (): Uint8Array => (d as unknown as { buf: Uint8Array }).buf;
    d.lend(wire);
    assert.equal(held(), wire, 'lent, records waiting');
    d.next();
    assert.equal(d.next(), null);
    assert.equal(held(), wire, 'still lent: a partial record waits in it');
    d.write(B.subarray(10));
    assert.notEqual(held(), wire, 'the partial record was copied out on the next write');
    assert.deepEqual([...d.next()!.payload], [...B.subarray(5)]);
  });

  it('copies only the bytes that complete a straddling record, then lends the rest', () => {
    const d = new RecordDeframer();
    const first = concat([A, B.subarray(0, 10)]);
    const second = concat([B.subarray(10), C]);
    assert.equal(d.lend(first), first.length);
    assert.deepEqual([...d.next()!.payload], [...A.subarray(5)]);
    assert.equal(d.next(), null);
    const need = B.length - 10;
    assert.equal(d.lend(second), need, 'takes exactly the rest of the partial record');
    first.fill(0xee); // the partial record was copied out of the first array
    const rb = d.next()!;
    assert.deepEqual([...rb.payload], [...B.subarray(5)]);
    assert.equal(d.next(), null);
    const rest = second.subarray(need);
    assert.equal(d.lend(rest), rest.length, 'the rest is lent whole');
    const rc = d.next()!;
    assert.equal(rc.payload.buffer, second.buffer, 'lent, not copied');
    assert.deepEqual([...rc.payload], [...C.subarray(5)]);
  });

  it('reads a record header split across two lent arrays', () => {
    for (let cut = 1; cut < 5; cut++) {
      const d = new RecordDeframer();
      const first = concat([A, B.subarray(0, cut)]);
      assert.equal(d.lend(first), first.length);
      assert.ok(d.next() !== null, 'A');
      assert.equal(d.next(), null);
      const second = concat([B.subarray(cut), C]);
      assert.equal(d.lend(second), B.length - cut, `header cut after ${cut} bytes`);
      assert.deepEqual([...d.next()!.payload], [...B.subarray(5)]);
      assert.equal(d.lend(second.subarray(B.length - cut)), C.length);
      assert.deepEqual([...d.next()!.payload], [...C.subarray(5)]);
    }
  });

  it('copies, within the capacity, when complete records are still waiting (a blocked engine)', () => {
    const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
    const first = concat([A, B]);
    assert.equal(d.lend(first), first.length);
    // Nothing taken: the next lend moves the waiting records into our buffer and copies what fits.
    const big = rec(23, 0x0303, filled(16000, 4));
    const n = d.lend(big);
    assert.ok(n > 0 && n < big.length, `accepted part of it: ${n}`);
    assert.ok(d.buffered() <= MAX_WIRE_RECORD_LENGTH, `buffered ${d.buffered()} within the capacity`);
    first.fill(0xee);
    assert.deepEqual([...d.next()!.payload], [...A.subarray(5)]);
    assert.deepEqual([...d.next()!.payload], [...B.subarray(5)]);
    assert.equal(d.next(), null);
    let off = n;
    while (off < big.length) off += d.lend(big.subarray(off));
    assert.deepEqual([...d.next()!.payload], [...big.subarray(5)]);
  });

  it('accepts nothing more while more than the capacity of a lent array is waiting', () => {
    const records = Array.from({ length: 5 }, (_, i) => rec(23, 0x0303, filled(10000, i)));
    const wire = concat(records);
    const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
    assert.equal(d.lend(wire), wire.length, 'a lent array may exceed the capacity');
    assert.equal(d.lend(C), 0, 'too much waiting to take it back');
    assert.equal(d.write(C), 0);
    for (const r of records) assert.deepEqual([...d.next()!.payload], [...r.subarray(5)]);
    assert.equal(d.lend(C), C.length);
  });

  it('fails a straddling record with an oversized length as write() does', () => {
    const bad = Uint8Array.of(23, 3, 3, 0xff, 0xff);
    for (const how of ['lend', 'write'] as const) {
      const d = new RecordDeframer();
      const first = concat([A, bad.subarray(0, 3)]);
      assert.equal(how === 'lend' ? d.lend(first) : d.write(first), first.length);
      assert.ok(d.next() !== null);
      assert.equal(d.next(), null);
      const second = concat([bad.subarray(3), new Uint8Array(100)]);
      if (how === 'lend') d.lend(second);
      else d.write(second);
      assert.throws(() => d.next(), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_RECORD_OVERFLOW', how);
      assert.equal(d.lend(C), 0, 'failed: accepts nothing');
    }
  });
});
