import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordDeframer } from '../../src/core/record/deframer.ts';
import { HandshakeJoiner } from '../../src/core/record/handshake-joiner.ts';
import { Tls13RecordOpener, Tls13RecordSealer } from '../../src/core/record/tls13-protection.ts';
import { Tls12RecordOpener, Tls12RecordSealer } from '../../src/core/record/tls12-protection.ts';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { NoOpener } from '../../src/core/record/no-protection.ts';
import type { RecordOpener } from '../../src/core/record/record.ts';
import { MAX_WIRE_RECORD_LENGTH } from '../../src/core/record/record.ts';
import { aes128Gcm, chacha20Poly1305 } from '../../src/providers/node/aead.ts';
import { TlsError } from '../../src/core/errors.ts';

const RUNS = 200;

// Independent encoder.
function rec(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out.set([type, 3, 3, payload.length >> 8, payload.length & 0xff]);
  out.set(payload, 5);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Cut points -> chunks covering `data`. */
function chunksOf(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) { out.push(data.subarray(prev, p)); prev = p; }
  out.push(data.subarray(prev));
  return out;
}

function deframeChunks(d: RecordDeframer, chunks: Uint8Array[]): string[] {
  const seen: string[] = [];
  for (const c of chunks) {
    let off = 0;
    while (off < c.length) {
      const n = d.write(c, off);
      off += n;
      for (let r = d.next(); r !== null; r = d.next()) seen.push(`${r.contentType}/${r.legacyVersion}/${Buffer.from(r.payload).toString('hex')}`);
      if (n === 0) assert.fail('deframer stalled with complete records drained');
    }
  }
  return seen;
}

/**
 * Feeds `chunks` as the Node adapter does with `lend()`: each chunk (a fresh copy, as a
 * transport read) is handed over, records are taken whenever it was accepted in part, and right
 * after the next chunk's first lend the previous one is overwritten, so any byte the deframer
 * still needed from it must have been copied by then.
 */
function deframeLent(d: RecordDeframer, chunks: Uint8Array[], capacity: number): string[] {
  const seen: string[] = [];
  let previous: Uint8Array | null = null;
  for (const c of chunks) {
    const own = c.slice();
    let off = 0;
    while (off < own.length) {
      const n = d.lend(off === 0 ? own : own.subarray(off));
      off += n;
      if (previous !== null) {
        previous.fill(0xee);
        previous = null;
      }
      // Our own buffer stays within the capacity; only a lent chunk may be larger.
      assert.ok(d.buffered() <= Math.max(capacity, own.length), `buffered ${d.buffered()}`);
      for (let r = d.next(); r !== null; r = d.next()) seen.push(`${r.contentType}/${r.legacyVersion}/${Buffer.from(r.payload).toString('hex')}`);
      if (n === 0) assert.fail('deframer stalled with complete records drained');
    }
    previous = own;
  }
  return seen;
}

const recordArb = fc.record({
  type: fc.integer({ min: 20, max: 23 }),
  payload: fc.uint8Array({ maxLength: 600 }),
});

describe('record layer fuzzing', () => {
  it('any chunking of a record stream yields the same records', () => {
    fc.assert(fc.property(fc.array(recordArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (records, cuts) => {
      const wire = concat(records.map((r) => rec(r.type, r.payload)));
      const expected = records.map((r) => `${r.type}/${0x0303}/${Buffer.from(r.payload).toString('hex')}`);
      assert.deepEqual(deframeChunks(new RecordDeframer(), [wire]), expected);
      assert.deepEqual(deframeChunks(new RecordDeframer(), chunksOf(wire, cuts)), expected);
    }), { numRuns: RUNS });
  });

  it('lending chunks (no copy) yields the same records as copying them, for any chunking', () => {
    fc.assert(fc.property(fc.array(recordArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (records, cuts) => {
      const wire = concat(records.map((r) => rec(r.type, r.payload)));
      const expected = records.map((r) => `${r.type}/${0x0303}/${Buffer.from(r.payload).toString('hex')}`);
      assert.deepEqual(deframeLent(new RecordDeframer(), [wire], MAX_WIRE_RECORD_LENGTH * 2), expected);
      assert.deepEqual(deframeLent(new RecordDeframer(MAX_WIRE_RECORD_LENGTH), chunksOf(wire, cuts), MAX_WIRE_RECORD_LENGTH), expected);
    }), { numRuns: RUNS });
  });

  it('lending random bytes gives the same records or the same TlsError as copying them', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const run = (lend: boolean): string => {
        const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
        const out: string[] = [];
        try {
          for (const c of chunksOf(bytes, cuts)) {
            const own = c.slice();
            let off = 0;
            while (off < own.length) {
              const n = lend ? d.lend(own.subarray(off)) : d.write(own, off);
              off += n;
              for (let r = d.next(); r !== null; r = d.next()) out.push(`${r.contentType}:${Buffer.from(r.payload).toString('hex')}`);
              if (n === 0) return `${out.join(',')} stalled`;
            }
          }
          return `${out.join(',')} partial=${String(d.hasPartialRecord())}`;
        } catch (e) {
          if (!(e instanceof TlsError)) throw e;
          return `${out.join(',')} ${e.code}`;
        }
      };
      assert.equal(run(true), run(false));
    }), { numRuns: RUNS * 2 });
  });

  it('random bytes give records or a TlsError, never anything else, within the bound', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
      try {
        for (const c of chunksOf(bytes, cuts)) {
          d.write(c);
          assert.ok(d.buffered() <= MAX_WIRE_RECORD_LENGTH);
          for (let r = d.next(); r !== null; r = d.next()) new NoOpener().open(r);
        }
      } catch (e) {
        if (!(e instanceof TlsError)) throw e;
      }
    }), { numRuns: RUNS });
  });

  it('mutated protected records give the plaintext or a TlsError (TLS 1.3 and 1.2)', () => {
    const key = new Uint8Array(16).fill(7);
    const key32 = new Uint8Array(32).fill(9);
    const iv = new Uint8Array(12).fill(3);
    const frag = new RecordFragmenter(512);
    const plain = new Uint8Array(1500).map((_, i) => i & 0xff);
    const setups: [string, () => RecordOpener, Uint8Array][] = [
      ['tls13', () => new Tls13RecordOpener(aes128Gcm, key, iv), frag.sealToBytes(new Tls13RecordSealer(aes128Gcm, key, iv, { padding: { kind: 'multiple', multiple: 64 } }), 22, plain)],
      ['tls12-gcm', () => new Tls12RecordOpener(aes128Gcm, 'gcm-explicit', key, iv.subarray(0, 4)), frag.sealToBytes(new Tls12RecordSealer(aes128Gcm, 'gcm-explicit', key, iv.subarray(0, 4)), 22, plain)],
      ['tls12-chacha', () => new Tls12RecordOpener(chacha20Poly1305, 'xor', key32, iv), frag.sealToBytes(new Tls12RecordSealer(chacha20Poly1305, 'xor', key32, iv), 22, plain)],
    ];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('cut' as const), pos: fc.nat(), bit: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
    );
    for (const [name, makeOpener, wire] of setups) {
      fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), (mutations, cuts) => {
        let m: Uint8Array = wire.slice();
        for (const mu of mutations) {
          const p = mu.pos % m.length;
          if (mu.kind === 'flip') m[p]! ^= 1 << mu.bit;
          else if (mu.kind === 'cut') m = m.slice(0, p);
          else m = concat([m.subarray(0, p), Uint8Array.of(mu.bit), m.subarray(p)]);
        }
        const d = new RecordDeframer(MAX_WIRE_RECORD_LENGTH);
        const opener = makeOpener();
        const joiner = new HandshakeJoiner();
        const got: number[] = [];
        try {
          for (const c of chunksOf(m, cuts)) {
            let off = 0;
            while (off < c.length) {
              const n = d.write(c, off);
              off += n;
              assert.ok(d.buffered() <= MAX_WIRE_RECORD_LENGTH);
              for (let r = d.next(); r !== null; r = d.next()) {
                const p = opener.open(r);
                got.push(...p.payload);
                if (p.contentType === 22) {
                  joiner.push(p.payload);
                  while (joiner.next() !== null);
                }
              }
              if (n === 0) break;
            }
          }
        } catch (e) {
          if (!(e instanceof TlsError)) throw e;
          return;
        }
        // Whatever authenticated is a prefix of the original plaintext.
        assert.deepEqual(got, [...plain.subarray(0, got.length)], name);
      }), { numRuns: RUNS });
    }
  });

  it('handshake messages join the same for any record boundaries', () => {
    const msgArb = fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 3000 }) });
    fc.assert(fc.property(fc.array(msgArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
      const enc = msgs.map((m) => {
        const o = new Uint8Array(4 + m.body.length);
        o.set([m.type, m.body.length >> 16, (m.body.length >> 8) & 0xff, m.body.length & 0xff]);
        o.set(m.body, 4);
        return o;
      });
      const wire = concat(enc);
      const j = new HandshakeJoiner();
      const seen: string[] = [];
      for (const c of chunksOf(wire, cuts)) {
        if (c.length === 0) continue;
        j.push(c);
        for (let m = j.next(); m !== null; m = j.next()) seen.push(Buffer.from(m.encoding).toString('hex'));
      }
      assert.deepEqual(seen, enc.map((e) => Buffer.from(e).toString('hex')));
      assert.equal(j.isEmpty(), true);
    }), { numRuns: RUNS });
  });
});
