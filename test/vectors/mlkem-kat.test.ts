/**
 * ML-KEM (FIPS 203) known answers and back-end cross-checks.
 *
 * Known answers: the draft-ietf-hpke-pq vectors BoringSSL vendors
 * (shared/vectors/hpke/boringssl-test-vectors-pq.json). For the pure ML-KEM KEMs
 * (kem_id 0x0041 ML-KEM-768, 0x0042 ML-KEM-1024) the HPKE KEM is ML-KEM itself: `skRm` is the
 * 64-byte seed d || z, `pkRm` the encapsulation key, `ikmE` the 32-byte encapsulation message m,
 * `enc` the ciphertext and `shared_secret` the ML-KEM shared secret. ML-KEM-512 (0x0040) and the
 * hybrid HPKE KEMs (0x0050, 0x0051, 0x647a: a different combiner from TLS's) are not used by TLS
 * and are filtered out. noble takes m, so it checks keygen, encaps and decaps; node:crypto
 * cannot take m, so it checks keygen (raw seed import) and decaps.
 *
 * The node:crypto cases run where this Node has ML-KEM (Node 24.7+): the suite's Node 20 run
 * checks the fallback decision, and test/interop/pq-node24.test.ts runs this file under Node 24.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isTlsError } from '../../src/core/errors.ts';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { nobleMlKem1024, nobleMlKem768, type MlKem, type NobleMlKem } from '../../src/providers/noble/ml-kem.ts';
import { bestMlKem1024, bestMlKem768, nodeMlKem1024, nodeMlKem768 } from '../../src/providers/node/ml-kem.ts';
import { sharedPath } from '../helpers/shared-data.ts';

interface PqVector {
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  skRm: string;
  pkRm: string;
  ikmE: string;
  enc: string;
  shared_secret: string;
}

const all = JSON.parse(readFileSync(sharedPath('vectors', 'hpke', 'boringssl-test-vectors-pq.json'), 'utf8')) as PqVector[];
const vectors = all.filter((v) => v.kem_id === 0x41 || v.kem_id === 0x42);
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const label = (v: PqVector): string => `kem 0x${v.kem_id.toString(16)} kdf ${v.kdf_id} aead ${v.aead_id}`;

const nativeAvailable = typeof (nodeCrypto as unknown as { encapsulate?: unknown }).encapsulate === 'function';

function noble(v: PqVector): NobleMlKem {
  return v.kem_id === 0x41 ? nobleMlKem768 : nobleMlKem1024;
}

function assertBadShare(f: () => unknown, re: RegExp, what: string): void {
  assert.throws(f, (e: unknown) => {
    assert.equal(isTlsError(e), true, `${what}: a TlsError`);
    const t = e as { code: string; alert: number | null; message: string };
    assert.equal(t.code, 'ERR_TLS_PEER_BAD_KEY_SHARE', what);
    assert.equal(t.alert, AlertDescription.IllegalParameter, what);
    assert.match(t.message, re, what);
    return true;
  });
}

/** An encapsulation key whose first coefficient is 0xfff >= q = 3329 (FIPS 203 §7.2 fails). */
function badModulus(ek: Uint8Array): Uint8Array {
  const bad = ek.slice();
  bad[0] = 0xff;
  bad[1] = bad[1]! | 0x0f;
  return bad;
}

test('the vector file holds the ML-KEM-768 and ML-KEM-1024 cases this suite expects', () => {
  assert.equal(vectors.filter((v) => v.kem_id === 0x41).length, 1, 'one ML-KEM-768 vector');
  assert.equal(vectors.filter((v) => v.kem_id === 0x42).length, 2, 'two ML-KEM-1024 vectors');
});

test('noble: keygen from seed, deterministic encapsulation and decapsulation match the vectors', () => {
  for (const v of vectors) {
    const kem = noble(v);
    const kp = kem.fromSeed(hex(v.skRm));
    assert.equal(toHex(kp.encapsulationKey), v.pkRm, `${label(v)} ek`);
    const e = kem.encapsulateDeterministic(hex(v.pkRm), hex(v.ikmE));
    assert.equal(toHex(e.ciphertext), v.enc, `${label(v)} ciphertext`);
    assert.equal(toHex(e.sharedSecret), v.shared_secret, `${label(v)} encaps secret`);
    assert.equal(toHex(kp.decapsulate(hex(v.enc))), v.shared_secret, `${label(v)} decaps secret`);
  }
});

test('noble: implicit rejection gives a different secret for a modified ciphertext, no error', () => {
  const v = vectors[0]!;
  const kp = noble(v).fromSeed(hex(v.skRm));
  const ct = hex(v.enc);
  ct[5]! ^= 1;
  const ss = kp.decapsulate(ct);
  assert.equal(ss.length, 32);
  assert.notEqual(toHex(ss), v.shared_secret);
});

test('back-end choice: node:crypto exactly when this Node has crypto.encapsulate, else noble', () => {
  assert.equal(nodeMlKem768() !== null, nativeAvailable, `node ML-KEM-768 on ${process.version}`);
  assert.equal(nodeMlKem1024() !== null, nativeAvailable, `node ML-KEM-1024 on ${process.version}`);
  assert.equal(bestMlKem768().backend, nativeAvailable ? 'node' : 'noble');
  assert.equal(bestMlKem1024().backend, nativeAvailable ? 'node' : 'noble');
});

test('node:crypto (where available): keygen from seed and decapsulation match the vectors', () => {
  if (!nativeAvailable) {
    assert.equal(nodeMlKem768(), null, 'no native back end to test on this Node: covered under Node 24 by pq-node24.test.ts');
    return;
  }
  for (const v of vectors) {
    const kem = v.kem_id === 0x41 ? nodeMlKem768()! : nodeMlKem1024()!;
    const kp = kem.fromSeed(hex(v.skRm));
    assert.equal(toHex(kp.encapsulationKey), v.pkRm, `${label(v)} ek`);
    assert.equal(toHex(kp.decapsulate(hex(v.enc))), v.shared_secret, `${label(v)} decaps secret`);
  }
});

test('node:crypto (where available) and noble interoperate both ways, both parameter sets', () => {
  const pairs: Array<[MlKem, MlKem]> = [];
  const n768 = nodeMlKem768(), n1024 = nodeMlKem1024();
  if (n768 !== null && n1024 !== null) {
    pairs.push([n768, nobleMlKem768], [nobleMlKem768, n768], [n1024, nobleMlKem1024], [nobleMlKem1024, n1024]);
  } else {
    assert.equal(nativeAvailable, false, 'native back end missing although crypto.encapsulate exists');
  }
  // Without a native back end this still checks noble against itself.
  pairs.push([nobleMlKem768, nobleMlKem768], [nobleMlKem1024, nobleMlKem1024]);
  for (const [keyOwner, encapsulator] of pairs) {
    for (let i = 0; i < 3; i++) {
      const kp = keyOwner.generate();
      assert.equal(kp.encapsulationKey.length, keyOwner.sizes.encapsulationKey);
      const e = encapsulator.encapsulate(kp.encapsulationKey);
      assert.equal(e.ciphertext.length, keyOwner.sizes.ciphertext);
      assert.deepEqual(kp.decapsulate(e.ciphertext), e.sharedSecret, `${keyOwner.name}: ${keyOwner.backend} keys, ${encapsulator.backend} encapsulates`);
    }
  }
});

test('every back end rejects malformed encapsulation keys and ciphertexts with bad_key_share', () => {
  const kems: MlKem[] = [nobleMlKem768, nobleMlKem1024];
  const n768 = nodeMlKem768(), n1024 = nodeMlKem1024();
  if (n768 !== null) kems.push(n768);
  if (n1024 !== null) kems.push(n1024);
  for (const kem of kems) {
    const what = `${kem.name} on ${kem.backend}`;
    const kp = kem.generate();
    const ek = kp.encapsulationKey;
    assertBadShare(() => kem.encapsulate(ek.subarray(1)), /encapsulation key of \d+ bytes, expected/, `${what}: short ek`);
    assertBadShare(() => kem.encapsulate(new Uint8Array(ek.length + 1)), /expected/, `${what}: long ek`);
    assertBadShare(() => kem.encapsulate(new Uint8Array(0)), /expected/, `${what}: empty ek`);
    // FIPS 203 §7.2 modulus check: ByteEncode12(ByteDecode12(ek)) must equal ek.
    assertBadShare(() => kem.encapsulate(badModulus(ek)), /modulus check/, `${what}: coefficient >= q`);
    const ct = kem.encapsulate(ek).ciphertext;
    assertBadShare(() => kp.decapsulate(ct.subarray(1)), /ciphertext of \d+ bytes, expected/, `${what}: short ciphertext`);
    assertBadShare(() => kp.decapsulate(new Uint8Array(ct.length + 1)), /ciphertext/, `${what}: long ciphertext`);
  }
});
