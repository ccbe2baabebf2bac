// Certificate parsing, path building and the verifiers over a PKI generated with openssl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { KeyUsageBit, parseCertificate } from '../../src/webpki/certificate.ts';
import { buildPath } from '../../src/webpki/path.ts';
import { trustAnchorFromCertificate } from '../../src/webpki/trust-anchor.ts';
import { createClientVerifier, createServerVerifier, verifyCertificateChain } from '../../src/webpki/verifiers.ts';
import { SignatureScheme } from '../../src/core/codec/codepoints.ts';
import { ServerCertVerified } from '../../src/core/verify.ts';
import { TestPki, type TestCert } from '../helpers/webpki-pki.ts';

const signatures = nodeCryptoProvider.signatures;
let pki: TestPki;
let root: TestCert, inter: TestCert, leaf: TestCert;

before(() => {
  pki = new TestPki();
  root = pki.root('/CN=Test Root', { ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'nameConstraints=critical,permitted;DNS:test,permitted;IP:127.0.0.0/255.0.0.0,excluded;DNS:bad.test'] });
  inter = pki.intermediate('/CN=Test Intermediate', root, { ext: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign'] });
  leaf = pki.leaf('/CN=www.test', inter, 'DNS:www.test,DNS:test,IP:127.0.0.1,email:a@test,URI:https://www.test/', ['keyUsage=critical,digitalSignature']);
});
after(() => pki.cleanup());

test('parses a v3 certificate and its extensions', () => {
  const c = parseCertificate(leaf.der);
  assert.deepEqual(c.basicConstraints, { ca: false, pathLen: null });
  assert.equal(c.keyUsage, KeyUsageBit.DigitalSignature);
  assert.deepEqual(c.extendedKeyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(c.subjectAltName!.map((n) => n.kind), ['dns', 'dns', 'ip', 'email', 'uri']);
  assert.deepEqual(c.publicKey, { kind: 'ec', curve: 'P-256', curveOid: '1.2.840.10045.3.1.7' });
  const i = parseCertificate(inter.der);
  assert.deepEqual(i.basicConstraints, { ca: true, pathLen: 0 });
  assert.deepEqual(c.authorityKeyId, i.subjectKeyId);
  const r = parseCertificate(root.der);
  assert.equal(r.nameConstraints!.permitted!.length, 2);
  assert.deepEqual(r.nameConstraints!.excluded, [{ kind: 'dns', value: 'bad.test', bytes: new TextEncoder().encode('bad.test') }]);
  assert.ok(c.notAfter > Date.now() && c.notBefore <= Date.now());
  assert.ok(c.tbs.length > 0 && c.signature.length > 0);
});

test('rejects truncation, trailing data and unknown critical extensions', () => {
  assert.throws(() => parseCertificate(leaf.der.subarray(0, leaf.der.length - 1)), { code: 'ERR_TLS_CERT_BAD_ENCODING' });
  const extra = new Uint8Array(leaf.der.length + 1);
  extra.set(leaf.der);
  assert.throws(() => parseCertificate(extra), { code: 'ERR_TLS_CERT_BAD_ENCODING', message: /Certificate: 1 unexpected trailing bytes/ });
  const odd = pki.leaf('/CN=odd', inter, 'DNS:odd.test', ['1.2.3.4=critical,ASN1:NULL']);
  assert.throws(() => parseCertificate(odd.der), { code: 'ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION', message: /1\.2\.3\.4/ });
});

const verify = (ee: TestCert, name: string, extra: Partial<Parameters<typeof verifyCertificateChain>[0]> = {}) =>
  verifyCertificateChain({ endEntity: ee.der, intermediates: [inter.der], roots: [root.der], signatures, now: Date.now(), usage: 'server', serverName: name, ...extra });

test('verifies a chain, its name, time, EKU and name constraints', () => {
  const path = verify(leaf, 'www.test');
  assert.equal(path.intermediates.length, 1);
  verify(leaf, '127.0.0.1');
  assert.throws(() => verify(leaf, 'api.test'), { code: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME', message: /valid for "www.test", "test", "127.0.0.1"/ });
  assert.throws(() => verify(leaf, 'www.test', { now: Date.now() + 400 * 86400_000 }), { code: 'ERR_TLS_CERT_EXPIRED' });
  assert.throws(() => verify(leaf, 'www.test', { now: Date.now() - 2 * 86400_000 }), { code: 'ERR_TLS_CERT_NOT_VALID_YET' });
  assert.throws(() => verify(leaf, 'www.test', { intermediates: [] }), { code: 'ERR_TLS_CERT_UNKNOWN_ISSUER' });
  assert.throws(() => verify(leaf, 'www.test', { usage: { eku: '1.3.6.1.5.5.7.3.3' } }), { code: 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND' });
  const outside = pki.leaf('/CN=x', inter, 'DNS:www.other');
  assert.throws(() => verify(outside, 'www.other'), { code: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION', message: /outside the permitted subtrees/ });
  const excluded = pki.leaf('/CN=y', inter, 'DNS:x.bad.test');
  assert.throws(() => verify(excluded, 'x.bad.test'), { code: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION', message: /excluded/ });
  const wildcard = pki.leaf('/CN=z', inter, 'DNS:*.bad.test');
  assert.throws(() => verify(wildcard, 'q.bad.test'), { code: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' });
});

test('CA bit, pathLen and keyCertSign are enforced', () => {
  const sub = pki.intermediate('/CN=Sub', inter);
  const under = pki.leaf('/CN=u', sub, 'DNS:u.test');
  assert.throws(() => verifyCertificateChain({ endEntity: under.der, intermediates: [inter.der, sub.der], roots: [root.der], signatures, now: Date.now(), usage: 'server' }), { code: 'ERR_TLS_CERT_PATH_LEN_EXCEEDED' });
  const notCa = pki.issue('/CN=NotCA', root, ['basicConstraints=critical,CA:FALSE']);
  const l2 = pki.leaf('/CN=l2', notCa, 'DNS:l2.test');
  assert.throws(() => verifyCertificateChain({ endEntity: l2.der, intermediates: [notCa.der], roots: [root.der], signatures, now: Date.now(), usage: 'server' }), { code: 'ERR_TLS_CERT_END_ENTITY_USED_AS_CA' });
  const noSign = pki.intermediate('/CN=NoSign', root, { ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'] });
  const l3 = pki.leaf('/CN=l3', noSign, 'DNS:l3.test');
  assert.throws(() => verifyCertificateChain({ endEntity: l3.der, intermediates: [noSign.der], roots: [root.der], signatures, now: Date.now(), usage: 'server' }), { code: 'ERR_TLS_CERT_KEY_USAGE' });
});

test('finds the cross-signed alternative that reaches a trusted root', () => {
  const rootA = pki.root('/CN=Root A');
  const rootB = pki.root('/CN=Root B', { key: 'rsa' });
  const viaA = pki.intermediate('/CN=Cross', rootA);
  const viaB = pki.intermediate('/CN=Cross', rootB, { keyPath: viaA.keyPath });
  const ee = pki.leaf('/CN=cross.test', viaA, 'DNS:cross.test');
  const path = verifyCertificateChain({ endEntity: ee.der, intermediates: [viaA.der, viaB.der], roots: [rootB.der], signatures, now: Date.now(), usage: 'server', serverName: 'cross.test' });
  assert.deepEqual(path.intermediates[0]!.der, viaB.der);
  assert.deepEqual(path.anchor.subject, parseCertificate(rootB.der).subject);
});

test('many same-named candidate issuers end quickly with ERR_TLS_CERT_PATH_BUDGET_EXCEEDED', () => {
  const anchor = pki.root('/CN=Loop');
  const loops: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) loops.push(pki.root('/CN=Loop').der); // same name, other keys, CA
  const ee = pki.leaf('/CN=loop.test', pki.root('/CN=Loop'), 'DNS:loop.test');
  const anchors = [trustAnchorFromCertificate(anchor.der)];
  assert.throws(() => buildPath(parseCertificate(ee.der), { anchors, intermediates: loops, signatures, now: Date.now(), eku: '1.3.6.1.5.5.7.3.1' }), { code: 'ERR_TLS_CERT_PATH_BUDGET_EXCEEDED', message: /100 signature checks/ });
});

test('an RSA issuer key under 2048 bits is refused', () => {
  const weak = pki.root('/CN=Weak', { key: 'rsa1024' });
  const ee = pki.leaf('/CN=w', weak, 'DNS:w.test');
  assert.throws(() => verifyCertificateChain({ endEntity: ee.der, roots: [weak.der], signatures, now: Date.now(), usage: 'server' }), { code: 'ERR_TLS_CERT_WEAK_KEY' });
});

test('server verifier: chain, TLS 1.3 signatures (no rsa_pkcs1), schemes', () => {
  const v = createServerVerifier({ roots: [root.der], signatures });
  const ok = v.verifyServerCertificate({ endEntity: leaf.der, intermediates: [inter.der], serverName: { kind: 'dns', name: 'www.test' }, ocspResponse: null, now: Date.now() });
  assert.ok(ok instanceof ServerCertVerified);
  assert.equal(ok.path.length, 3);
  const message = new TextEncoder().encode('content covered by CertificateVerify');
  const sig = createSign('sha256').update(message).sign(readFileSync(leaf.keyPath, 'utf8'));
  v.verifyTls13Signature(message, leaf.der, SignatureScheme.EcdsaSecp256r1Sha256, new Uint8Array(sig));
  const tampered = new Uint8Array(sig);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => v.verifyTls13Signature(message, leaf.der, SignatureScheme.EcdsaSecp256r1Sha256, tampered), { code: 'ERR_TLS_PEER_BAD_SIGNATURE' });
  assert.throws(() => v.verifyTls13Signature(message, leaf.der, SignatureScheme.RsaPkcs1Sha256, new Uint8Array(sig)), { code: 'ERR_TLS_PEER_ILLEGAL_PARAMETER' });
  assert.ok(v.supportedSchemes().includes(SignatureScheme.RsaPssRsaeSha256));
  assert.ok(v.supportedSchemes().length > 0);
});

test('client verifier: clientAuth EKU and root hints', () => {
  const v = createClientVerifier({ roots: [root.der], signatures });
  assert.equal(v.clientAuthMandatory(), true);
  assert.deepEqual(v.rootHintSubjects(), [parseCertificate(root.der).subject]);
  v.verifyClientCertificate({ endEntity: leaf.der, intermediates: [inter.der], now: Date.now() });
  const serverOnly = pki.issue('/CN=s', inter, ['basicConstraints=critical,CA:FALSE', 'subjectAltName=DNS:s.test', 'extendedKeyUsage=serverAuth']);
  assert.throws(() => v.verifyClientCertificate({ endEntity: serverOnly.der, intermediates: [inter.der], now: Date.now() }), { code: 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND' });
});
