// loadSigningKey: every PEM form openssl writes, DER PKCS#8, refusals, sign/verify round trips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureScheme } from '../../src/core/codec/codepoints.ts';
import { loadSigningKey } from '../../src/providers/node/signing-key.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { utf8 } from '../../src/core/util.ts';
import type { SigningKey } from '../../src/core/crypto/provider.ts';

const S = SignatureScheme;
let dir = '';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}
function read(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'typetls-keys-'));
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa-pkcs8.pem');
  openssl('genrsa', '-traditional', '-out', 'rsa-pkcs1.pem', '2048');
  openssl('genrsa', '-traditional', '-aes128', '-passout', 'pass:hunter2', '-out', 'rsa-pkcs1-enc.pem', '2048');
  openssl('genrsa', '-out', 'rsa-1024.pem', '1024');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-out', 'p256-sec1.pem');
  openssl('ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'p384-sec1.pem');
  openssl('ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', 'k256-sec1.pem');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'p256-pkcs8.pem');
  openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.pem');
  openssl('genpkey', '-algorithm', 'ed448', '-out', 'ed448.pem');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-aes-256-cbc', '-pass', 'pass:s3cret', '-out', 'p384-enc.pem');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'p256-sec1.pem', '-outform', 'DER', '-out', 'p256.der');
  openssl('req', '-x509', '-new', '-key', 'p256-pkcs8.pem', '-subj', '/CN=test', '-days', '1', '-out', 'cert.pem');
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const message = utf8('handshake signature input');

function roundTrip(key: SigningKey, schemes: readonly number[]): void {
  for (const scheme of schemes) {
    const sig = key.sign(scheme, message);
    assert.ok(sig instanceof Uint8Array, 'node keys sign synchronously');
    assert.equal(nodeCryptoProvider.signatures.verify(scheme, key.publicKeySpki(), message, sig), true, `scheme 0x${scheme.toString(16)}`);
    assert.equal(nodeCryptoProvider.signatures.verify(scheme, key.publicKeySpki(), utf8('other'), sig), false);
  }
}

test('PKCS#8 RSA: PSS only for TLS 1.3, PKCS#1 v1.5 added for TLS 1.2', () => {
  const k = loadSigningKey(read('rsa-pkcs8.pem'));
  assert.equal(k.keyType, 'rsa');
  assert.deepEqual(k.schemes, [S.RsaPssRsaeSha512, S.RsaPssRsaeSha384, S.RsaPssRsaeSha256]);
  assert.deepEqual(k.tls12Schemes, [S.RsaPssRsaeSha512, S.RsaPssRsaeSha384, S.RsaPssRsaeSha256, S.RsaPkcs1Sha512, S.RsaPkcs1Sha384, S.RsaPkcs1Sha256]);
  roundTrip(k, k.tls12Schemes);
  assert.equal(k.chooseScheme([S.RsaPkcs1Sha256, S.RsaPssRsaeSha256]), S.RsaPssRsaeSha256);
  assert.equal(k.chooseScheme([S.RsaPkcs1Sha256]), null, 'never PKCS#1 v1.5 in a TLS 1.3 handshake');
  assert.equal(k.chooseTls12Scheme([S.RsaPkcs1Sha256]), S.RsaPkcs1Sha256);
});

test('PKCS#1 RSA PRIVATE KEY, plain and encrypted (traditional PEM encryption)', () => {
  roundTrip(loadSigningKey(read('rsa-pkcs1.pem')), [S.RsaPssRsaeSha256]);
  const enc = read('rsa-pkcs1-enc.pem');
  assert.match(enc, /Proc-Type: 4,ENCRYPTED/);
  roundTrip(loadSigningKey(enc, 'hunter2'), [S.RsaPssRsaeSha384]);
  assert.throws(() => loadSigningKey(enc), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /encrypted and no passphrase/ });
  assert.throws(() => loadSigningKey(enc, 'wrong'), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /wrong passphrase/ });
});

test('SEC1 EC PRIVATE KEY (with and without an EC PARAMETERS block)', () => {
  const k256 = loadSigningKey(read('p256-sec1.pem'));
  assert.match(read('p256-sec1.pem'), /EC PARAMETERS/);
  assert.equal(k256.keyType, 'ecdsa-p256');
  assert.deepEqual(k256.schemes, [S.EcdsaSecp256r1Sha256]);
  roundTrip(k256, k256.schemes);
  const k384 = loadSigningKey(read('p384-sec1.pem'));
  assert.equal(k384.keyType, 'ecdsa-p384');
  assert.deepEqual(k384.schemes, [S.EcdsaSecp384r1Sha384]);
  roundTrip(k384, k384.schemes);
  assert.equal(k384.chooseScheme([S.EcdsaSecp256r1Sha256]), null);
});

test('PKCS#8 EC and Ed25519, and PEM given as bytes', () => {
  const ec = loadSigningKey(utf8(read('p256-pkcs8.pem')));
  roundTrip(ec, [S.EcdsaSecp256r1Sha256]);
  const ed = loadSigningKey(read('ed25519.pem'));
  assert.equal(ed.keyType, 'ed25519');
  assert.deepEqual(ed.schemes, [S.Ed25519]);
  roundTrip(ed, ed.schemes);
});

test('ENCRYPTED PRIVATE KEY with a passphrase', () => {
  const pem = read('p384-enc.pem');
  assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
  const k = loadSigningKey(pem, 's3cret');
  assert.equal(k.keyType, 'ecdsa-p384');
  roundTrip(k, k.schemes);
  assert.throws(() => loadSigningKey(pem), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /'ENCRYPTED PRIVATE KEY' is encrypted and no passphrase/ });
  assert.throws(() => loadSigningKey(pem, 'nope'), { code: 'ERR_TLS_CONFIG_BAD_KEY' });
});

test('DER PKCS#8', () => {
  const k = loadSigningKey(new Uint8Array(readFileSync(join(dir, 'p256.der'))));
  assert.equal(k.keyType, 'ecdsa-p256');
  roundTrip(k, k.schemes);
  assert.throws(() => loadSigningKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /not a PKCS#8/ });
});

test('a key after a certificate in the same PEM is found; publicKeySpki matches the certificate', () => {
  const k = loadSigningKey(read('cert.pem') + read('p256-pkcs8.pem'));
  assert.equal(k.keyType, 'ecdsa-p256');
  const spki = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-pubkey', '-noout']).toString();
  const der = Buffer.from(spki.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.deepEqual(k.publicKeySpki(), new Uint8Array(der));
});

test('refusals say what was found', () => {
  assert.throws(() => loadSigningKey(read('cert.pem')), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /PEM block 'CERTIFICATE' is not a private key/ });
  assert.throws(() => loadSigningKey(read('rsa-1024.pem')), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /1024 bits, at least 2048/ });
  assert.throws(() => loadSigningKey(read('k256-sec1.pem')), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /curve 'secp256k1'/ });
  assert.throws(() => loadSigningKey(read('ed448.pem')), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /type 'ed448'/ });
  assert.throws(() => loadSigningKey('hello'), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /no PEM block/ });
  assert.throws(() => loadSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), { code: 'ERR_TLS_CONFIG_BAD_KEY', message: /malformed/ });
  const ec = loadSigningKey(read('p256-pkcs8.pem'));
  assert.throws(() => ec.sign(S.RsaPssRsaeSha256, message), { code: 'ERR_TLS_CRYPTO_UNSUPPORTED' });
  assert.throws(() => ec.sign(S.EcdsaSecp384r1Sha384, message), { code: 'ERR_TLS_CRYPTO_UNSUPPORTED' });
});

test('the provider loads keys through the same function', () => {
  const k = nodeCryptoProvider.loadSigningKey(read('ed25519.pem'));
  roundTrip(k, [S.Ed25519]);
});
