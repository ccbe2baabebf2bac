// The node:crypto provider: hashes, key exchange, signature verification, suites, factory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createHash, createHmac, generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';
import { NamedGroup, SignatureScheme, CipherSuite } from '../../src/core/codec/codepoints.ts';
import { nodeCryptoProvider, createNodeProvider, sha256, sha384, sha512, x25519, secp256r1, secp384r1, NodeSignatureVerifier } from '../../src/providers/node/index.ts';
import { X25519Exchange } from '../../src/providers/node/key-exchange.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { fromHex, toHex, utf8 } from '../../src/core/util.ts';
import type { KeyExchangeGroup } from '../../src/core/crypto/provider.ts';

const S = SignatureScheme;

test('hash contexts: current() snapshots without ending, fork() is independent', () => {
  for (const h of [sha256, sha384, sha512]) {
    const ctx = h.start();
    ctx.update(utf8('hello '));
    const snap = ctx.current();
    assert.equal(toHex(snap), createHash(h.name).update('hello ').digest('hex'));
    const fork = ctx.fork();
    ctx.update(utf8('world'));
    fork.update(utf8('there'));
    assert.equal(toHex(ctx.current()), createHash(h.name).update('hello world').digest('hex'));
    assert.equal(toHex(fork.current()), createHash(h.name).update('hello there').digest('hex'));
    assert.equal(toHex(h.digest(utf8('abc'))), createHash(h.name).update('abc').digest('hex'));
    assert.equal(h.digest(new Uint8Array(0)).length, h.outputLength);
    assert.ok(!Buffer.isBuffer(h.digest(new Uint8Array(0))), 'plain Uint8Array, not Buffer');
  }
});

test('HMAC matches node, including empty and long keys (RFC 4231 test case 2)', () => {
  // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
  assert.equal(toHex(sha256.hmac(utf8('Jefe'), utf8('what do ya want for nothing?'))), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  const long = new Uint8Array(200).fill(0xaa);
  assert.equal(toHex(sha384.hmac(long, utf8('x'))), createHmac('sha384', long).update('x').digest('hex'));
  assert.equal(toHex(sha512.hmac(new Uint8Array(0), utf8('x'))), createHmac('sha512', Buffer.alloc(0)).update('x').digest('hex'));
});

// ------------------------------------------------------------------ key exchange

function assertBadShare(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTlsError(e), `${what}: a TlsError`);
    assert.equal(e.code, 'ERR_TLS_PEER_BAD_KEY_SHARE', what);
    assert.equal(e.alert, AlertDescription.IllegalParameter, what);
    return true;
  });
}

const groups: [KeyExchangeGroup, number][] = [
  [x25519, 32],
  [secp256r1, 65],
  [secp384r1, 97],
];

for (const [g, shareLength] of groups) {
  test(`${g.name}: start/complete and startAndComplete agree`, () => {
    const client = g.start();
    assert.equal(client.group, g.group);
    assert.equal(client.publicShare.length, shareLength);
    const server = g.startAndComplete(client.publicShare);
    assert.equal(server.group, g.group);
    const clientSecret = client.complete(server.publicShare);
    assert.deepEqual(clientSecret, server.sharedSecret);
    assert.equal(clientSecret.length, g.group === NamedGroup.Secp384r1 ? 48 : 32);
    // A second exchange yields a different key.
    assert.notDeepEqual(g.start().publicShare, client.publicShare);
  });

  test(`${g.name}: shares of the wrong length are refused`, () => {
    const ours = g.start();
    const good = g.start().publicShare;
    assertBadShare(() => ours.complete(good.subarray(0, good.length - 1)), 'short');
    assertBadShare(() => ours.complete(new Uint8Array(good.length + 1)), 'long');
    assertBadShare(() => ours.complete(new Uint8Array(0)), 'empty');
    assertBadShare(() => g.startAndComplete(good.subarray(1)), 'startAndComplete short');
  });
}

for (const g of [secp256r1, secp384r1]) {
  test(`${g.name}: off-curve, compressed and infinity points are refused`, () => {
    const ours = g.start();
    const peer = g.start().publicShare;
    const offCurve = peer.slice();
    offCurve[offCurve.length - 1]! ^= 0x01;
    assertBadShare(() => ours.complete(offCurve), 'off curve');
    const compressed = peer.slice();
    compressed[0] = 0x02;
    assertBadShare(() => ours.complete(compressed), 'compressed prefix with full length');
    const curve = g.group === NamedGroup.Secp256r1 ? 'prime256v1' : 'secp384r1';
    const e = createECDH(curve);
    e.generateKeys();
    assertBadShare(() => ours.complete(e.getPublicKey(null, 'compressed')), 'compressed form');
    assertBadShare(() => ours.complete(e.getPublicKey(null, 'hybrid')), 'hybrid form');
    const zeros = new Uint8Array(peer.length);
    zeros[0] = 0x04;
    assertBadShare(() => ours.complete(zeros), 'all-zero coordinates');
  });
}

test('x25519: small-order shares (all-zero shared secret) are refused (RFC 7748 §6.1)', () => {
  const ours = x25519.start();
  assertBadShare(() => ours.complete(new Uint8Array(32)), 'zero point');
  const one = new Uint8Array(32);
  one[0] = 1;
  assertBadShare(() => ours.complete(one), 'point of order 1 (u = 1)');
  assertBadShare(() => x25519.startAndComplete(new Uint8Array(32)), 'startAndComplete zero point');
});

test('x25519: a given private key reproduces RFC 7748 §6.1', () => {
  const alice = X25519Exchange.fromPrivateKey(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  assert.equal(toHex(alice.publicShare), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const bobPublic = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  assert.equal(toHex(alice.complete(bobPublic)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
});

// ------------------------------------------------------------------ signatures

interface Pair {
  name: string;
  privateKey: KeyObject;
  spki: Uint8Array;
}

function pair(name: string, kp: { privateKey: KeyObject; publicKey: KeyObject }): Pair {
  return { name, privateKey: kp.privateKey, spki: new Uint8Array(kp.publicKey.export({ type: 'spki', format: 'der' })) };
}

const keys = {
  p256: pair('p256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })),
  p384: pair('p384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' })),
  p521: pair('p521', generateKeyPairSync('ec', { namedCurve: 'secp521r1' })),
  ed25519: pair('ed25519', generateKeyPairSync('ed25519')),
  ed448: pair('ed448', generateKeyPairSync('ed448')),
  rsa: pair('rsa', generateKeyPairSync('rsa', { modulusLength: 2048 })),
  rsaPss: pair('rsaPss', generateKeyPairSync('rsa-pss', { modulusLength: 2048 })),
  rsaPss256: pair('rsaPss256', generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 } as { modulusLength: number })),
  rsa1024: pair('rsa1024', generateKeyPairSync('rsa', { modulusLength: 1024 })),
};

type Hash = 'sha256' | 'sha384' | 'sha512';
function signWith(k: Pair, scheme: number, msg: Uint8Array): Uint8Array {
  const pss = (h: Hash, salt: number) => new Uint8Array(sign(h, msg, { key: k.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }));
  switch (scheme) {
    case S.EcdsaSecp256r1Sha256: return new Uint8Array(sign('sha256', msg, k.privateKey));
    case S.EcdsaSecp384r1Sha384: return new Uint8Array(sign('sha384', msg, k.privateKey));
    case S.EcdsaSecp521r1Sha512: return new Uint8Array(sign('sha512', msg, k.privateKey));
    case S.Ed25519:
    case S.Ed448: return new Uint8Array(sign(null, msg, k.privateKey));
    case S.RsaPkcs1Sha256: return new Uint8Array(sign('sha256', msg, { key: k.privateKey, padding: constants.RSA_PKCS1_PADDING }));
    case S.RsaPkcs1Sha384: return new Uint8Array(sign('sha384', msg, { key: k.privateKey, padding: constants.RSA_PKCS1_PADDING }));
    case S.RsaPkcs1Sha512: return new Uint8Array(sign('sha512', msg, { key: k.privateKey, padding: constants.RSA_PKCS1_PADDING }));
    case S.RsaPssRsaeSha256: case S.RsaPssPssSha256: return pss('sha256', 32);
    case S.RsaPssRsaeSha384: case S.RsaPssPssSha384: return pss('sha384', 48);
    case S.RsaPssRsaeSha512: case S.RsaPssPssSha512: return pss('sha512', 64);
  }
  throw new Error(`no signer for ${scheme}`);
}

// Each scheme and the key that makes it.
const schemeKeys: [string, number, Pair][] = [
  ['ecdsa_secp256r1_sha256', S.EcdsaSecp256r1Sha256, keys.p256],
  ['ecdsa_secp384r1_sha384', S.EcdsaSecp384r1Sha384, keys.p384],
  ['ecdsa_secp521r1_sha512', S.EcdsaSecp521r1Sha512, keys.p521],
  ['ed25519', S.Ed25519, keys.ed25519],
  ['ed448', S.Ed448, keys.ed448],
  ['rsa_pkcs1_sha256', S.RsaPkcs1Sha256, keys.rsa],
  ['rsa_pkcs1_sha384', S.RsaPkcs1Sha384, keys.rsa],
  ['rsa_pkcs1_sha512', S.RsaPkcs1Sha512, keys.rsa],
  ['rsa_pss_rsae_sha256', S.RsaPssRsaeSha256, keys.rsa],
  ['rsa_pss_rsae_sha384', S.RsaPssRsaeSha384, keys.rsa],
  ['rsa_pss_rsae_sha512', S.RsaPssRsaeSha512, keys.rsa],
  ['rsa_pss_pss_sha256', S.RsaPssPssSha256, keys.rsaPss],
  ['rsa_pss_pss_sha384', S.RsaPssPssSha384, keys.rsaPss],
  ['rsa_pss_pss_sha512', S.RsaPssPssSha512, keys.rsaPss],
];

test('every SignatureScheme in codepoints is supported', () => {
  for (const v of Object.values(SignatureScheme)) assert.ok(nodeCryptoProvider.signatures.supportedSchemes.includes(v), `0x${v.toString(16)}`);
});

const msg = utf8('TLS 1.3, server CertificateVerify\0 ...transcript hash...');
for (const [name, scheme, k] of schemeKeys) {
  test(`verify ${name}: good, tampered message, tampered signature, other keys`, () => {
    const v = nodeCryptoProvider.signatures;
    const sig = signWith(k, scheme, msg);
    assert.equal(v.verify(scheme, k.spki, msg, sig), true);
    const badMsg = msg.slice();
    badMsg[0]! ^= 1;
    assert.equal(v.verify(scheme, k.spki, badMsg, sig), false, 'tampered message');
    const badSig = sig.slice();
    badSig[badSig.length - 1]! ^= 1;
    assert.equal(v.verify(scheme, k.spki, msg, badSig), false, 'tampered signature');
    assert.equal(v.verify(scheme, k.spki, msg, new Uint8Array(0)), false, 'empty signature');
    // Every other key type with this scheme is refused (the key must suit the scheme).
    for (const other of Object.values(keys)) {
      if (other === k || (k === keys.rsa && other === keys.rsa1024)) continue;
      // An rsaEncryption key and an unrestricted id-RSASSA-PSS key differ in SPKI; both are checked.
      assert.equal(v.verify(scheme, other.spki, msg, sig), false, `${other.name} key with ${name}`);
    }
  });
}

test('a key with the wrong scheme is refused even when the signature would verify', () => {
  const v = nodeCryptoProvider.signatures;
  // A P-384 key signing SHA-256 (valid ECDSA) is not ecdsa_secp256r1_sha256, nor ecdsa_secp384r1_sha384.
  const sig = new Uint8Array(sign('sha256', msg, keys.p384.privateKey));
  assert.equal(v.verify(S.EcdsaSecp256r1Sha256, keys.p384.spki, msg, sig), false);
  assert.equal(v.verify(S.EcdsaSecp384r1Sha384, keys.p384.spki, msg, sig), false);
  // An rsaEncryption key is not usable for rsa_pss_pss_*, nor an id-RSASSA-PSS key for rsa_pss_rsae_*.
  const pss = signWith(keys.rsa, S.RsaPssRsaeSha256, msg);
  assert.equal(v.verify(S.RsaPssPssSha256, keys.rsa.spki, msg, pss), false);
  const pss2 = signWith(keys.rsaPss, S.RsaPssPssSha256, msg);
  assert.equal(v.verify(S.RsaPssRsaeSha256, keys.rsaPss.spki, msg, pss2), false);
  // A PSS key restricted to SHA-256 refuses SHA-384.
  assert.equal(v.verify(S.RsaPssPssSha256, keys.rsaPss256.spki, msg, signWith(keys.rsaPss256, S.RsaPssPssSha256, msg)), true);
  assert.equal(v.verify(S.RsaPssPssSha384, keys.rsaPss256.spki, msg, signWith(keys.rsaPss, S.RsaPssPssSha384, msg)), false);
  // PKCS#1 v1.5 and PSS signatures do not stand in for each other.
  assert.equal(v.verify(S.RsaPkcs1Sha256, keys.rsa.spki, msg, pss), false);
  // PSS with a salt other than the hash length is refused (RFC 8446 §4.2.3).
  const salt20 = new Uint8Array(sign('sha256', msg, { key: keys.rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }));
  assert.equal(v.verify(S.RsaPssRsaeSha256, keys.rsa.spki, msg, salt20), false);
});

test('RSA keys below 2048 bits are refused; garbage never throws', () => {
  const v = nodeCryptoProvider.signatures;
  assert.equal(v.verify(S.RsaPssRsaeSha256, keys.rsa1024.spki, msg, signWith(keys.rsa1024, S.RsaPssRsaeSha256, msg)), false);
  assert.equal(v.verify(S.EcdsaSecp256r1Sha256, new Uint8Array([0x30, 0x03, 0x02, 0x01]), msg, new Uint8Array(64)), false);
  assert.equal(v.verify(S.EcdsaSecp256r1Sha256, new Uint8Array(0), msg, new Uint8Array(64)), false);
  assert.equal(v.verify(0x0201, keys.rsa.spki, msg, signWith(keys.rsa, S.RsaPkcs1Sha256, msg)), false, 'unknown scheme (rsa_pkcs1_sha1)');
  assert.equal(v.verify(S.EcdsaSecp256r1Sha256, keys.p256.spki, msg, new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])), false, 'r = s = 0');
});

test('the public-key cache stays bounded and still verifies after eviction', () => {
  const v = new NodeSignatureVerifier(undefined, 2);
  const sigs = [keys.p256, keys.ed25519, keys.p384].map((k) => [k, schemeKeys.find((s) => s[2] === k)![1]] as const);
  for (let round = 0; round < 3; round++) {
    for (const [k, scheme] of sigs) assert.equal(v.verify(scheme, k.spki, msg, signWith(k, scheme, msg)), true);
  }
  const restricted = new NodeSignatureVerifier([S.Ed25519]);
  assert.deepEqual(restricted.supportedSchemes, [S.Ed25519]);
  assert.equal(restricted.verify(S.EcdsaSecp256r1Sha256, keys.p256.spki, msg, signWith(keys.p256, S.EcdsaSecp256r1Sha256, msg)), false, 'scheme not enabled');
});

// ------------------------------------------------------------------ provider object

test('nodeCryptoProvider: suites in rustls order, groups, hashes, random', () => {
  const p = nodeCryptoProvider;
  assert.equal(p.fips, false);
  assert.deepEqual(p.cipherSuites.map((s) => s.suite), [
    CipherSuite.TLS_AES_256_GCM_SHA384,
    CipherSuite.TLS_AES_128_GCM_SHA256,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  ]);
  for (const s of p.cipherSuites) {
    const is384 = s.name.includes('SHA384');
    assert.equal(s.hash.name, is384 ? 'sha384' : 'sha256', s.name);
    assert.equal(s.aead.keyLength, s.name.includes('128') ? 16 : 32, s.name);
    if (s.version === 'TLSv1.2') {
      assert.equal(s.nonce, s.name.includes('CHACHA') ? 'xor' : 'gcm-explicit');
      assert.equal(s.authentication, s.name.includes('ECDSA') ? 'ecdsa' : 'rsa');
    }
  }
  // Default: X25519MLKEM768 first (rustls); the NIST hybrids are supported but not default.
  assert.deepEqual(p.keyExchangeGroups.map((g) => g.name), ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1']);
  assert.deepEqual(p.allKeyExchangeGroups?.map((g) => g.name), ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024']);
  assert.equal(p.hashes.sha384, sha384);
  const a = new Uint8Array(32);
  const b = new Uint8Array(32);
  p.fillRandom(a);
  p.fillRandom(b);
  assert.notDeepEqual(a, b);
});

test('createNodeProvider restricts and orders; unknown code points are refused', () => {
  const p = createNodeProvider({ cipherSuites: [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_128_GCM_SHA256], keyExchangeGroups: [NamedGroup.Secp384r1] });
  assert.deepEqual(p.cipherSuites.map((s) => s.name), ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']);
  assert.deepEqual(p.keyExchangeGroups.map((g) => g.group), [NamedGroup.Secp384r1]);
  assert.throws(() => createNodeProvider({ cipherSuites: [0x0005] }), { code: 'ERR_TLS_CONFIG' });
  assert.throws(() => createNodeProvider({ keyExchangeGroups: [NamedGroup.X448] }), { code: 'ERR_TLS_CONFIG' });
  assert.throws(() => createNodeProvider({ fips: 'require' }), { code: 'ERR_TLS_CONFIG' });
});
