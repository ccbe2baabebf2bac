// `typetls verify` (src/cli/verify.ts) through runVerify with captured io and openssl-made PKIs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { runVerify } from '../../src/cli/verify.ts';
import { OpenSslPki, derToPem, type CertificateAuthority, type CrlMaterial, type IssuedCertificate } from '../helpers/pki-openssl.ts';

interface Run { code: number; stdout: string; stderr: string }

async function run(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runVerify(argv, {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    readFile: (p: string) => readFile(p),
  });
  return { code, stdout, stderr };
}

describe('typetls verify', () => {
  let pki: OpenSslPki;
  let root: CertificateAuthority;
  let int: CertificateAuthority;
  let leaf: IssuedCertificate;
  let revoked: IssuedCertificate;
  let expired: IssuedCertificate;
  let crl: CrlMaterial;
  let oldCrl: CrlMaterial;
  let rootsPem: string;
  let chainPem: string;
  let fullchainPem: string;
  let crlDerPath: string;

  before(() => {
    pki = OpenSslPki.create();
    root = pki.makeCa({ name: 'CLI Root', keyType: 'ecdsa-p256' });
    int = pki.makeCa({ name: 'CLI Intermediate', keyType: 'ed25519', issuer: root });
    leaf = pki.makeCertificate({ issuer: int, keyType: 'ecdsa-p256', sans: ['DNS:cli.example.com', 'IP:192.0.2.7'], name: 'cli.example.com' });
    revoked = pki.makeCertificate({ issuer: int, keyType: 'ecdsa-p256', sans: ['DNS:revoked.example.com'] });
    expired = pki.makeCertificate({ issuer: int, keyType: 'ecdsa-p256', sans: ['DNS:old.example.com'], notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2022-01-01T00:00:00Z') });
    oldCrl = pki.makeCrl(int, { lastUpdate: new Date(Date.now() - 10 * 86400_000), nextUpdate: new Date(Date.now() - 86400_000) });
    pki.revoke(revoked, 'superseded');
    crl = pki.makeCrl(int);
    rootsPem = pki.writeFile('roots.pem', root.certPem);
    chainPem = pki.writeFile('chain.pem', int.certPem);
    fullchainPem = pki.writeFile('fullchain.pem', leaf.certPem + int.certPem);
    crlDerPath = pki.writeFile('crl.der', crl.crlDer);
  });
  after(() => pki.cleanup());

  it('prints ok and the verified path', async () => {
    const r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--name', 'cli.example.com', leaf.certPath]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'ok\nCN=cli.example.com\nCN=CLI Intermediate\nCN=CLI Root\n');
  });

  it('takes intermediates from the leaf file, IP names and the client purpose', async () => {
    const r = await run(['--ca', rootsPem, '--name', '192.0.2.7', '--purpose', 'client', fullchainPem]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok\n/);
  });

  it('fails with the error code for a wrong name, a missing intermediate and an expired leaf', async () => {
    let r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--name', 'other.example.com', leaf.certPath]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: ERR_TLS_CERT_NOT_VALID_FOR_NAME: /);
    r = await run(['--ca', rootsPem, leaf.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_UNKNOWN_ISSUER: /);
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, expired.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_EXPIRED: /);
  });

  it('verifies at --time', async () => {
    const r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--time', '2021-06-01T12:00:00Z', expired.certPath]);
    assert.equal(r.code, 0, r.stderr);
    const bad = await run(['--ca', rootsPem, '--time', '2021-06-01', expired.certPath]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /RFC 3339/);
  });

  it('checks CRLs (PEM and DER) with the reason in the error', async () => {
    let r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', crl.crlPath, revoked.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_REVOKED: .*superseded/);
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', crlDerPath, revoked.certPath]);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_REVOKED: /);
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', crl.crlPath, leaf.certPath]);
    assert.equal(r.code, 0, r.stderr);
    // Expired CRL: enforced by default, --crl-expired ignore accepts it.
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', oldCrl.crlPath, leaf.certPath]);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_CRL_EXPIRED: /);
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', oldCrl.crlPath, '--crl-expired', 'ignore', leaf.certPath]);
    assert.equal(r.code, 0, r.stderr);
    // --crl-depth chain needs the root's CRL for the intermediate; --crl-unknown allow waives it.
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', crl.crlPath, '--crl-depth', 'chain', leaf.certPath]);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_REVOCATION_UNKNOWN: /);
    r = await run(['--ca', rootsPem, '--untrusted', chainPem, '--crl', crl.crlPath, '--crl-depth', 'chain', '--crl-unknown', 'allow', leaf.certPath]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('reports bad usage with exit code 2 and unreadable or malformed files with 1', async () => {
    for (const argv of [[leaf.certPath], ['--ca', rootsPem], ['--ca', rootsPem, '--purpose', 'email', leaf.certPath], ['--bogus', leaf.certPath], ['--ca', rootsPem, 'a.pem', 'b.pem']]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, /^error: .*\nusage: typetls verify/);
    }
    let r = await run(['--ca', pki.dir + '/missing.pem', leaf.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot read /);
    r = await run(['--ca', crl.crlPath, leaf.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ERR_TLS_CONFIG_BAD_CERTIFICATE: /);
    const badCrl = pki.writeFile('bad-crl.pem', derToPem(crl.crlDer.subarray(0, 50), 'X509 CRL'));
    r = await run(['--ca', rootsPem, '--crl', badCrl, leaf.certPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ERR_TLS_CERT_CRL_INVALID: /);
    r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: /);
  });
});
