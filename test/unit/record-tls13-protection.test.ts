import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { Tls13RecordOpener, Tls13RecordSealer, type RecordPadding } from '../../src/core/record/tls13-protection.ts';
import { ivWord, writeNonce } from '../../src/core/record/static-iv.ts';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { RecordDeframer } from '../../src/core/record/deframer.ts';
import { InboundOpaqueRecord, type InboundPlainRecord } from '../../src/core/record/record.ts';
import { aes128Gcm, aes256Gcm, chacha20Poly1305 } from '../../src/providers/node/aead.ts';
import type { AeadAlgorithm } from '../../src/core/crypto/provider.ts';
import { AlertDescription, ContentType } from '../../src/core/codec/codepoints.ts';
import { TlsError } from '../../src/core/errors.ts';

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 29 + seed) & 0xff;
  return b;
}

function expectTlsError(fn: () => unknown, code: string, alert: number | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.alert, alert);
    return true;
  });
}

/** Parses one sealed record (the test's own parser, not the deframer). */
function asRecord(wire: Uint8Array): InboundOpaqueRecord {
  const len = (wire[3]! << 8) | wire[4]!;
  assert.equal(wire.length, 5 + len);
  return new InboundOpaqueRecord(wire[0]!, (wire[1]! << 8) | wire[2]!, wire.slice(5));
}

function seal(sealer: Tls13RecordSealer, type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(sealer.sealedLength(type, data.length));
  assert.equal(sealer.seal(type, data, 0, data.length, out, 0), out.length);
  return out;
}

/**
 * Encrypts an arbitrary inner plaintext as record number `seq` with node:crypto directly: an
 * independent TLS 1.3 record encoder for the negative cases the sealer refuses to make.
 */
function rawRecord(cipher: string, key: Uint8Array, iv: Uint8Array, seq: number, inner: Uint8Array): Uint8Array {
  const nonce = iv.slice();
  const view = new DataView(nonce.buffer);
  view.setUint32(4, view.getUint32(4) ^ Math.floor(seq / 2 ** 32));
  view.setUint32(8, view.getUint32(8) ^ (seq >>> 0));
  const len = inner.length + 16;
  const header = Uint8Array.of(23, 3, 3, len >> 8, len & 0xff);
  const c = createCipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(header);
  const ct = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  const out = new Uint8Array(5 + ct.length);
  out.set(header);
  out.set(ct, 5);
  return out;
}

const aeads: [AeadAlgorithm, string][] = [[aes128Gcm, 'aes-128-gcm'], [aes256Gcm, 'aes-256-gcm'], [chacha20Poly1305, 'chacha20-poly1305']];
const iv = filled(12, 99);

const paddings: [string, RecordPadding | undefined][] = [
  ['no padding', undefined],
  ['pad to 64', { kind: 'multiple', multiple: 64 }],
  ['custom padding', { kind: 'custom', padLength: (type: number, len: number) => (type === ContentType.Handshake ? 300 : len % 7) }],
];

for (const [aead, cipher] of aeads) {
  const key = filled(aead.keyLength, 7);

  describe(`TLS 1.3 record protection, ${aead.name}`, () => {
    for (const [name, padding] of paddings) {
      it(`round-trips records of every content type, ${name}`, () => {
        const sealer = new Tls13RecordSealer(aead, key, iv, padding === undefined ? {} : { padding });
        const opener = new Tls13RecordOpener(aead, key, iv);
        const cases: [number, Uint8Array][] = [
          [ContentType.Handshake, filled(1, 1)],
          [ContentType.ApplicationData, new Uint8Array(0)],
          [ContentType.ApplicationData, filled(1000, 2)],
          [ContentType.Alert, Uint8Array.of(1, 0)],
          [ContentType.ApplicationData, filled(0x4000, 3)],
          [ContentType.Handshake, filled(333, 4)],
        ];
        for (const [type, data] of cases) {
          const wire = seal(sealer, type, data);
          assert.equal(wire[0], 23, 'outer type is application_data');
          assert.deepEqual([...wire.subarray(1, 3)], [3, 3]);
          assert.ok(wire.length - 5 <= 0x4000 + 256);
          const plain = opener.open(asRecord(wire));
          assert.equal(plain.contentType, type);
          assert.deepEqual(plain.payload, data);
        }
        assert.equal(sealer.sequenceNumber, cases.length);
        assert.equal(opener.sequenceNumber, cases.length);
      });
    }

    it('pads as configured and caps padding at 2^14 + 1 bytes of inner plaintext', () => {
      const s64 = new Tls13RecordSealer(aead, key, iv, { padding: { kind: 'multiple', multiple: 64 } });
      assert.equal(s64.sealedLength(23, 10), 5 + 64 + 16);
      assert.equal(s64.sealedLength(23, 63), 5 + 64 + 16);
      assert.equal(s64.sealedLength(23, 64), 5 + 128 + 16);
      assert.equal(s64.sealedLength(23, 0x4000), 5 + 0x4001 + 16); // capped
      const big = new Tls13RecordSealer(aead, key, iv, { padding: { kind: 'custom', padLength: () => 100000 } });
      assert.equal(big.sealedLength(23, 5), 5 + 0x4001 + 16);
      const opener = new Tls13RecordOpener(aead, key, iv);
      const plain = opener.open(asRecord(seal(big, 23, filled(5, 1))));
      assert.deepEqual(plain.payload, filled(5, 1));
      expectTlsError(() => new Tls13RecordSealer(aead, key, iv, { padding: { kind: 'multiple', multiple: 0 } }), 'ERR_TLS_CONFIG', null);
      const bad = new Tls13RecordSealer(aead, key, iv, { padding: { kind: 'custom', padLength: () => -1 } });
      expectTlsError(() => bad.sealedLength(23, 1), 'ERR_TLS_CONFIG', null);
    });

    it('uses iv XOR sequence number and the header as AAD (cross-checked with node:crypto)', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const data = filled(77, 5);
      seal(sealer, 23, filled(3, 0));
      seal(sealer, 23, filled(3, 0));
      const inner = new Uint8Array(78);
      inner.set(data);
      inner[77] = 23;
      assert.deepEqual(seal(sealer, 23, data), rawRecord(cipher, key, iv, 2, inner));
    });

    it('seals in place into one shared buffer at an offset', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const data = filled(500, 6);
      const out = new Uint8Array(3 + sealer.sealedLength(22, 500));
      out.set(data, 3 + 5);
      assert.equal(sealer.seal(22, out, 3 + 5, 500, out, 3), out.length - 3);
      const plain = new Tls13RecordOpener(aead, key, iv).open(asRecord(out.subarray(3)));
      assert.deepEqual(plain.payload, data);
      expectTlsError(() => sealer.seal(22, data, 0, 500, new Uint8Array(100), 0), 'ERR_TLS_INTERNAL', AlertDescription.InternalError);
    });

    it('fragments a flight, and the deframer and opener recover it', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv, { padding: { kind: 'multiple', multiple: 32 } });
      const f = new RecordFragmenter(1000);
      const flight = filled(4321, 8);
      const wire = f.sealToBytes(sealer, ContentType.Handshake, flight);
      const d = new RecordDeframer();
      const opener = new Tls13RecordOpener(aead, key, iv);
      const got: number[] = [];
      for (let i = 0; i < wire.length; i += 333) {
        d.write(wire, i, Math.min(333, wire.length - i));
        for (let r = d.next(); r !== null; r = d.next()) {
          const p: InboundPlainRecord = opener.open(r);
          assert.equal(p.contentType, ContentType.Handshake);
          got.push(...p.payload);
        }
      }
      assert.deepEqual(got, [...flight]);
      assert.equal(opener.sequenceNumber, 5);
    });

    it('rejects a tampered header, ciphertext, tag or sequence number with bad_record_mac', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const wire = seal(sealer, 23, filled(50, 9));
      const positions = [1, 2, 5, 20, wire.length - 1]; // version bytes, ciphertext, tag
      for (const pos of positions) {
        const bad = wire.slice();
        bad[pos]! ^= 0x01;
        expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(bad)), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
      }
      // Replayed record: the second open expects sequence number 1.
      const opener = new Tls13RecordOpener(aead, key, iv);
      opener.open(asRecord(wire));
      expectTlsError(() => opener.open(asRecord(wire)), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
      // Shorter than tag + type byte.
      expectTlsError(() => opener.open(new InboundOpaqueRecord(23, 0x0303, new Uint8Array(16))), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
    });

    it('rejects an all-zero inner plaintext with unexpected_message', () => {
      for (const n of [1, 40]) {
        const wire = rawRecord(cipher, key, iv, 0, new Uint8Array(n));
        expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(wire)), 'ERR_TLS_RECORD_NO_CONTENT_TYPE', AlertDescription.UnexpectedMessage);
      }
    });

    it('rejects an over-long inner plaintext and ciphertext with record_overflow', () => {
      const inner = new Uint8Array(0x4000 + 2);
      inner[0x4000 + 1] = 23; // 2^14 + 1 bytes of content + type
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(rawRecord(cipher, key, iv, 0, inner))), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
      const padded = new Uint8Array(0x4000 + 2); // content 2^14 - 1 + type + 2 zeros: inner too long
      padded[0x4000 - 1] = 23;
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(rawRecord(cipher, key, iv, 0, padded))), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
      const ok = new Uint8Array(0x4000 + 1);
      ok[0x4000] = 23;
      assert.equal(new Tls13RecordOpener(aead, key, iv).open(asRecord(rawRecord(cipher, key, iv, 0, ok))).payload.length, 0x4000);
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(new InboundOpaqueRecord(23, 0x0303, new Uint8Array(0x4000 + 257))), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
    });

    it('rejects a non-application_data outer type, a protected CCS and an unknown inner type', () => {
      const wire = seal(new Tls13RecordSealer(aead, key, iv), 22, filled(5, 1));
      const r = asRecord(wire);
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(new InboundOpaqueRecord(22, 0x0303, r.payload)), 'ERR_TLS_RECORD_BAD_TYPE', AlertDescription.UnexpectedMessage);
      const ccs = rawRecord(cipher, key, iv, 0, Uint8Array.of(1, 20));
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(ccs)), 'ERR_TLS_RECORD_UNEXPECTED_CCS', AlertDescription.UnexpectedMessage);
      const unknown = rawRecord(cipher, key, iv, 0, Uint8Array.of(1, 24, 0, 0));
      expectTlsError(() => new Tls13RecordOpener(aead, key, iv).open(asRecord(unknown)), 'ERR_TLS_RECORD_BAD_TYPE', AlertDescription.UnexpectedMessage);
    });

    it('signals a key update before the confidentiality limit and refuses to pass it', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv, { confidentialityLimit: 10 });
      const due: boolean[] = [];
      for (let i = 0; i < 10; i++) {
        due.push(sealer.keyUpdateDue());
        seal(sealer, 23, filled(1, i));
      }
      // margin = floor(10 / 4) = 2: due from the 8th record on.
      assert.deepEqual(due, [false, false, false, false, false, false, false, false, true, true]);
      assert.equal(sealer.recordsRemaining(), 0);
      expectTlsError(() => seal(sealer, 23, filled(1, 0)), 'ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', AlertDescription.InternalError);
      const early = new Tls13RecordSealer(aead, key, iv, { confidentialityLimit: 10, keyUpdateMargin: 9 });
      assert.equal(early.keyUpdateDue(), false);
      seal(early, 23, filled(1, 0));
      assert.equal(early.keyUpdateDue(), true);
    });

    it('counts authentication failures against the integrity limit', () => {
      const sealer = new Tls13RecordSealer(aead, key, iv);
      const good = seal(sealer, 23, filled(20, 1));
      const bad = good.slice();
      bad[10]! ^= 0xff;
      const opener = new Tls13RecordOpener(aead, key, iv, { integrityLimit: 3 });
      for (let i = 0; i < 3; i++) assert.equal(opener.tryOpen(asRecord(bad)), null);
      assert.equal(opener.authenticationFailures, 3);
      assert.equal(opener.sequenceNumber, 0, 'failures do not advance the sequence number');
      assert.deepEqual(opener.tryOpen(asRecord(good))!.payload, filled(20, 1));
      expectTlsError(() => opener.open(asRecord(bad)), 'ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT', AlertDescription.BadRecordMac);
    });

    it('rejects an iv of the wrong length', () => {
      expectTlsError(() => new Tls13RecordSealer(aead, key, new Uint8Array(8)), 'ERR_TLS_CONFIG', null);
      expectTlsError(() => new Tls13RecordOpener(aead, key, new Uint8Array(16)), 'ERR_TLS_CONFIG', null);
    });
  });
}

describe('TLS 1.3 nonce for large sequence numbers', () => {
  it('XORs the high 32 bits of the sequence number too', () => {
    const iv = filled(12, 1);
    const nonce = iv.slice();
    const seq = 0x12345678 * 2 ** 32 / 2 ** 12 + 0x9abcdef; // below 2^53
    writeNonce(nonce, ivWord(iv, 0), ivWord(iv, 1), ivWord(iv, 2), seq);
    const expect = iv.slice();
    const v = new DataView(expect.buffer);
    const big = BigInt(seq);
    v.setBigUint64(4, v.getBigUint64(4) ^ big);
    assert.deepEqual(nonce, expect);
  });

  it('matches iv XOR (0^32 || seq) bit for bit for IVs with high bits set and sequence numbers up to 2^53-1', () => {
    // Words with the top bit set are negative int32s: the byte writes must not care.
    const ivs = [filled(12, 0xff), Uint8Array.from({ length: 12 }, (_, i) => (i * 37 + 0x80) & 0xff), new Uint8Array(12)];
    const seqs = [0, 1, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 32 + 5, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];
    for (const iv of ivs) {
      for (const seq of seqs) {
        const nonce = new Uint8Array(12).fill(0xaa);
        writeNonce(nonce, ivWord(iv, 0), ivWord(iv, 1), ivWord(iv, 2), seq);
        const expect = iv.slice();
        const v = new DataView(expect.buffer);
        v.setBigUint64(4, v.getBigUint64(4) ^ BigInt(seq));
        assert.deepEqual(nonce, expect, `iv ${Buffer.from(iv).toString('hex')}, seq ${seq}`);
      }
    }
    // A 4-byte TLS 1.2 GCM salt: word 0 only, the others read as zero.
    assert.deepEqual([ivWord(Uint8Array.of(1, 2, 3, 4), 0), ivWord(Uint8Array.of(1, 2, 3, 4), 1), ivWord(Uint8Array.of(1, 2, 3, 4), 2)], [0x01020304, 0, 0]);
  });
});
