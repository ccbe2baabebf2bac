// CRL parsing (crl.ts) and the CRL revocation checker (revocation.ts) over real
// `openssl ca -gencrl` CRLs. Malformed-CRL cases are in webpki-crl-parse.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertDescription } from '../../src/core/codec/codepoints.ts';
import { isTlsError, type TlsErrorCode } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { parseCertificate, type Certificate } from '../../src/webpki/certificate.ts';
import { RevocationReason, parseCrl, parseCrlsFromPem, type CertRevocationList } from '../../src/webpki/crl.ts';
import { createCrlChecker, isAuthoritative, type CrlCheckerOptions } from '../../src/webpki/revocation.ts';
import type { RevocationIssuer } from '../../src/webpki/revocation-api.ts';
import { OpenSslPki, type CertificateAuthority, type CrlMaterial, type IssuedCertificate } from '../helpers/pki-openssl.ts';

const signatures = nodeCryptoProvider.signatures;
const NOW = Date.now();
const DAY = 86400_000;

function issuerOf(ca: IssuedCertificate): RevocationIssuer {
  const c = parseCertificate(ca.certDer);
  return { subject: c.subject, spki: c.spki, keyUsage: c.keyUsage, certificate: c, anchor: null };
}

function cert(x: IssuedCertificate): Certificate {
  return parseCertificate(x.certDer);
}

function checker(crls: readonly CrlMaterial[], o: Partial<CrlCheckerOptions> = {}): ReturnType<typeof createCrlChecker> {
  return createCrlChecker({ signatures, ...o, crls: crls.map((c) => c.crlDer) });
}

function expectCode(f: () => unknown, code: TlsErrorCode, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isTlsError(e), `expected a TlsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

describe('webpki CRL revocation', () => {
  let pki: OpenSslPki;
  let root: CertificateAuthority;
  let rootImpostor: CertificateAuthority; // same subject as root, different key
  let intRevoked: CertificateAuthority;
  let intGood: CertificateAuthority;
  let intNoCrlSign: CertificateAuthority;
  let leafRevoked: IssuedCertificate;
  let leafGood: IssuedCertificate;
  let leafUnderNoCrlSign: IssuedCertificate;
  let leafWithDp: IssuedCertificate;
  let goodCrl: CrlMaterial; // intGood's CRL revoking leafRevoked
  let oldGoodCrl: CrlMaterial; // intGood's earlier CRL, nothing revoked
  let expiredCrl: CrlMaterial;
  let rootCrl: CrlMaterial; // root's CRL revoking intRevoked
  let impostorCrl: CrlMaterial;
  let noCrlSignCrl: CrlMaterial;

  before(() => {
    pki = OpenSslPki.create();
    root = pki.makeCa({ name: 'CRL Test Root', keyType: 'ecdsa-p256' });
    rootImpostor = pki.makeCa({ name: 'CRL Test Root', keyType: 'ecdsa-p256' });
    intRevoked = pki.makeCa({ name: 'Revoked Intermediate', keyType: 'ecdsa-p256', issuer: root });
    intGood = pki.makeCa({ name: 'Good Intermediate', keyType: 'ed25519', issuer: root });
    intNoCrlSign = pki.makeCa({ name: 'No cRLSign Intermediate', keyType: 'ecdsa-p256', issuer: root, keyUsage: 'keyCertSign' });
    leafRevoked = pki.makeCertificate({ issuer: intGood, keyType: 'ecdsa-p256', sans: ['DNS:revoked.test'] });
    leafGood = pki.makeCertificate({ issuer: intGood, keyType: 'ecdsa-p256', sans: ['DNS:good.test'] });
    leafUnderNoCrlSign = pki.makeCertificate({ issuer: intNoCrlSign, keyType: 'ecdsa-p256', sans: ['DNS:x.test'] });
    leafWithDp = pki.makeCertificate({ issuer: intGood, keyType: 'ecdsa-p256', sans: ['DNS:dp.test'], extraExtensions: ['crlDistributionPoints = URI:http://crl.test/good.crl'] });
    oldGoodCrl = pki.makeCrl(intGood, { lastUpdate: new Date(NOW - 2 * DAY), nextUpdate: new Date(NOW + 5 * DAY) });
    pki.revoke(leafRevoked, 'keyCompromise');
    goodCrl = pki.makeCrl(intGood);
    expiredCrl = pki.makeCrl(intGood, { lastUpdate: new Date(NOW - 10 * DAY), nextUpdate: new Date(NOW - DAY) });
    pki.revoke(intRevoked, 'CACompromise');
    rootCrl = pki.makeCrl(root);
    impostorCrl = pki.makeCrl(rootImpostor);
    noCrlSignCrl = pki.makeCrl(intNoCrlSign);
  });

  after(() => pki.cleanup());

  it('parses an openssl ca -gencrl CRL', () => {
    const crl = parseCrl(goodCrl.crlDer);
    const int = cert(intGood);
    assert.deepEqual(crl.issuer, int.subject);
    assert.deepEqual(crl.crlNumber, Uint8Array.of(2)); // the second CRL this CA issued
    assert.deepEqual(crl.authorityKeyIdentifier, int.subjectKeyId);
    assert.equal(crl.issuingDistributionPoint, null);
    assert.equal(crl.revokedCount, 1);
    assert.ok(Math.abs(crl.thisUpdate - (NOW - 3600_000)) < 120_000, 'thisUpdate is an hour ago (before() may take a while under load)');
    assert.ok(Math.abs(crl.nextUpdate - (NOW + 30 * DAY)) < 120_000, 'nextUpdate is in 30 days');
    const entry = crl.findSerial(cert(leafRevoked).serial);
    assert.ok(entry !== null);
    assert.equal(entry.reason, RevocationReason.KeyCompromise);
    assert.ok(Math.abs(entry.revocationDate - NOW) < 60_000);
    assert.equal(entry.invalidityDate, null);
    assert.equal(crl.findSerial(cert(leafGood).serial), null);
    // The parsed CRL owns its bytes.
    const copy = goodCrl.crlDer.slice();
    const parsed = parseCrl(copy);
    copy.fill(0);
    assert.deepEqual(parsed.der, goodCrl.crlDer);
  });

  it('parses X509 CRL PEM blocks and skips other blocks', () => {
    const crls = parseCrlsFromPem(root.certPem + goodCrl.crlPem + '\n' + rootCrl.crlPem);
    assert.equal(crls.length, 2);
    assert.deepEqual(crls[0]!.der, goodCrl.crlDer);
    assert.deepEqual(crls[1]!.der, rootCrl.crlDer);
    assert.deepEqual(parseCrlsFromPem('no pem here'), []);
    expectCode(() => parseCrlsFromPem('-----BEGIN X509 CRL-----\nAAA*\n-----END X509 CRL-----\n'), 'ERR_TLS_CERT_CRL_INVALID');
  });

  it('rejects a revoked end-entity with certificate_revoked and the reason', () => {
    const c = checker([goodCrl]);
    assert.throws(() => c.check(cert(leafRevoked), issuerOf(intGood), 0, NOW), (e: unknown) => {
      assert.ok(isTlsError(e));
      assert.equal(e.code, 'ERR_TLS_CERT_REVOKED');
      assert.equal(e.alert, AlertDescription.CertificateRevoked);
      assert.match(e.message, /keyCompromise/);
      assert.match(e.message, /revoked\.test/);
      return true;
    });
    c.check(cert(leafGood), issuerOf(intGood), 0, NOW);
  });

  it('accepts parsed CRLs as well as DER', () => {
    const c = createCrlChecker({ crls: [parseCrl(goodCrl.crlDer)], signatures });
    expectCode(() => c.check(cert(leafRevoked), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOKED');
  });

  it('uses the newest authoritative CRL', () => {
    const c = checker([oldGoodCrl, goodCrl]);
    expectCode(() => c.check(cert(leafRevoked), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOKED');
    checker([oldGoodCrl]).check(cert(leafRevoked), issuerOf(intGood), 0, NOW);
  });

  it('enforces or ignores nextUpdate per the expiration policy', () => {
    expectCode(() => checker([expiredCrl], { expiration: 'enforce' }).check(cert(leafGood), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_CRL_EXPIRED', /nextUpdate/);
    checker([expiredCrl], { expiration: 'ignore' }).check(cert(leafGood), issuerOf(intGood), 0, NOW);
    checker([expiredCrl]).check(cert(leafGood), issuerOf(intGood), 0, NOW); // rustls-webpki default: ignore
    // nextUpdate itself is already expired (rustls-webpki: time >= nextUpdate).
    const crl = parseCrl(goodCrl.crlDer);
    const enforce = createCrlChecker({ crls: [crl], signatures, expiration: 'enforce' });
    enforce.check(cert(leafGood), issuerOf(intGood), 0, crl.nextUpdate - 1000);
    expectCode(() => enforce.check(cert(leafGood), issuerOf(intGood), 0, crl.nextUpdate), 'ERR_TLS_CERT_CRL_EXPIRED');
    const alert = (() => {
      try { enforce.check(cert(leafGood), issuerOf(intGood), 0, crl.nextUpdate); } catch (e) { return isTlsError(e) ? e.alert : null; }
      return null;
    })();
    assert.equal(alert, AlertDescription.CertificateUnknown);
  });

  it('handles a certificate no CRL covers per the unknownStatus policy', () => {
    // rootCrl is from the root, not from intGood.
    expectCode(() => checker([rootCrl]).check(cert(leafGood), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOCATION_UNKNOWN', /Good Intermediate/);
    expectCode(() => checker([rootCrl], { unknownStatus: 'deny' }).check(cert(leafGood), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOCATION_UNKNOWN');
    checker([rootCrl], { unknownStatus: 'allow' }).check(cert(leafGood), issuerOf(intGood), 0, NOW);
  });

  it("checks intermediates with depth 'chain' only", () => {
    const intCert = cert(intRevoked);
    expectCode(() => checker([rootCrl]).check(intCert, issuerOf(root), 1, NOW), 'ERR_TLS_CERT_REVOKED', /cACompromise/);
    expectCode(() => checker([rootCrl], { depth: 'chain' }).check(intCert, issuerOf(root), 1, NOW), 'ERR_TLS_CERT_REVOKED');
    checker([rootCrl], { depth: 'end-entity' }).check(intCert, issuerOf(root), 1, NOW);
    // The end-entity is still checked with depth 'end-entity'.
    expectCode(() => checker([goodCrl], { depth: 'end-entity' }).check(cert(leafRevoked), issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOKED');
    // A good intermediate under the same root passes.
    checker([rootCrl]).check(cert(intGood), issuerOf(root), 1, NOW);
  });

  it('rejects a CRL signed by another key with the same issuer name', () => {
    expectCode(() => checker([impostorCrl]).check(cert(intGood), issuerOf(root), 1, NOW), 'ERR_TLS_CERT_CRL_INVALID', /signature/);
    // The wrong-key CRL is skipped when the issuer's own CRL is present too (key rollover).
    expectCode(() => checker([impostorCrl, rootCrl]).check(cert(intRevoked), issuerOf(root), 1, NOW), 'ERR_TLS_CERT_REVOKED');
    checker([impostorCrl, rootCrl]).check(cert(intGood), issuerOf(root), 1, NOW);
    // And the impostor's CRL is fine for the impostor.
    const impostorChild = cert(pki.makeCertificate({ issuer: rootImpostor, keyType: 'ed25519', sans: ['DNS:i.test'] }));
    checker([impostorCrl, rootCrl]).check(impostorChild, issuerOf(rootImpostor), 0, NOW);
  });

  it('requires cRLSign in the issuer keyUsage when keyUsage is present', () => {
    expectCode(() => checker([noCrlSignCrl]).check(cert(leafUnderNoCrlSign), issuerOf(intNoCrlSign), 0, NOW), 'ERR_TLS_CERT_KEY_USAGE', /cRLSign/);
    // Absent keyUsage means any usage (rustls-webpki).
    const issuer = { ...issuerOf(intNoCrlSign), keyUsage: null };
    checker([noCrlSignCrl]).check(cert(leafUnderNoCrlSign), issuer, 0, NOW);
  });

  it('refuses an empty CRL list and malformed CRLs at creation', () => {
    expectCode(() => createCrlChecker({ crls: [], signatures }), 'ERR_TLS_CONFIG');
    expectCode(() => createCrlChecker({ crls: [goodCrl.crlDer.subarray(0, 40)], signatures }), 'ERR_TLS_CERT_CRL_INVALID');
  });

  describe('issuingDistributionPoint scope (rustls-webpki authoritative())', () => {
    let userOnly: CertRevocationList;
    let caOnly: CertRevocationList;
    let matchingUri: CertRevocationList;
    let otherUri: CertRevocationList;
    before(() => {
      const idp = (lines: string[]): CertRevocationList => parseCrl(pki.makeCrl(intGood, {
        extensions: ['issuingDistributionPoint = critical, @idp'], extraSections: ['[idp]', ...lines],
      }).crlDer);
      userOnly = idp(['fullname = URI:http://crl.test/good.crl', 'onlyuser = TRUE']);
      caOnly = idp(['fullname = URI:http://crl.test/good.crl', 'onlyCA = TRUE']);
      matchingUri = idp(['fullname = URI:http://crl.test/good.crl']);
      otherUri = idp(['fullname = URI:http://crl.test/other.crl']);
    });

    it('parses the IDP', () => {
      assert.equal(userOnly.issuingDistributionPoint?.onlyContainsUserCerts, true);
      assert.equal(caOnly.issuingDistributionPoint?.onlyContainsCaCerts, true);
      assert.deepEqual(matchingUri.issuingDistributionPoint?.fullNameUris.map((u) => Buffer.from(u).toString('latin1')), ['http://crl.test/good.crl']);
    });

    it('scopes by role and by distribution point URI', () => {
      const leaf = cert(leafGood);
      const withDp = cert(leafWithDp);
      assert.equal(isAuthoritative(userOnly, leaf, 0), true);
      assert.equal(isAuthoritative(userOnly, leaf, 1), false);
      assert.equal(isAuthoritative(caOnly, leaf, 0), false);
      assert.equal(isAuthoritative(caOnly, leaf, 1), true);
      // A certificate without cRLDistributionPoints: any IDP in scope covers it.
      assert.equal(isAuthoritative(otherUri, leaf, 0), true);
      // With cRLDistributionPoints, one URI must match.
      assert.equal(isAuthoritative(matchingUri, withDp, 0), true);
      assert.equal(isAuthoritative(otherUri, withDp, 0), false);
      // Issuer must match regardless.
      assert.equal(isAuthoritative(parseCrl(rootCrl.crlDer), leaf, 0), false);
      // Through the checker: only a non-authoritative CRL means unknown status.
      expectCode(() => createCrlChecker({ crls: [otherUri], signatures }).check(withDp, issuerOf(intGood), 0, NOW), 'ERR_TLS_CERT_REVOCATION_UNKNOWN');
      createCrlChecker({ crls: [matchingUri], signatures }).check(withDp, issuerOf(intGood), 0, NOW);
    });
  });
});
