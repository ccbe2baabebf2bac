/**
 * The node verifier imports P-256, Ed25519 and rsaEncryption public keys through JWK (OpenSSL's
 * DER decoder costs 100-250 µs per key): the result must verify exactly as the DER import, and
 * every other or unusual encoding must take the DER path, so both accept the same keys. Also
 * the pooled `fillRandom`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, constants } from 'node:crypto';
import { SignatureScheme } from '../../src/core/codec/codepoints.ts';
import { NodeSignatureVerifier } from '../../src/providers/node/index.ts';
import { spkiToJwk } from '../../src/providers/node/signatures.ts';
import { fillRandom } from '../../src/providers/node/random.ts';

const S = SignatureScheme;
const msg = new TextEncoder().encode('signed content');

function spkiOf(k: import('node:crypto').KeyObject): Uint8Array {
  return new Uint8Array(k.export({ type: 'spki', format: 'der' }));
}

const cases = [
  { name: 'P-256', kp: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), scheme: S.EcdsaSecp256r1Sha256, sig: (k: import('node:crypto').KeyObject) => sign('sha256', msg, k), jwk: true },
  { name: 'Ed25519', kp: () => generateKeyPairSync('ed25519'), scheme: S.Ed25519, sig: (k: import('node:crypto').KeyObject) => sign(null, msg, k), jwk: true },
  { name: 'RSA-2048', kp: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), scheme: S.RsaPssRsaeSha256, sig: (k: import('node:crypto').KeyObject) => sign('sha256', msg, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }), jwk: true },
  { name: 'RSA-3072 e=3', kp: () => generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 3 }), scheme: S.RsaPkcs1Sha256, sig: (k: import('node:crypto').KeyObject) => sign('sha256', msg, { key: k, padding: constants.RSA_PKCS1_PADDING }), jwk: true },
  { name: 'P-384 (DER path)', kp: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), scheme: S.EcdsaSecp384r1Sha384, sig: (k: import('node:crypto').KeyObject) => sign('sha384', msg, k), jwk: false },
  { name: 'RSA-PSS key (DER path)', kp: () => generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 } as never) as unknown as { publicKey: import('node:crypto').KeyObject; privateKey: import('node:crypto').KeyObject }, scheme: S.RsaPssPssSha256, sig: (k: import('node:crypto').KeyObject) => sign('sha256', msg, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }), jwk: false },
];

for (const c of cases) {
  test(`SPKI import of ${c.name}: verifies as the DER import does`, () => {
    const kp = c.kp();
    const spki = spkiOf(kp.publicKey);
    const jwk = spkiToJwk(spki);
    assert.equal(jwk !== null, c.jwk);
    if (jwk !== null) {
      // The JWK is the same key: it exports to the same SPKI bytes.
      assert.deepEqual(spkiOf(createPublicKey({ key: jwk, format: 'jwk' })), spki);
    }
    const v = new NodeSignatureVerifier();
    const good = new Uint8Array(c.sig(kp.privateKey));
    assert.equal(v.verify(c.scheme, spki, msg, good), true);
    const bad = good.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    assert.equal(v.verify(c.scheme, spki, msg, bad), false);
    assert.equal(v.verify(c.scheme, spki, new TextEncoder().encode('other content'), good), false);
  });
}

test('unusual encodings are left to the DER decoder', () => {
  const p256 = spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  // Trailing byte, truncated point, compressed-point marker: not the canonical form.
  assert.equal(spkiToJwk(Uint8Array.of(...p256, 0)), null);
  assert.equal(spkiToJwk(p256.subarray(0, p256.length - 1)), null);
  const compressed = p256.slice();
  compressed[26] = 0x02;
  assert.equal(spkiToJwk(compressed), null);
  const rsa = spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
  assert.notEqual(spkiToJwk(rsa), null);
  assert.equal(spkiToJwk(Uint8Array.of(...rsa, 0)), null); // trailing data
  const wrongAlg = rsa.slice();
  wrongAlg[14] = 0x0a; // rsaEncryption -> RSASSA-PSS OID arc
  assert.equal(spkiToJwk(wrongAlg), null);
  const negative = rsa.slice();
  // The modulus INTEGER starts with 0x00 (its top bit is set): drop the pad, a negative integer.
  const nStart = rsa.indexOf(0x02, 24);
  assert.equal(negative[nStart + 4], 0x00);
  assert.equal(spkiToJwk(Uint8Array.of(...negative.subarray(0, nStart + 4), ...negative.subarray(nStart + 5))), null);
  assert.equal(spkiToJwk(new Uint8Array(0)), null);
});

test('a P-256 point off the curve is refused on either path', () => {
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = spkiOf(kp.publicKey);
  spki[spki.length - 1] = spki[spki.length - 1]! ^ 1;
  assert.notEqual(spkiToJwk(spki), null);
  assert.throws(() => createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
  const v = new NodeSignatureVerifier();
  assert.equal(v.verify(S.EcdsaSecp256r1Sha256, spki, msg, new Uint8Array(sign('sha256', msg, kp.privateKey))), false);
});

test('fillRandom: pooled small requests are distinct and every size is filled', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const b = new Uint8Array(32);
    fillRandom(b);
    const hex = Buffer.from(b).toString('hex');
    assert.equal(seen.has(hex), false);
    seen.add(hex);
  }
  for (const n of [0, 1, 63, 64, 65, 1024, 5000]) {
    const b = new Uint8Array(n);
    fillRandom(b);
    if (n >= 16) assert.notDeepEqual(b, new Uint8Array(n));
  }
});
