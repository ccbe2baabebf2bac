/**
 * The noble provider against known answers and against the node provider: RFC 5869 and
 * RFC 8439 / GCM vectors on both providers, AEAD seal with one and open with the other,
 * key exchange node <-> noble for every group, bad shares with the node provider's errors,
 * signatures made by one provider and verified by the other for every scheme, the
 * key-suits-scheme rules, and signing-key loading from every supported encoding.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeCryptoProvider, aes128Gcm as nodeAes128, aes256Gcm as nodeAes256, chacha20Poly1305 as nodeChaCha, sha256 as nodeSha256, sha384 as nodeSha384, sha512 as nodeSha512 } from '../../src/providers/node/index.ts';
import {
  nobleCryptoProvider, createNobleProvider, aes128Gcm, aes256Gcm, chacha20Poly1305, sha256, sha384, sha512, fillRandom, nobleExchangeFromPrivateKey,
} from '../../src/providers/noble/index.ts';
import type { AeadAlgorithm, CryptoProvider, HashAlgorithm, KeyExchangeGroup } from '../../src/core/crypto/provider.ts';
import { NamedGroup, SignatureScheme as S } from '../../src/core/codec/codepoints.ts';
import { fromHex, toHex, utf8 } from '../../src/core/util.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { Tag, oidFromString, tlv } from '../../src/webpki/der.ts';
import { modPow, modInverse, os2ip, i2osp } from '../../src/providers/noble/rsa.ts';

const providers: readonly [string, CryptoProvider][] = [['node', nodeCryptoProvider], ['noble', nobleCryptoProvider]];

function der(k: KeyObject): Uint8Array {
  const b = k.export({ type: 'spki', format: 'der' });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function isCode(code: string, alert: number | null = null) {
  return (e: unknown): boolean => isTlsError(e) && e.code === code && (alert === null || e.alert === alert);
}

// ---------------------------------------------------------------- known answers

// RFC 5869 Appendix A.1-A.3 (the table of test/vectors/hkdf.test.ts).
function range(from: number, to: number): Uint8Array {
  return Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
const hkdfCases = [
  { name: 'A.1', ikm: fromHex('0b'.repeat(22)), salt: fromHex('000102030405060708090a0b0c'), info: fromHex('f0f1f2f3f4f5f6f7f8f9'), length: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865' },
  { name: 'A.2', ikm: range(0x00, 0x4f), salt: range(0x60, 0xaf), info: range(0xb0, 0xff), length: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87' },
  { name: 'A.3', ikm: fromHex('0b'.repeat(22)), salt: new Uint8Array(0), info: new Uint8Array(0), length: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04', okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8' },
];

describe('hashes, HMAC, HKDF', () => {
  for (const [pname, p] of providers) {
    for (const c of hkdfCases) {
      it(`${pname}: RFC 5869 ${c.name}`, () => {
        const prk = p.hashes.sha256.hkdfExtract(c.salt, c.ikm);
        assert.equal(toHex(prk), c.prk);
        assert.equal(toHex(p.hashes.sha256.hkdfExpand(prk, c.info, c.length)), c.okm);
      });
    }
  }

  const pairs: [HashAlgorithm, HashAlgorithm][] = [[nodeSha256, sha256], [nodeSha384, sha384], [nodeSha512, sha512]];
  for (const [n, b] of pairs) {
    it(`${b.name}: digest, HMAC, HKDF and incremental contexts match node`, () => {
      assert.equal(b.outputLength, n.outputLength);
      const data = new Uint8Array(1000);
      fillRandom(data);
      assert.equal(toHex(b.digest(data)), toHex(n.digest(data)));
      assert.equal(toHex(b.digest(new Uint8Array(0))), toHex(n.digest(new Uint8Array(0))));
      for (const keyLen of [0, 16, 200]) {
        const key = data.subarray(0, keyLen);
        assert.equal(toHex(b.hmac(key, data)), toHex(n.hmac(key, data)), `HMAC key ${keyLen}`);
      }
      const prk = b.hkdfExtract(new Uint8Array(0), data);
      assert.equal(toHex(prk), toHex(n.hkdfExtract(new Uint8Array(0), data)));
      for (const len of [0, 1, b.outputLength, b.outputLength + 1, 255 * b.outputLength]) {
        assert.equal(toHex(b.hkdfExpand(prk, data.subarray(0, 9), len)), toHex(n.hkdfExpand(prk, data.subarray(0, 9), len)), `HKDF-Expand ${len}`);
      }
      assert.throws(() => b.hkdfExpand(prk, data, 255 * b.outputLength + 1), isCode('ERR_TLS_CRYPTO_FAILURE'));
      assert.throws(() => b.hkdfExpand(prk, data, -1), isCode('ERR_TLS_CRYPTO_FAILURE'));
      // Transcript use: current() does not end the context; fork() is independent.
      const ctx = b.start();
      ctx.update(data.subarray(0, 300));
      const snap = ctx.current();
      assert.equal(toHex(snap), toHex(n.digest(data.subarray(0, 300))));
      const fork = ctx.fork();
      ctx.update(data.subarray(300));
      fork.update(utf8('other'));
      assert.equal(toHex(ctx.current()), toHex(n.digest(data)));
      assert.equal(toHex(ctx.current()), toHex(n.digest(data)), 'current() twice gives the same');
      const expectFork = new Uint8Array(305);
      expectFork.set(data.subarray(0, 300));
      expectFork.set(utf8('other'), 300);
      assert.equal(toHex(fork.current()), toHex(n.digest(expectFork)));
    });
  }
});

// ---------------------------------------------------------------- AEAD

// RFC 8439 §2.8.2 and GCM test cases 2, 4, 16 (the table of test/vectors/aead.test.ts).
const gcmP = fromHex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
const gcmA = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const aeadVectors = [
  { name: 'RFC 8439 §2.8.2', alg: 'CHACHA20-POLY1305', key: Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i), nonce: fromHex('070000004041424344454647'), aad: fromHex('50515253c0c1c2c3c4c5c6c7'),
    pt: utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
    ct: 'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
    tag: '1ae10b594f09e26a7e902ecbd0600691' },
  { name: 'GCM case 2', alg: 'AES-128-GCM', key: new Uint8Array(16), nonce: new Uint8Array(12), aad: new Uint8Array(0), pt: new Uint8Array(16), ct: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { name: 'GCM case 4', alg: 'AES-128-GCM', key: fromHex('feffe9928665731c6d6a8f9467308308'), nonce: fromHex('cafebabefacedbaddecaf888'), aad: gcmA, pt: gcmP,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091', tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  { name: 'GCM case 16', alg: 'AES-256-GCM', key: fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'), nonce: fromHex('cafebabefacedbaddecaf888'), aad: gcmA, pt: gcmP,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662', tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
] as const;

const aeadPairs: [AeadAlgorithm, AeadAlgorithm][] = [[nodeAes128, aes128Gcm], [nodeAes256, aes256Gcm], [nodeChaCha, chacha20Poly1305]];
const byName = (name: string, which: 0 | 1): AeadAlgorithm => aeadPairs.find((p) => p[1].name === name)![which];

describe('AEAD', () => {
  for (const v of aeadVectors) {
    for (const [pname, which] of [['node', 0], ['noble', 1]] as const) {
      it(`${pname}: ${v.name} seals to the known answer and opens it`, () => {
        const key = byName(v.alg, which).importKey(v.key);
        const out = new Uint8Array(v.pt.length + 16 + 3);
        key.seal(v.nonce, v.aad, v.pt, out, 3);
        assert.equal(toHex(out.subarray(3)), v.ct + v.tag);
        const back = new Uint8Array(v.pt.length);
        assert.equal(key.open(v.nonce, v.aad, out.subarray(3), back, 0), v.pt.length);
        assert.deepEqual(back, v.pt);
      });
    }
  }

  for (const [n, b] of aeadPairs) {
    it(`${b.name}: the same limits and lengths as node`, () => {
      assert.equal(b.keyLength, n.keyLength);
      assert.equal(b.nonceLength, 12);
      assert.equal(b.tagLength, 16);
      assert.equal(b.confidentialityLimit, n.confidentialityLimit);
      assert.equal(b.integrityLimit, n.integrityLimit);
    });

    it(`${b.name}: sealed by one provider, opened by the other, in place and at offsets`, () => {
      const k = new Uint8Array(b.keyLength);
      fillRandom(k);
      const kn = n.importKey(k), kb = b.importKey(k);
      for (const len of [0, 1, 15, 16, 17, 1000, 16384 + 1]) {
        const nonce = new Uint8Array(12), aad = new Uint8Array(13), pt = new Uint8Array(len);
        fillRandom(nonce);
        fillRandom(aad);
        fillRandom(pt);
        const a = new Uint8Array(len + 16), c = new Uint8Array(len + 16);
        kn.seal(nonce, aad, pt, a, 0);
        kb.seal(nonce, aad, pt, c, 0);
        assert.equal(toHex(c), toHex(a), `noble and node seal ${len} bytes identically`);
        const back = new Uint8Array(len);
        assert.equal(kb.open(nonce, aad, a, back, 0), len);
        assert.deepEqual(back, pt);
        // In place at an offset (the record layer's usage): seal then open within one buffer.
        const buf = new Uint8Array(5 + len + 16);
        buf.set(pt, 5);
        kb.seal(nonce, aad, buf.subarray(5, 5 + len), buf, 5);
        assert.equal(toHex(buf.subarray(5)), toHex(a), 'in-place seal');
        assert.equal(kn.open(nonce, aad, buf.subarray(5), new Uint8Array(len), 0), len, 'node opens the noble in-place seal');
        assert.equal(kb.open(nonce, aad, buf.subarray(5), buf, 5), len, 'in-place open');
        assert.deepEqual(buf.subarray(5, 5 + len), pt);
        if (kb.openToNew !== undefined) {
          const fresh = kb.openToNew(nonce, aad, a);
          assert.ok(fresh !== null, 'openToNew accepts a good record');
          assert.deepEqual(fresh, pt);
        }
      }
    });

    it(`${b.name}: tampering, short input, short nonce and small output give -1; bad keys and outputs throw`, () => {
      const kb = b.importKey(new Uint8Array(b.keyLength).fill(9));
      const nonce = new Uint8Array(12), aad = utf8('aad'), pt = utf8('attack at dawn, bring snacks');
      const sealed = new Uint8Array(pt.length + 16);
      kb.seal(nonce, aad, pt, sealed, 0);
      const scratch = new Uint8Array(sealed.length);
      for (const i of [0, 7, sealed.length - 16, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[i]! ^= 1;
        assert.equal(kb.open(nonce, aad, bad, scratch, 0), -1, `flipped byte ${i}`);
        if (kb.openToNew !== undefined) assert.equal(kb.openToNew(nonce, aad, bad), null, `openToNew, flipped byte ${i}`);
      }
      assert.equal(kb.open(nonce, utf8('aaD'), sealed, scratch, 0), -1, 'changed AAD');
      assert.equal(kb.open(nonce, aad, sealed.subarray(0, 15), scratch, 0), -1, 'shorter than a tag');
      assert.equal(kb.open(nonce.subarray(0, 8), aad, sealed, scratch, 0), -1, 'short nonce');
      assert.equal(kb.open(nonce, aad, sealed, new Uint8Array(2), 0), -1, 'output too small');
      assert.throws(() => b.importKey(new Uint8Array(b.keyLength + 1)), isCode('ERR_TLS_CRYPTO_FAILURE'));
      assert.throws(() => kb.seal(nonce, aad, pt, new Uint8Array(pt.length + 15), 0), isCode('ERR_TLS_CRYPTO_FAILURE'));
      assert.throws(() => kb.seal(nonce.subarray(1), aad, pt, new Uint8Array(pt.length + 16), 0), isCode('ERR_TLS_CRYPTO_FAILURE'));
    });
  }

  it('importKey copies the key: wiping the caller buffer does not change the sealed output', () => {
    const k = new Uint8Array(32).fill(3);
    const key = chacha20Poly1305.importKey(k);
    const ref = chacha20Poly1305.importKey(k.slice());
    k.fill(0);
    const a = new Uint8Array(20), c = new Uint8Array(20);
    key.seal(new Uint8Array(12), new Uint8Array(0), utf8('abcd'), a, 0);
    ref.seal(new Uint8Array(12), new Uint8Array(0), utf8('abcd'), c, 0);
    assert.deepEqual(a, c);
  });
});

// ---------------------------------------------------------------- key exchange

function group(p: CryptoProvider, name: string): KeyExchangeGroup {
  const g = p.keyExchangeGroups.find((x) => x.name === name) ?? p.allKeyExchangeGroups?.find((x) => x.name === name);
  assert.ok(g !== undefined, `${p.name} has ${name}`);
  return g;
}

describe('key exchange', () => {
  for (const name of ['x25519', 'secp256r1', 'secp384r1']) {
    it(`${name}: node <-> noble agree in both directions and both roles`, () => {
      for (const [a, b] of [[nodeCryptoProvider, nobleCryptoProvider], [nobleCryptoProvider, nodeCryptoProvider], [nobleCryptoProvider, nobleCryptoProvider]] as const) {
        const client = group(a, name).start();
        const server = group(b, name).startAndComplete(client.publicShare);
        assert.equal(server.publicShare.length, client.publicShare.length);
        assert.equal(toHex(client.complete(server.publicShare)), toHex(server.sharedSecret), `${a.name} client, ${b.name} server`);
        const c2 = group(b, name).start();
        assert.equal(toHex(c2.complete(client.publicShare)), toHex(client.complete(c2.publicShare)), 'start/complete both sides');
      }
    });
  }

  it('fixed private keys give the node provider\'s shares (RFC 7748 §6.1 Alice, P-256 scalar 1)', () => {
    const alice = nobleExchangeFromPrivateKey(NamedGroup.X25519, fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    assert.equal(toHex(alice.publicShare), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPublic = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    assert.equal(toHex(alice.complete(bobPublic)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    const one = new Uint8Array(32);
    one[31] = 1;
    const g = nobleExchangeFromPrivateKey(NamedGroup.Secp256r1, one);
    assert.equal(toHex(g.publicShare), '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
    assert.throws(() => nobleExchangeFromPrivateKey(NamedGroup.X448, one), isCode('ERR_TLS_CRYPTO_UNSUPPORTED'));
  });

  // Each bad share must fail with ERR_TLS_PEER_BAD_KEY_SHARE / illegal_parameter (47) on both
  // providers, in start/complete and in startAndComplete.
  const p256Point = (() => group(nodeCryptoProvider, 'secp256r1').start().publicShare)();
  const notOnCurve = p256Point.slice();
  notOnCurve[64]! ^= 1;
  const compressedForm = p256Point.slice();
  compressedForm[0] = 0x02;
  const compressed = p256Point.slice(0, 33);
  compressed[0] = 0x02 | (p256Point[64]! & 1);
  const x25519Order8 = fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'); // small order (RFC 7748 §7 lists)
  const badShares: [string, string, Uint8Array][] = [
    ['x25519', 'empty', new Uint8Array(0)],
    ['x25519', '31 bytes', new Uint8Array(31).fill(9)],
    ['x25519', '33 bytes', new Uint8Array(33).fill(9)],
    ['x25519', 'all-zero point (shared secret all zeros)', new Uint8Array(32)],
    ['x25519', 'the point 1 (order 1)', Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))],
    ['x25519', 'a point of order 8', x25519Order8],
    ['secp256r1', 'wrong length', p256Point.subarray(0, 64)],
    ['secp256r1', 'compressed (33 bytes)', compressed],
    ['secp256r1', 'compressed form byte on a full-length share', compressedForm],
    ['secp256r1', 'not on the curve', notOnCurve],
    ['secp256r1', 'all zeros', new Uint8Array(65).fill(0)],
    ['secp256r1', 'x and y zero with 0x04', Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 0))],
    ['secp384r1', 'a P-256 point', p256Point],
    ['secp384r1', 'coordinates 0xff', Uint8Array.from({ length: 97 }, (_, i) => (i === 0 ? 4 : 0xff))],
  ];
  for (const [name, what, share] of badShares) {
    it(`${name}: ${what} is ERR_TLS_PEER_BAD_KEY_SHARE on both providers`, () => {
      for (const [pname, p] of providers) {
        const g = group(p, name);
        assert.throws(() => g.start().complete(share), isCode('ERR_TLS_PEER_BAD_KEY_SHARE', 47), `${pname} complete`);
        assert.throws(() => g.startAndComplete(share), isCode('ERR_TLS_PEER_BAD_KEY_SHARE', 47), `${pname} startAndComplete`);
      }
    });
  }
});

// ---------------------------------------------------------------- signatures

interface KeyCase {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly spki: Uint8Array;
  readonly schemes: readonly number[];
}

function keyCase(name: string, kp: { privateKey: KeyObject; publicKey: KeyObject }, schemes: readonly number[]): KeyCase {
  return { name, privateKey: kp.privateKey, spki: der(kp.publicKey), schemes };
}

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaOdd = generateKeyPairSync('rsa', { modulusLength: 2049 }); // emLen = k - 1 in PSS (RFC 8017 §9.1)
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
// @types/node 20 types saltLength as a string; node wants a number.
const rsaPssSha256 = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 as unknown as string });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed25519 = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');

const keyCases: KeyCase[] = [
  keyCase('rsa2048', rsa2048, [S.RsaPkcs1Sha256, S.RsaPkcs1Sha384, S.RsaPkcs1Sha512, S.RsaPssRsaeSha256, S.RsaPssRsaeSha384, S.RsaPssRsaeSha512]),
  keyCase('rsa2049', rsaOdd, [S.RsaPkcs1Sha256, S.RsaPssRsaeSha256, S.RsaPssRsaeSha512]),
  keyCase('rsa-pss (unrestricted)', rsaPss, [S.RsaPssPssSha256, S.RsaPssPssSha384, S.RsaPssPssSha512]),
  keyCase('rsa-pss (SHA-256 only)', rsaPssSha256, [S.RsaPssPssSha256]),
  keyCase('P-256', p256, [S.EcdsaSecp256r1Sha256]),
  keyCase('P-384', p384, [S.EcdsaSecp384r1Sha384]),
  keyCase('P-521', p521, [S.EcdsaSecp521r1Sha512]),
  keyCase('Ed25519', ed25519, [S.Ed25519]),
  keyCase('Ed448', ed448, [S.Ed448]),
];

const nodeVerifier = nodeCryptoProvider.signatures;
const nobleVerifier = nobleCryptoProvider.signatures;

/** A node signature for a scheme (the reference implementation). */
function signWithNode(k: KeyCase, scheme: number, message: Uint8Array): Uint8Array {
  const hash = [S.RsaPkcs1Sha256, S.RsaPssRsaeSha256, S.RsaPssPssSha256, S.EcdsaSecp256r1Sha256].includes(scheme as 0x0401) ? 'sha256'
    : [S.RsaPkcs1Sha384, S.RsaPssRsaeSha384, S.RsaPssPssSha384, S.EcdsaSecp384r1Sha384].includes(scheme as 0x0501) ? 'sha384'
      : scheme === S.Ed25519 || scheme === S.Ed448 ? null : 'sha512';
  const pss = scheme >= 0x0804 && scheme <= 0x080b && scheme !== S.Ed25519 && scheme !== S.Ed448;
  const pkcs1 = scheme === S.RsaPkcs1Sha256 || scheme === S.RsaPkcs1Sha384 || scheme === S.RsaPkcs1Sha512;
  const saltLength = hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : 64;
  const b = pss ? nodeSign(hash, message, { key: k.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength })
    : pkcs1 ? nodeSign(hash, message, { key: k.privateKey, padding: 1 /* RSA_PKCS1_PADDING */ })
      : nodeSign(hash, message, k.privateKey);
  return new Uint8Array(b);
}

describe('signature verification', () => {
  it('verifies the same schemes as the node provider, in the same order', () => {
    assert.deepEqual([...nobleVerifier.supportedSchemes], [...nodeVerifier.supportedSchemes]);
  });

  for (const k of keyCases) {
    it(`${k.name}: node signatures verify with noble for exactly the schemes node accepts`, () => {
      const message = utf8(`TLS 1.3, server CertificateVerify ${k.name}`);
      for (const scheme of k.schemes) {
        const sig = signWithNode(k, scheme, message);
        assert.equal(nodeVerifier.verify(scheme, k.spki, message, sig), true, `node accepts its own 0x${scheme.toString(16)}`);
        assert.equal(nobleVerifier.verify(scheme, k.spki, message, sig), true, `noble accepts 0x${scheme.toString(16)}`);
        const other = message.slice();
        other[0]! ^= 1;
        assert.equal(nobleVerifier.verify(scheme, k.spki, other, sig), false, 'changed message');
        const badSig = sig.slice();
        badSig[badSig.length >> 1]! ^= 0x10;
        assert.equal(nobleVerifier.verify(scheme, k.spki, message, badSig), false, 'changed signature');
        assert.equal(nobleVerifier.verify(scheme, k.spki, message, sig.subarray(0, sig.length - 1)), false, 'truncated signature');
      }
      // Every scheme the key does not suit: noble and node agree (both refuse).
      for (const scheme of nodeVerifier.supportedSchemes) {
        if (k.schemes.includes(scheme)) continue;
        const sig = signWithNode(k, k.schemes[0]!, message);
        assert.equal(nobleVerifier.verify(scheme, k.spki, message, sig), nodeVerifier.verify(scheme, k.spki, message, sig), `scheme 0x${scheme.toString(16)} agrees with node`);
        assert.equal(nobleVerifier.verify(scheme, k.spki, message, sig), false, `scheme 0x${scheme.toString(16)} refused`);
      }
    });
  }

  it('ECDSA: high-S signatures are accepted like OpenSSL; verifyEcdsaWithHash covers RFC 5758 mixes', () => {
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const message = utf8('high S');
    const k = keyCases.find((x) => x.name === 'P-256')!;
    const sig = signWithNode(k, S.EcdsaSecp256r1Sha256, message);
    // Re-encode (r, n - s): still a valid ECDSA signature (SEC 1 §4.1.4 does not bound s).
    const body = sig.subarray(2);
    const rLen = body[1]!;
    const r = body.subarray(2, 2 + rLen);
    const s = os2ip(body.subarray(4 + rLen));
    const s2 = n - s;
    let s2Bytes = i2osp(s2, 32)!;
    while (s2Bytes.length > 1 && s2Bytes[0] === 0 && (s2Bytes[1]! & 0x80) === 0) s2Bytes = s2Bytes.subarray(1);
    if ((s2Bytes[0]! & 0x80) !== 0) s2Bytes = Uint8Array.of(0, ...s2Bytes);
    const flipped = tlv(Tag.Sequence, tlv(Tag.Integer, r), tlv(Tag.Integer, s2Bytes));
    assert.equal(nodeVerifier.verify(S.EcdsaSecp256r1Sha256, k.spki, message, flipped), true, 'node accepts the twin');
    assert.equal(nobleVerifier.verify(S.EcdsaSecp256r1Sha256, k.spki, message, flipped), true, 'noble accepts the twin');

    const sha384Sig = new Uint8Array(nodeSign('sha384', message, p256.privateKey));
    assert.equal(nobleVerifier.verifyEcdsaWithHash!('sha384', k.spki, message, sha384Sig), true, 'P-256 with SHA-384');
    assert.equal(nobleVerifier.verifyEcdsaWithHash!('sha256', k.spki, message, sha384Sig), false, 'wrong hash');
    const p384Spki = der(p384.publicKey);
    const sha256Sig = new Uint8Array(nodeSign('sha256', message, p384.privateKey));
    assert.equal(nobleVerifier.verifyEcdsaWithHash!('sha256', p384Spki, message, sha256Sig), true, 'P-384 with SHA-256');
    assert.equal(nobleVerifier.verifyEcdsaWithHash!('sha256', der(ed25519.publicKey), message, sha256Sig), false, 'not an EC key');
  });

  it('RSA moduli outside 2048..8192 bits and odd-e rules are refused before any math', () => {
    const message = utf8('size');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const sig = new Uint8Array(nodeSign('sha256', message, { key: small.privateKey, padding: 1 }));
    assert.equal(nobleVerifier.verify(S.RsaPkcs1Sha256, der(small.publicKey), message, sig), false, '1024-bit key');
    assert.equal(nodeVerifier.verify(S.RsaPkcs1Sha256, der(small.publicKey), message, sig), false, 'node agrees');
    // A made-up 8200-bit modulus (no factors needed to test the size gate).
    const big = new Uint8Array(1026).fill(0xc3);
    big[0] = 0x00;
    big[1] = 0x80;
    const spkiOf = (modulus: Uint8Array, e: readonly number[]): Uint8Array => tlv(Tag.Sequence,
      tlv(Tag.Sequence, tlv(Tag.Oid, oidFromString('1.2.840.113549.1.1.1')), tlv(Tag.Null)),
      tlv(Tag.BitString, [0], tlv(Tag.Sequence, tlv(Tag.Integer, modulus), tlv(Tag.Integer, e))));
    assert.equal(nobleVerifier.verify(S.RsaPkcs1Sha256, spkiOf(big, [1, 0, 1]), message, new Uint8Array(1025)), false, '8200-bit modulus');
    // The real 2048-bit modulus with e = 1 and an even e.
    // RSAPublicKey DER: 30 82 01 0a 02 82 01 01 <257-byte modulus with a leading 00> 02 03 <e>.
    const modulus = new Uint8Array(rsa2048.publicKey.export({ type: 'pkcs1', format: 'der' })).subarray(8, 8 + 257);
    const good = spkiOf(modulus, [1, 0, 1]);
    const goodSig = signWithNode(keyCases[0]!, S.RsaPkcs1Sha256, message);
    assert.equal(nobleVerifier.verify(S.RsaPkcs1Sha256, good, message, goodSig), true, 'hand-built SPKI of the real key verifies');
    assert.equal(nobleVerifier.verify(S.RsaPkcs1Sha256, spkiOf(modulus, [1]), message, goodSig), false, 'e = 1');
    assert.equal(nobleVerifier.verify(S.RsaPkcs1Sha256, spkiOf(modulus, [2]), message, goodSig), false, 'even e');
  });

  it('rsa_pss_pss: RSASSA-PSS-params restrict the hash, the MGF1 hash and the salt (RFC 4055 §3.1)', () => {
    // The rsa2048 modulus wrapped as id-RSASSA-PSS keys, so node can make the signatures.
    const rsaPublicKey = new Uint8Array(rsa2048.publicKey.export({ type: 'pkcs1', format: 'der' }));
    const oid = (o: string): Uint8Array => tlv(Tag.Oid, oidFromString(o));
    const hashAlg = (o: string): Uint8Array => tlv(Tag.Sequence, oid(o));
    const SHA256 = '2.16.840.1.101.3.4.2.1', SHA384 = '2.16.840.1.101.3.4.2.2';
    const params = (hash: string, mgfHash: string, salt: number): Uint8Array => tlv(Tag.Sequence,
      tlv(0xa0, hashAlg(hash)),
      tlv(0xa1, tlv(Tag.Sequence, oid('1.2.840.113549.1.1.8'), hashAlg(mgfHash))),
      tlv(0xa2, tlv(Tag.Integer, [salt])));
    const pssSpki = (p: Uint8Array | null): Uint8Array => tlv(Tag.Sequence,
      p === null ? tlv(Tag.Sequence, oid('1.2.840.113549.1.1.10')) : tlv(Tag.Sequence, oid('1.2.840.113549.1.1.10'), p),
      tlv(Tag.BitString, [0], rsaPublicKey));
    const m = utf8('pss params');
    const sig256 = signWithNode(keyCases[0]!, S.RsaPssRsaeSha256, m);
    const sig384 = signWithNode(keyCases[0]!, S.RsaPssRsaeSha384, m);
    const table: [string, Uint8Array, number, Uint8Array, boolean][] = [
      ['no params, SHA-256', pssSpki(null), S.RsaPssPssSha256, sig256, true],
      ['no params, SHA-384', pssSpki(null), S.RsaPssPssSha384, sig384, true],
      ['SHA-256 params, SHA-256', pssSpki(params(SHA256, SHA256, 32)), S.RsaPssPssSha256, sig256, true],
      ['SHA-256 params, SHA-384 scheme', pssSpki(params(SHA256, SHA256, 32)), S.RsaPssPssSha384, sig384, false],
      ['MGF1-SHA-384 with SHA-256', pssSpki(params(SHA256, SHA384, 32)), S.RsaPssPssSha256, sig256, false],
      ['minimum salt 33 > 32', pssSpki(params(SHA256, SHA256, 33)), S.RsaPssPssSha256, sig256, false],
      ['minimum salt 20 <= 32', pssSpki(params(SHA256, SHA256, 20)), S.RsaPssPssSha256, sig256, true],
    ];
    for (const [what, spki, scheme, sig, expected] of table) {
      assert.equal(nobleVerifier.verify(scheme, spki, m, sig), expected, `noble: ${what}`);
      assert.equal(nodeVerifier.verify(scheme, spki, m, sig), expected, `node agrees: ${what}`);
    }
    assert.equal(nobleVerifier.verify(S.RsaPssRsaeSha256, pssSpki(null), m, sig256), false, 'rsae scheme with a PSS key');
  });

  it('never throws on garbage keys and signatures', () => {
    const rnd = new Uint8Array(300);
    for (let i = 0; i < 200; i++) {
      fillRandom(rnd);
      const len = rnd[0]! + 1;
      const spki = i % 2 === 0 ? rnd.subarray(1, len) : keyCases[i % keyCases.length]!.spki;
      for (const scheme of nobleVerifier.supportedSchemes) {
        assert.equal(nobleVerifier.verify(scheme, spki, rnd.subarray(0, 10), rnd.subarray(len % 200)), false, `random input ${i} scheme ${scheme}`);
      }
      assert.equal(nobleVerifier.verifyEcdsaWithHash!('sha256', spki, rnd, rnd.subarray(5)), false, 'random ECDSA');
    }
    assert.equal(nobleVerifier.verify(0x0999, keyCases[4]!.spki, rnd, rnd), false, 'unknown scheme');
  });

  it('createNobleProvider restricts schemes; a restricted verifier refuses the others', () => {
    const p = createNobleProvider({ signatureSchemes: [S.Ed25519] });
    assert.deepEqual([...p.signatures.supportedSchemes], [S.Ed25519]);
    const k = keyCases.find((x) => x.name === 'P-256')!;
    const m = utf8('x');
    assert.equal(p.signatures.verify(S.EcdsaSecp256r1Sha256, k.spki, m, signWithNode(k, S.EcdsaSecp256r1Sha256, m)), false);
  });
});

// ---------------------------------------------------------------- RSA arithmetic

test('RSA helpers: modPow, modInverse, I2OSP/OS2IP', () => {
  assert.equal(modPow(4n, 13n, 497n), 445n);
  assert.equal(modPow(7n, 0n, 13n), 1n);
  assert.equal(modPow(-2n, 3n, 7n), 6n);
  assert.equal(modInverse(3n, 11n), 4n);
  assert.equal(modInverse(6n, 9n), null);
  assert.equal(toHex(i2osp(0x0102n, 4)!), '00000102');
  assert.equal(i2osp(0x010203n, 2), null);
  assert.equal(os2ip(fromHex('00ff10')), 0xff10n);
});

// ---------------------------------------------------------------- signing keys

function pemOf(k: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): string {
  return k.export({ type, format: 'pem' }) as string;
}

describe('signing keys', () => {
  const cases: [string, string, KeyObject, readonly ('pkcs8' | 'pkcs1' | 'sec1')[]][] = [
    ['rsa2048', 'rsa', rsa2048.privateKey, ['pkcs8', 'pkcs1']],
    ['rsa2049', 'rsa', rsaOdd.privateKey, ['pkcs8']],
    ['P-256', 'ecdsa-p256', p256.privateKey, ['pkcs8', 'sec1']],
    ['P-384', 'ecdsa-p384', p384.privateKey, ['pkcs8', 'sec1']],
    ['P-521', 'ecdsa-p521', p521.privateKey, ['pkcs8', 'sec1']],
    ['Ed25519', 'ed25519', ed25519.privateKey, ['pkcs8']],
  ];
  for (const [name, keyType, priv, formats] of cases) {
    it(`${name}: loads from ${formats.join(', ')} PEM and DER PKCS#8 like node; signatures verify on both providers`, () => {
      const pkcs8Der = new Uint8Array(priv.export({ type: 'pkcs8', format: 'der' }));
      const nodeKey = nodeCryptoProvider.loadSigningKey(pemOf(priv, 'pkcs8'));
      const inputs: (string | Uint8Array)[] = [...formats.map((f) => pemOf(priv, f)), pkcs8Der, utf8(pemOf(priv, 'pkcs8'))];
      for (const input of inputs) {
        const k = nobleCryptoProvider.loadSigningKey(input);
        assert.equal(k.keyType, keyType);
        assert.deepEqual([...k.schemes], [...nodeKey.schemes]);
        assert.deepEqual([...(k.tls12Schemes ?? [])], [...(nodeKey.tls12Schemes ?? [])]);
        assert.equal(toHex(k.publicKeySpki()), toHex(nodeKey.publicKeySpki()), 'SPKI byte-identical to node');
        assert.equal(k.chooseScheme([0x0999, ...[...k.schemes].reverse()]), k.schemes[0]);
        assert.equal(k.chooseScheme([0x0999]), null);
      }
      const k = nobleCryptoProvider.loadSigningKey(inputs[0]!);
      const message = utf8(`sign me ${name}`);
      // RSA signing is slow in BigInt: one scheme per padding for the 2049-bit key.
      const schemes = name === 'rsa2049' ? [S.RsaPssRsaeSha256, S.RsaPkcs1Sha512] : k.tls12Schemes ?? k.schemes;
      for (const scheme of schemes) {
        const sig = k.sign(scheme, message);
        assert.ok(sig instanceof Uint8Array, 'sign is synchronous');
        assert.equal(nodeVerifier.verify(scheme, k.publicKeySpki(), message, sig), true, `node verifies noble 0x${scheme.toString(16)}`);
        assert.equal(nobleVerifier.verify(scheme, k.publicKeySpki(), message, sig), true, `noble verifies noble 0x${scheme.toString(16)}`);
      }
      assert.throws(() => k.sign(0x0999, message), isCode('ERR_TLS_CRYPTO_UNSUPPORTED'));
      if (keyType === 'rsa') assert.throws(() => k.sign(S.RsaPssPssSha256, message), isCode('ERR_TLS_CRYPTO_UNSUPPORTED'), 'rsa_pss_pss needs a PSS key');
    });
  }

  it('RSA-PSS signatures carry a random salt (two signatures differ, both verify)', () => {
    const k = nobleCryptoProvider.loadSigningKey(pemOf(rsa2048.privateKey, 'pkcs1'));
    const m = utf8('salt');
    const a = k.sign(S.RsaPssRsaeSha256, m) as Uint8Array, b = k.sign(S.RsaPssRsaeSha256, m) as Uint8Array;
    assert.notEqual(toHex(a), toHex(b));
    assert.equal(nodeVerifier.verify(S.RsaPssRsaeSha256, k.publicKeySpki(), m, b), true);
  });

  it('an EC PARAMETERS block before the key and certificates around it are skipped', () => {
    const pem = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + pemOf(p256.privateKey, 'sec1');
    assert.equal(nobleCryptoProvider.loadSigningKey(pem).keyType, 'ecdsa-p256');
  });

  const refusals: [string, () => string | Uint8Array, RegExp][] = [
    ['encrypted PKCS#8', () => rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' }) as string, /encrypted/],
    ['legacy encrypted PKCS#1', () => rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' }) as string, /encrypted/],
    ['a 1024-bit RSA key', () => pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'pkcs8'), /1024 bits, at least 2048/],
    ['a secp256k1 key', () => pemOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'pkcs8'), /curve '1\.3\.132\.0\.10'/],
    ['an Ed448 key', () => pemOf(ed448.privateKey, 'pkcs8'), /Ed448/],
    ['an RSA-PSS key', () => pemOf(rsaPss.privateKey, 'pkcs8'), /RSASSA-PSS/],
    ['no PEM at all', () => 'hello', /no PEM block/],
    ['a certificate only', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /'CERTIFICATE' is not a private key/],
    ['bad base64', () => '-----BEGIN PRIVATE KEY-----\nAA*A\n-----END PRIVATE KEY-----\n', /bad base64/],
    ['truncated DER', () => new Uint8Array(priv8().subarray(0, 40)), /not a PKCS#8/],
    ['PKCS#8 with trailing garbage', () => Uint8Array.of(...priv8(), 0), /not a PKCS#8/],
    ['an EC key whose public key does not match', () => mismatchedSec1(), /does not match/],
  ];
  function priv8(): Uint8Array {
    return new Uint8Array(p256.privateKey.export({ type: 'pkcs8', format: 'der' }));
  }
  function mismatchedSec1(): string {
    const a = new Uint8Array(p256.privateKey.export({ type: 'sec1', format: 'der' }));
    const other = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'der' }));
    // ECPrivateKey: same layout for both keys; splice the other key's public point in.
    const mixed = a.slice();
    mixed.set(other.subarray(other.length - 65), a.length - 65);
    const b64 = btoa(String.fromCharCode(...mixed));
    return `-----BEGIN EC PRIVATE KEY-----\n${b64}\n-----END EC PRIVATE KEY-----\n`;
  }
  for (const [what, input, message] of refusals) {
    it(`refuses ${what} with ERR_TLS_CONFIG_BAD_KEY`, () => {
      assert.throws(() => nobleCryptoProvider.loadSigningKey(input()), (e: unknown) => isCode('ERR_TLS_CONFIG_BAD_KEY')(e) && message.test((e as Error).message));
    });
  }

  it('the noble provider loads the node provider\'s PEM inputs identically (SPKI of a key from createPrivateKey)', () => {
    const pem = pemOf(p384.privateKey, 'pkcs8');
    assert.equal(toHex(nobleCryptoProvider.loadSigningKey(pem).publicKeySpki()), toHex(der(createPublicKey(createPrivateKey(pem)))));
  });
});

// ---------------------------------------------------------------- provider surface

describe('provider surface', () => {
  it('suites and groups in the node provider\'s order (without hybrids); not FIPS', () => {
    assert.equal(nobleCryptoProvider.name, 'noble');
    assert.equal(nobleCryptoProvider.fips, false);
    assert.deepEqual(nobleCryptoProvider.cipherSuites.map((s) => s.suite), nodeCryptoProvider.cipherSuites.map((s) => s.suite));
    assert.deepEqual(nobleCryptoProvider.cipherSuites.map((s) => [s.name, s.hash.name, s.aead.name]), nodeCryptoProvider.cipherSuites.map((s) => [s.name, s.hash.name, s.aead.name]));
    const classical = nodeCryptoProvider.keyExchangeGroups.filter((g) => g.usableInTls12).map((g) => g.name);
    assert.deepEqual(nobleCryptoProvider.keyExchangeGroups.map((g) => g.name), classical);
    assert.equal(nobleCryptoProvider.certificateCompressors, undefined, 'no compressors without node:zlib');
  });

  it('createNobleProvider picks suites and groups in the given order and refuses unknown code points', () => {
    const p = createNobleProvider({ cipherSuites: [0x1303, 0x1301], keyExchangeGroups: [NamedGroup.Secp384r1, NamedGroup.X25519] });
    assert.deepEqual(p.cipherSuites.map((s) => s.suite), [0x1303, 0x1301]);
    assert.deepEqual(p.keyExchangeGroups.map((g) => g.name), ['secp384r1', 'x25519']);
    assert.throws(() => createNobleProvider({ cipherSuites: [0x00ff] }), isCode('ERR_TLS_CONFIG'));
    assert.throws(() => createNobleProvider({ keyExchangeGroups: [NamedGroup.X25519MLKEM768] }), (e: unknown) => isCode('ERR_TLS_CONFIG')(e) && /0x11ec/.test((e as Error).message));
  });

  it('fillRandom fills buffers larger than one getRandomValues call (65536 bytes)', () => {
    const big = new Uint8Array(200_000);
    fillRandom(big);
    const tail = big.subarray(big.length - 4096);
    assert.ok(tail.some((b) => b !== 0), 'the last chunk was filled');
    nobleCryptoProvider.fillRandom(new Uint8Array(0));
  });
});

test('src/providers/noble uses no node: modules, Buffer, process, require or timers (runtime-agnostic)', () => {
  const dir = new URL('../../src/providers/noble/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('index.ts'), 'the provider files are where expected');
  for (const f of files) {
    // Comments removed (they may mention Buffer or node:crypto when comparing with the node provider).
    const code = readFileSync(new URL(f, dir), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
    const imports = [...code.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    for (const spec of imports) {
      assert.ok((spec.startsWith('.') && !spec.includes('/node/')) || spec.startsWith('@noble/'), `${f} imports '${spec}': only core/webpki files and @noble/* are allowed`);
    }
    assert.doesNotMatch(code, /\b(Buffer|process|require|setTimeout|setImmediate|setInterval)\b/, `${f} touches a Node global`);
  }
});
