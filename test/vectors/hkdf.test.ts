// RFC 5869 Appendix A, test cases 1-3 (SHA-256), through the node provider's HashAlgorithm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256, sha384 } from '../../src/providers/node/hash.ts';
import { fromHex, toHex } from '../../src/core/util.ts';
import { rfc5869Sha256Cases } from '../helpers/rfc5869.ts';

for (const c of rfc5869Sha256Cases) {
  test(`RFC 5869 ${c.name}`, () => {
    const prk = sha256.hkdfExtract(c.salt, c.ikm);
    assert.equal(toHex(prk), c.prk);
    const okm = sha256.hkdfExpand(prk, c.info, c.length);
    assert.equal(okm.length, c.length);
    assert.equal(toHex(okm), c.okm);
  });
}

test('an empty salt equals HashLen zeros (RFC 5869 §2.2)', () => {
  const ikm = fromHex('0b'.repeat(22));
  assert.deepEqual(sha384.hkdfExtract(new Uint8Array(0), ikm), sha384.hkdfExtract(new Uint8Array(48), ikm));
});

test('HKDF-Expand: lengths 0 and 255*HashLen work, larger is refused', () => {
  const prk = sha256.hkdfExtract(new Uint8Array(0), new Uint8Array(32));
  assert.equal(sha256.hkdfExpand(prk, new Uint8Array(0), 0).length, 0);
  const max = sha256.hkdfExpand(prk, new Uint8Array(0), 255 * 32);
  assert.equal(max.length, 255 * 32);
  // A prefix of a longer output equals the shorter output.
  assert.deepEqual(max.subarray(0, 42), sha256.hkdfExpand(prk, new Uint8Array(0), 42));
  assert.throws(() => sha256.hkdfExpand(prk, new Uint8Array(0), 255 * 32 + 1), { code: 'ERR_TLS_CRYPTO_FAILURE' });
});
