import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { Tls12RecordOpener, Tls12RecordSealer } from '../../src/core/record/tls12-protection.ts';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { RecordDeframer } from '../../src/core/record/deframer.ts';
import { InboundOpaqueRecord } from '../../src/core/record/record.ts';
import { aes128Gcm, aes256Gcm, chacha20Poly1305 } from '../../src/providers/node/aead.ts';
import { TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 } from '../../src/providers/node/suites.ts';
import type { AeadAlgorithm } from '../../src/core/crypto/provider.ts';
import { AlertDescription, ContentType } from '../../src/core/codec/codepoints.ts';
import { TlsError } from '../../src/core/errors.ts';

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 17 + seed) & 0xff;
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

function asRecord(wire: Uint8Array): InboundOpaqueRecord {
  const len = (wire[3]! << 8) | wire[4]!;
  assert.equal(wire.length, 5 + len);
  return new InboundOpaqueRecord(wire[0]!, (wire[1]! << 8) | wire[2]!, new Uint8Array(wire.subarray(5)));
}

function seal(sealer: Tls12RecordSealer, type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(sealer.sealedLength(type, data.length));
  assert.equal(sealer.seal(type, data, 0, data.length, out, 0), out.length);
  return out;
}

function u64(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

/** RFC 5246 §6.2.3.3 / RFC 5288 §3 / RFC 7905 §2, computed with node:crypto directly. */
function reference(cipher: string, explicit: boolean, key: Uint8Array, iv: Uint8Array, seq: number, type: number, data: Uint8Array): Buffer {
  let nonce: Buffer;
  if (explicit) {
    nonce = Buffer.concat([iv, u64(seq)]); // salt || nonce_explicit (= seq)
  } else {
    nonce = Buffer.from(iv);
    const s = u64(seq);
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= s[i]!;
  }
  const aad = Buffer.concat([u64(seq), Buffer.from([type, 3, 3, data.length >> 8, data.length & 0xff])]);
  const c = createCipheriv(cipher as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  const body = Buffer.concat([explicit ? u64(seq) : Buffer.alloc(0), c.update(data), c.final(), c.getAuthTag()]);
  return Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
}

const cases: [AeadAlgorithm, string, 'gcm-explicit' | 'xor'][] = [
  [aes128Gcm, 'aes-128-gcm', 'gcm-explicit'],
  [aes256Gcm, 'aes-256-gcm', 'gcm-explicit'],
  [chacha20Poly1305, 'chacha20-poly1305', 'xor'],
];

for (const [aead, cipher, nonceKind] of cases) {
  const key = filled(aead.keyLength, 3);
  const iv = filled(nonceKind === 'xor' ? 12 : 4, 50);
  const overhead = nonceKind === 'xor' ? 16 : 24;

  describe(`TLS 1.2 record protection, ${aead.name}`, () => {
    it('round-trips records and keeps the outer content type', () => {
      const sealer = new Tls12RecordSealer(aead, nonceKind, key, iv);
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv);
      for (const [type, data] of [[22, filled(16, 1)], [23, new Uint8Array(0)], [23, filled(0x4000, 2)], [21, Uint8Array.of(1, 0)]] as const) {
        const wire = seal(sealer, type, data);
        assert.equal(wire.length, 5 + data.length + overhead);
        assert.equal(wire[0], type);
        const plain = opener.open(asRecord(wire));
        assert.equal(plain.contentType, type);
        assert.deepEqual(plain.payload, data);
      }
      assert.equal(sealer.sequenceNumber, 4);
      assert.equal(opener.sequenceNumber, 4);
    });

    it('matches node:crypto with the RFC nonce and additional data', () => {
      const sealer = new Tls12RecordSealer(aead, nonceKind, key, iv);
      for (let seq = 0; seq < 3; seq++) {
        const data = filled(40 + seq, seq);
        assert.deepEqual(Buffer.from(seal(sealer, 23, data)), reference(cipher, nonceKind !== 'xor', key, iv, seq, 23, data));
      }
      // The opener accepts what the reference produces, including an explicit nonce the peer
      // chose freely (RFC 5288 §3 does not require it to equal the sequence number).
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv);
      const data = filled(10, 9);
      const ref = reference(cipher, nonceKind !== 'xor', key, iv, 0, 22, data);
      assert.deepEqual(opener.open(asRecord(ref)).payload, data);
    });

    it('seals in place through the fragmenter and opens through the deframer', () => {
      const sealer = new Tls12RecordSealer(aead, nonceKind, key, iv);
      const f = new RecordFragmenter(4096);
      const data = filled(10000, 4);
      const wire = f.sealToBytes(sealer, ContentType.ApplicationData, data);
      const d = new RecordDeframer();
      d.write(wire);
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv);
      const got: number[] = [];
      for (let r = d.next(); r !== null; r = d.next()) got.push(...opener.open(r).payload);
      assert.deepEqual(got, [...data]);
    });

    it('rejects tampering, replay and short records with bad_record_mac', () => {
      const sealer = new Tls12RecordSealer(aead, nonceKind, key, iv);
      const wire = seal(sealer, 23, filled(30, 5));
      // Content type (in the AAD), version, explicit nonce or ciphertext, tag.
      for (const pos of [0, 2, 6, wire.length - 1]) {
        const bad = wire.slice();
        bad[pos]! ^= 0x01;
        expectTlsError(() => new Tls12RecordOpener(aead, nonceKind, key, iv).open(asRecord(bad)), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
      }
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv);
      opener.open(asRecord(wire));
      expectTlsError(() => opener.open(asRecord(wire)), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
      expectTlsError(() => opener.open(new InboundOpaqueRecord(23, 0x0303, new Uint8Array(overhead - 1))), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
    });

    it('rejects plaintext over 2^14 and an encrypted ChangeCipherSpec', () => {
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv);
      expectTlsError(() => opener.open(new InboundOpaqueRecord(23, 0x0303, new Uint8Array(0x4000 + overhead + 1))), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
      expectTlsError(() => opener.open(new InboundOpaqueRecord(20, 0x0303, new Uint8Array(40))), 'ERR_TLS_RECORD_UNEXPECTED_CCS', AlertDescription.UnexpectedMessage);
    });

    it('applies lowered AEAD limits', () => {
      const sealer = new Tls12RecordSealer(aead, nonceKind, key, iv, { confidentialityLimit: 4, closeMargin: 1 });
      const due: boolean[] = [];
      for (let i = 0; i < 4; i++) { due.push(sealer.keyUpdateDue()); seal(sealer, 23, filled(1, i)); }
      assert.deepEqual(due, [false, false, false, true]);
      expectTlsError(() => seal(sealer, 23, filled(1, 0)), 'ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', AlertDescription.InternalError);
      const good = seal(new Tls12RecordSealer(aead, nonceKind, key, iv), 23, filled(8, 1));
      const bad = good.slice();
      bad[bad.length - 1]! ^= 1;
      const opener = new Tls12RecordOpener(aead, nonceKind, key, iv, { integrityLimit: 1 });
      expectTlsError(() => opener.open(asRecord(bad)), 'ERR_TLS_RECORD_BAD_MAC', AlertDescription.BadRecordMac);
      expectTlsError(() => opener.open(asRecord(bad)), 'ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT', AlertDescription.BadRecordMac);
    });

    it('rejects an IV of the wrong length', () => {
      expectTlsError(() => new Tls12RecordSealer(aead, nonceKind, key, new Uint8Array(nonceKind === 'xor' ? 4 : 12)), 'ERR_TLS_CONFIG', null);
    });
  });
}

describe('TLS 1.2 protection from a suite', () => {
  it('builds sealer and opener from the provider suites', () => {
    for (const suite of [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]) {
      const key = filled(suite.aead.keyLength, 1);
      const iv = filled(suite.nonce === 'xor' ? 12 : 4, 2);
      const wire = seal(Tls12RecordSealer.forSuite(suite, key, iv), 22, filled(20, 3));
      assert.deepEqual(Tls12RecordOpener.forSuite(suite, key, iv).open(asRecord(wire)).payload, filled(20, 3));
    }
  });
});
