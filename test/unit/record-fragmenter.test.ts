import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { NoOpener, NoSealer } from '../../src/core/record/no-protection.ts';
import { RecordDeframer } from '../../src/core/record/deframer.ts';
import {
  CHANGE_CIPHER_SPEC_RECORD_LENGTH,
  Tls13CompatibilityCcs,
  changeCipherSpecRecord,
  checkTls12ChangeCipherSpec,
  writeChangeCipherSpecRecord,
} from '../../src/core/record/change-cipher-spec.ts';
import { InboundOpaqueRecord } from '../../src/core/record/record.ts';
import { AlertDescription, ContentType } from '../../src/core/codec/codepoints.ts';
import { TlsError } from '../../src/core/errors.ts';

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
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

describe('RecordFragmenter with NoSealer', () => {
  it('splits into records of at most maxFragmentSize with correct headers', () => {
    const data = filled(40000, 1);
    for (const size of [64, 1000, 16384]) {
      const f = new RecordFragmenter(size);
      const sealer = new NoSealer();
      const out = f.sealToBytes(sealer, ContentType.ApplicationData, data);
      assert.equal(out.length, data.length + 5 * f.fragmentCount(data.length));
      let o = 0;
      let p = 0;
      while (o < out.length) {
        assert.equal(out[0 + o], 23);
        assert.equal((out[o + 1]! << 8) | out[o + 2]!, 0x0303);
        const len = (out[o + 3]! << 8) | out[o + 4]!;
        assert.ok(len > 0 && len <= size);
        assert.deepEqual(out.subarray(o + 5, o + 5 + len), data.subarray(p, p + len));
        o += 5 + len;
        p += len;
      }
      assert.equal(p, data.length);
    }
  });

  it('writes at an offset of a shared buffer and round-trips through the deframer', () => {
    const f = new RecordFragmenter(100);
    const sealer = new NoSealer(0x0301);
    const flight = filled(250, 2);
    const n = f.sealedLength(sealer, ContentType.Handshake, flight.length);
    assert.equal(n, 250 + 3 * 5);
    const out = new Uint8Array(7 + n + CHANGE_CIPHER_SPEC_RECORD_LENGTH);
    assert.equal(f.seal(sealer, ContentType.Handshake, flight, 0, flight.length, out, 7), n);
    assert.equal(writeChangeCipherSpecRecord(out, 7 + n), 6);
    const d = new RecordDeframer();
    d.write(out, 7);
    const opener = new NoOpener();
    const got: number[] = [];
    const types: number[] = [];
    for (let r = d.next(); r !== null; r = d.next()) {
      assert.equal(r.legacyVersion, r.contentType === 22 ? 0x0301 : 0x0303);
      const plain = opener.open(r);
      types.push(plain.contentType);
      if (plain.contentType === 22) got.push(...plain.payload);
    }
    assert.deepEqual(types, [22, 22, 22, 20]);
    assert.deepEqual(got, [...flight]);
  });

  it('writes nothing for zero bytes and seals in place', () => {
    const f = new RecordFragmenter();
    const sealer = new NoSealer();
    assert.equal(f.sealedLength(sealer, 23, 0), 0);
    assert.equal(f.seal(sealer, 23, new Uint8Array(0), 0, 0, new Uint8Array(0), 0), 0);
    const buf = new Uint8Array(5 + 3);
    buf.set([9, 8, 7], 5);
    assert.equal(sealer.seal(23, buf, 5, 3, buf, 0), 8);
    assert.deepEqual([...buf], [23, 3, 3, 0, 3, 9, 8, 7]);
  });

  it('validates the fragment size', () => {
    expectTlsError(() => new RecordFragmenter(63), 'ERR_TLS_CONFIG', null);
    expectTlsError(() => new RecordFragmenter(16385), 'ERR_TLS_CONFIG', null);
    const f = new RecordFragmenter();
    f.setMaxFragmentSize(64);
    assert.equal(f.maxFragmentSize, 64);
    expectTlsError(() => f.setMaxFragmentSize(1.5), 'ERR_TLS_CONFIG', null);
  });

  it('NoSealer refuses a buffer too small instead of writing partially', () => {
    expectTlsError(() => new NoSealer().seal(23, filled(10, 1), 0, 10, new Uint8Array(14), 0), 'ERR_TLS_INTERNAL', AlertDescription.InternalError);
    assert.equal(new NoSealer().keyUpdateDue(), false);
  });
});

describe('NoOpener', () => {
  it('rejects plaintext over 2^14 and application data before keys', () => {
    const o = new NoOpener();
    expectTlsError(() => o.open(new InboundOpaqueRecord(22, 0x0303, new Uint8Array(0x4001))), 'ERR_TLS_RECORD_OVERFLOW', AlertDescription.RecordOverflow);
    assert.equal(o.open(new InboundOpaqueRecord(22, 0x0303, new Uint8Array(0x4000))).payload.length, 0x4000);
    expectTlsError(() => o.open(new InboundOpaqueRecord(23, 0x0303, new Uint8Array(5))), 'ERR_TLS_RECORD_BAD_TYPE', AlertDescription.UnexpectedMessage);
  });
});

describe('change_cipher_spec', () => {
  const ccs = (payload: number[]) => new InboundOpaqueRecord(20, 0x0303, Uint8Array.from(payload));

  it('builds the one CCS record', () => {
    assert.deepEqual([...changeCipherSpecRecord()], [20, 3, 3, 0, 1, 1]);
    expectTlsError(() => writeChangeCipherSpecRecord(new Uint8Array(5), 0), 'ERR_TLS_INTERNAL', AlertDescription.InternalError);
  });

  it('drops a 0x01 CCS during the TLS 1.3 handshake, a bounded number of times', () => {
    const filter = new Tls13CompatibilityCcs();
    filter.check(ccs([1]), true);
    filter.check(ccs([1]), true);
    expectTlsError(() => filter.check(ccs([1]), true), 'ERR_TLS_RECORD_UNEXPECTED_CCS', AlertDescription.UnexpectedMessage);
  });

  it('rejects any other CCS value, and any CCS outside the window (RFC 8446 §5)', () => {
    for (const p of [[], [0], [2], [1, 1]]) {
      expectTlsError(() => new Tls13CompatibilityCcs().check(ccs(p), true), 'ERR_TLS_RECORD_UNEXPECTED_CCS', AlertDescription.UnexpectedMessage);
    }
    expectTlsError(() => new Tls13CompatibilityCcs().check(ccs([1]), false), 'ERR_TLS_RECORD_UNEXPECTED_CCS', AlertDescription.UnexpectedMessage);
  });

  it('checks the TLS 1.2 ChangeCipherSpec message', () => {
    checkTls12ChangeCipherSpec(Uint8Array.of(1));
    for (const p of [[], [0], [1, 0]]) {
      expectTlsError(() => checkTls12ChangeCipherSpec(Uint8Array.from(p)), 'ERR_TLS_DECODE_BAD_VALUE', AlertDescription.DecodeError);
    }
  });
});
