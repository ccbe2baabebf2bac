// AEAD known answers: RFC 8439 §2.8.2 (ChaCha20-Poly1305) and the GCM specification's test
// cases 2, 4 and 16 (McGrew & Viega, "The Galois/Counter Mode of Operation", Appendix B).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aes128Gcm, aes256Gcm, chacha20Poly1305, withKeyForm } from '../../src/providers/node/aead.ts';
import type { AeadAlgorithm } from '../../src/core/crypto/provider.ts';
import { fromHex, toHex, utf8 } from '../../src/core/util.ts';

const gcmP = fromHex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
const gcmA = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');

const vectors: { name: string; alg: AeadAlgorithm; key: Uint8Array; nonce: Uint8Array; aad: Uint8Array; pt: Uint8Array; ct: string; tag: string }[] = [
  {
    name: 'RFC 8439 §2.8.2 ChaCha20-Poly1305',
    alg: chacha20Poly1305,
    key: Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i),
    nonce: fromHex('070000004041424344454647'),
    aad: fromHex('50515253c0c1c2c3c4c5c6c7'),
    pt: utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
    ct:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116',
    tag: '1ae10b594f09e26a7e902ecbd0600691',
  },
  {
    name: 'GCM test case 2 (AES-128, zero key)',
    alg: aes128Gcm,
    key: new Uint8Array(16),
    nonce: new Uint8Array(12),
    aad: new Uint8Array(0),
    pt: new Uint8Array(16),
    ct: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    name: 'GCM test case 4 (AES-128 with AAD)',
    alg: aes128Gcm,
    key: fromHex('feffe9928665731c6d6a8f9467308308'),
    nonce: fromHex('cafebabefacedbaddecaf888'),
    aad: gcmA,
    pt: gcmP,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'GCM test case 16 (AES-256 with AAD)',
    alg: aes256Gcm,
    key: fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
    nonce: fromHex('cafebabefacedbaddecaf888'),
    aad: gcmA,
    pt: gcmP,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

for (const form of ['raw', 'keyobject'] as const) for (const v0 of vectors) {
  // Both key forms the provider picks between per runtime (aead.ts), on this Node.
  const v = { ...v0, alg: withKeyForm(v0.alg, form), name: `${v0.name} (${form} key)` };
  test(`${v.name}: seal and open`, () => {
    const key = v.alg.importKey(v.key);
    const out = new Uint8Array(v.pt.length + 16 + 3);
    key.seal(v.nonce, v.aad, v.pt, out, 3);
    assert.equal(toHex(out.subarray(3, 3 + v.pt.length)), v.ct);
    assert.equal(toHex(out.subarray(3 + v.pt.length)), v.tag);
    const back = new Uint8Array(v.pt.length);
    assert.equal(key.open(v.nonce, v.aad, out.subarray(3), back, 0), v.pt.length);
    assert.deepEqual(back, v.pt);
  });

  test(`${v.name}: every tampering returns -1`, () => {
    const key = v.alg.importKey(v.key);
    const sealed = fromHex(v.ct + v.tag);
    const scratch = new Uint8Array(sealed.length);
    for (const i of [0, sealed.length >> 1, sealed.length - 17, sealed.length - 16, sealed.length - 1]) {
      if (i < 0) continue;
      const bad = sealed.slice();
      bad[i]! ^= 0x01;
      assert.equal(key.open(v.nonce, v.aad, bad, scratch, 0), -1, `flipped byte ${i}`);
    }
    const badAad = v.aad.length > 0 ? v.aad.slice() : new Uint8Array(1);
    badAad[0]! ^= 0x80;
    assert.equal(key.open(v.nonce, badAad, sealed, scratch, 0), -1, 'changed AAD');
    const badNonce = v.nonce.slice();
    badNonce[11]! ^= 1;
    assert.equal(key.open(badNonce, v.aad, sealed, scratch, 0), -1, 'changed nonce');
    assert.equal(key.open(v.nonce, v.aad, sealed.subarray(0, sealed.length - 1), scratch, 0), -1, 'truncated');
    assert.equal(key.open(v.nonce, v.aad, sealed.subarray(0, 15), scratch, 0), -1, 'shorter than a tag');
    assert.equal(key.open(v.nonce.subarray(0, 8), v.aad, sealed, scratch, 0), -1, 'short nonce');
    assert.equal(key.open(v.nonce, v.aad, sealed, new Uint8Array(2), 0), -1, 'output too small');
  });

  test(`${v.name}: in-place seal and open at an offset`, () => {
    const key = v.alg.importKey(v.key);
    const buf = new Uint8Array(5 + v.pt.length + 16);
    buf.set(v.pt, 5);
    key.seal(v.nonce, v.aad, buf.subarray(5, 5 + v.pt.length), buf, 5);
    assert.equal(toHex(buf.subarray(5)), v.ct + v.tag);
    const n = key.open(v.nonce, v.aad, buf.subarray(5), buf, 5);
    assert.equal(n, v.pt.length);
    assert.deepEqual(buf.subarray(5, 5 + n), v.pt);
  });
}

test('a raw key is a private copy: zeroing the caller\'s array after import changes nothing', () => {
  for (const form of ['raw', 'keyobject'] as const) {
    const alg = withKeyForm(aes128Gcm, form);
    const bytes = fromHex('feffe9928665731c6d6a8f9467308308');
    const key = alg.importKey(bytes);
    bytes.fill(0); // what the key schedule does with derived keys
    const out = new Uint8Array(16 + 16);
    key.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(16), out, 0);
    const ref = new Uint8Array(32);
    aes128Gcm.importKey(fromHex('feffe9928665731c6d6a8f9467308308')).seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(16), ref, 0);
    assert.deepEqual(out, ref, `${form}: sealed under the key as it was at import`);
  }
  assert.throws(() => withKeyForm({ ...aes128Gcm }, 'raw'), { code: 'ERR_TLS_CONFIG' });
});

test('empty plaintext seals to a bare tag and opens to 0 bytes', () => {
  for (const alg of [aes128Gcm, aes256Gcm, chacha20Poly1305]) {
    const key = alg.importKey(new Uint8Array(alg.keyLength).fill(7));
    const out = new Uint8Array(16);
    key.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(0), out, 0);
    assert.equal(key.open(new Uint8Array(12), new Uint8Array(5), out, new Uint8Array(0), 0), 0);
  }
});

test('wrong key lengths and short outputs are refused', () => {
  assert.throws(() => aes128Gcm.importKey(new Uint8Array(32)), { code: 'ERR_TLS_CRYPTO_FAILURE' });
  assert.throws(() => chacha20Poly1305.importKey(new Uint8Array(16)), { code: 'ERR_TLS_CRYPTO_FAILURE' });
  const key = aes128Gcm.importKey(new Uint8Array(16));
  assert.throws(() => key.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(10), new Uint8Array(25), 0), { code: 'ERR_TLS_CRYPTO_FAILURE' });
});

test('usage limits (RFC 8446 §5.5, RFC 9147 §4.5.3)', () => {
  assert.equal(aes128Gcm.confidentialityLimit, 23726566);
  assert.equal(aes256Gcm.confidentialityLimit, 23726566);
  assert.equal(aes128Gcm.integrityLimit, 2 ** 36);
  assert.equal(chacha20Poly1305.confidentialityLimit, Number.MAX_SAFE_INTEGER);
  assert.equal(chacha20Poly1305.integrityLimit, 2 ** 36);
  for (const alg of [aes128Gcm, aes256Gcm, chacha20Poly1305]) {
    assert.equal(alg.nonceLength, 12);
    assert.equal(alg.tagLength, 16);
  }
});
