// Differential table: each chain is verified by webpki (verifyCertificateChain) and by
// `openssl verify -x509_strict` with the matching flags, and both verdicts are asserted.
// Where the two legitimately differ the case says so (`openssl` verdict plus `why`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isTlsError, type TlsErrorCode } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createCrlChecker } from '../../src/webpki/revocation.ts';
import { verifyCertificateChain } from '../../src/webpki/verifiers.ts';
import { OpenSslPki, type CertificateAuthority, type CrlMaterial, type IssuedCertificate } from '../helpers/pki-openssl.ts';

const NOW = Math.floor(Date.now() / 1000) * 1000;
const DAY = 86400_000;

interface Case {
  readonly name: string;
  readonly leaf: IssuedCertificate;
  /** Certificates given as untrusted (intermediates), any order. */
  readonly chain: readonly IssuedCertificate[];
  readonly roots: readonly IssuedCertificate[];
  readonly host?: string;
  readonly purpose?: 'server' | 'client';
  /** 'leaf' = -crl_check (depth end-entity), 'all' = -crl_check_all (depth chain). */
  readonly crlCheck?: 'leaf' | 'all';
  readonly crls?: readonly CrlMaterial[];
  readonly time?: number;
  /** Trust a non-self-signed anchor (openssl -partial_chain; webpki anchors are always data). */
  readonly partialChain?: boolean;
  /** Our verdict: 'ok' or the error code. */
  readonly expect: 'ok' | TlsErrorCode;
  /** OpenSSL's verdict when it legitimately differs from ours, with the reason. */
  readonly openssl?: { readonly verdict: 'ok' | 'fail'; readonly why: string };
}

const isIp = (h: string): boolean => /^[0-9.]+$/.test(h) || h.includes(':');

function ours(c: Case): 'ok' | TlsErrorCode {
  try {
    verifyCertificateChain({
      endEntity: c.leaf.certDer,
      intermediates: c.chain.map((x) => x.certDer),
      roots: c.roots.map((x) => x.certDer),
      signatures: nodeCryptoProvider.signatures,
      now: c.time ?? NOW,
      usage: c.purpose ?? 'server',
      ...(c.host !== undefined ? { serverName: c.host } : {}),
      ...(c.crlCheck !== undefined ? {
        revocation: createCrlChecker({
          crls: (c.crls ?? []).map((x) => x.crlDer), signatures: nodeCryptoProvider.signatures,
          // OpenSSL: a missing CRL is an error, an expired one too.
          depth: c.crlCheck === 'all' ? 'chain' : 'end-entity', unknownStatus: 'deny', expiration: 'enforce',
        }),
      } : {}),
    });
    return 'ok';
  } catch (e) {
    if (!isTlsError(e)) throw e;
    if (process.env['DEBUG_VERIFY'] !== undefined) console.error(c.name, e.message);
    return e.code;
  }
}

function openssl(pki: OpenSslPki, c: Case, i: number): { verdict: 'ok' | 'fail'; output: string } {
  const args = ['verify', '-x509_strict', '-purpose', c.purpose === 'client' ? 'sslclient' : 'sslserver',
    '-attime', String(Math.floor((c.time ?? NOW) / 1000)), '-no-CApath', '-no-CAstore',
    '-CAfile', pki.bundle(`case-${i}-roots.pem`, c.roots.map((x) => x.certPem))];
  if (c.chain.length > 0) args.push('-untrusted', pki.bundle(`case-${i}-chain.pem`, c.chain.map((x) => x.certPem)));
  if (c.host !== undefined) args.push(isIp(c.host) ? '-verify_ip' : '-verify_hostname', c.host);
  if (c.crlCheck !== undefined) {
    args.push(c.crlCheck === 'all' ? '-crl_check_all' : '-crl_check');
    if (c.crls !== undefined && c.crls.length > 0) args.push('-CRLfile', pki.bundle(`case-${i}-crls.pem`, c.crls.map((x) => x.crlPem)));
  }
  if (c.partialChain === true) args.push('-partial_chain');
  args.push(c.leaf.certPath);
  const r = spawnSync('openssl', args, { cwd: pki.dir, encoding: 'utf8' });
  if (r.error !== undefined) throw r.error;
  return { verdict: r.status === 0 ? 'ok' : 'fail', output: `${r.stdout}${r.stderr}`.trim() };
}

describe('webpki vs openssl verify', () => {
  const pki = OpenSslPki.create();
  const cases: Case[] = [];
  after(() => pki.cleanup());

  before(() => {
    const rsaRoot = pki.makeCa({ name: 'RSA Root', keyType: 'rsa2048' });
    const p256Root = pki.makeCa({ name: 'P-256 Root', keyType: 'ecdsa-p256' });
    const p384Root = pki.makeCa({ name: 'P-384 Root', keyType: 'ecdsa-p384' });
    const edRoot = pki.makeCa({ name: 'Ed25519 Root', keyType: 'ed25519' });
    const otherRoot = pki.makeCa({ name: 'Untrusted Root', keyType: 'ecdsa-p256' });
    const rsaInt = pki.makeCa({ name: 'RSA Intermediate', keyType: 'rsa2048', issuer: rsaRoot, md: 'sha512' });
    const p256Int = pki.makeCa({ name: 'P-256 Intermediate', keyType: 'ecdsa-p256', issuer: rsaRoot });
    const p384Int = pki.makeCa({ name: 'P-384 Intermediate', keyType: 'ecdsa-p384', issuer: p384Root });
    const edInt = pki.makeCa({ name: 'Ed25519 Intermediate', keyType: 'ed25519', issuer: edRoot });
    const otherInt = pki.makeCa({ name: 'Other Intermediate', keyType: 'ecdsa-p256', issuer: otherRoot });
    const ncDns = pki.makeCa({ name: 'NC DNS Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, nameConstraints: 'permitted;DNS:example.com,excluded;DNS:bad.example.com' });
    const ncIp = pki.makeCa({ name: 'NC IP Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, nameConstraints: 'permitted;IP:192.168.0.0/255.255.0.0,permitted;IP:fd00::/ffff::,excluded;IP:192.168.66.0/255.255.255.0' });
    const pathLen0 = pki.makeCa({ name: 'PathLen0 Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, pathLen: 0 });
    const belowPathLen0 = pki.makeCa({ name: 'Below PathLen0', keyType: 'ecdsa-p256', issuer: pathLen0 });
    const expiredInt = pki.makeCa({ name: 'Expired Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, notBefore: new Date(NOW - 400 * DAY), notAfter: new Date(NOW - 30 * DAY) });
    const noCertSign = pki.makeCa({ name: 'No keyCertSign Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, keyUsage: 'digitalSignature,cRLSign' });
    const notCa = pki.makeCa({ name: 'Not a CA', keyType: 'ecdsa-p256', issuer: p256Root, basicConstraints: 'critical,CA:false', keyUsage: 'digitalSignature,keyCertSign' });
    const clientOnlyInt = pki.makeCa({ name: 'Client-only Intermediate', keyType: 'ecdsa-p256', issuer: p256Root, eku: ['clientAuth'] });
    const p384Sha256 = pki.makeCa({ name: 'P-384 SHA-256 Intermediate', keyType: 'ecdsa-p384', issuer: p384Root, md: 'sha256' });
    const crlInt = pki.makeCa({ name: 'CRL Intermediate', keyType: 'ecdsa-p256', issuer: p256Root });
    const revokedInt = pki.makeCa({ name: 'Revoked Intermediate', keyType: 'ecdsa-p256', issuer: p256Root });
    // A chain of 7 intermediates: rustls-webpki allows at most 6.
    const deep: CertificateAuthority[] = [];
    for (let i = 0; i < 7; i++) deep.push(pki.makeCa({ name: `Deep ${i}`, keyType: 'ecdsa-p256', issuer: deep[i - 1] ?? p256Root }));

    let n = 0;
    const leaf = (issuer: CertificateAuthority, sans: string[], extra: Partial<Parameters<OpenSslPki['makeCertificate']>[0]> = {}): IssuedCertificate =>
      pki.makeCertificate({ issuer, keyType: 'ecdsa-p256', sans, name: `Leaf ${++n}`, ...extra });

    const rsaLeaf = leaf(rsaInt, ['DNS:rsa.example.com'], { keyType: 'rsa2048' });
    const p256Leaf = leaf(p256Int, ['DNS:www.example.com', 'DNS:example.com']);
    const p384Leaf = leaf(p384Int, ['DNS:p384.example.net'], { keyType: 'ecdsa-p384' });
    const edLeaf = leaf(edInt, ['DNS:ed.example.org'], { keyType: 'ed25519' });
    const wildcard = leaf(p256Int, ['DNS:*.wild.example.com']);
    const ipLeaf = leaf(p256Int, ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost']);
    const clientLeaf = leaf(p256Int, ['DNS:client.example.com'], { eku: ['clientAuth'] });
    const noEkuLeaf = leaf(p256Int, ['DNS:noeku.example.com'], { eku: [] });
    const expiredLeaf = leaf(p256Int, ['DNS:expired.example.com'], { notBefore: new Date(NOW - 400 * DAY), notAfter: new Date(NOW - DAY) });
    const futureLeaf = leaf(p256Int, ['DNS:future.example.com'], { notBefore: new Date(NOW + DAY), notAfter: new Date(NOW + 400 * DAY) });
    const cnOnly = pki.makeCertificate({ issuer: p256Int, keyType: 'ecdsa-p256', name: 'cn-only.example.com' });
    const critUnknown = leaf(p256Int, ['DNS:crit.example.com'], { extraExtensions: ['1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:x'] });
    const ncGood = leaf(ncDns, ['DNS:a.example.com']);
    const ncOutside = leaf(ncDns, ['DNS:a.example.org']);
    const ncExcluded = leaf(ncDns, ['DNS:x.bad.example.com']);
    const ncIpGood = leaf(ncIp, ['IP:192.168.1.10']);
    const ncIpExcluded = leaf(ncIp, ['IP:192.168.66.7']);
    const ncIpOutside = leaf(ncIp, ['IP:10.1.2.3']);
    const ncIp6Good = leaf(ncIp, ['IP:fd00::1']);
    const ncIp6Outside = leaf(ncIp, ['IP:2001:db8::1']);
    const belowPathLenLeaf = leaf(belowPathLen0, ['DNS:deep.example.com']);
    const pathLen0Leaf = leaf(pathLen0, ['DNS:ok.example.com']);
    const underExpired = leaf(expiredInt, ['DNS:e.example.com'], { notBefore: new Date(NOW - 300 * DAY), notAfter: new Date(NOW + 300 * DAY) });
    const underNoCertSign = leaf(noCertSign, ['DNS:k.example.com']);
    const underNotCa = leaf(notCa, ['DNS:n.example.com']);
    const underClientOnly = leaf(clientOnlyInt, ['DNS:c.example.com']);
    const underP384Sha256 = leaf(p384Sha256, ['DNS:h.example.com']);
    const deepLeaf = leaf(deep[6]!, ['DNS:seven.example.com']);
    const otherLeaf = leaf(otherInt, ['DNS:www.example.com']);
    const crlLeafRevoked = leaf(crlInt, ['DNS:revoked.example.com']);
    const crlLeafGood = leaf(crlInt, ['DNS:good.example.com']);
    const underRevokedInt = leaf(revokedInt, ['DNS:r.example.com']);
    pki.revoke(crlLeafRevoked, 'keyCompromise');
    pki.revoke(revokedInt, 'CACompromise');
    const crlIntCrl = pki.makeCrl(crlInt);
    const revokedIntCrl = pki.makeCrl(revokedInt);
    const rootCrl = pki.makeCrl(p256Root);
    const expiredCrl = pki.makeCrl(crlInt, { lastUpdate: new Date(NOW - 10 * DAY), nextUpdate: new Date(NOW - DAY) });

    const cnFallback = 'OpenSSL falls back to the subject CN when there is no DNS SAN; webpki (like rustls-webpki and the CA/B Forum) never does';
    cases.push(
      // Algorithms.
      { name: 'RSA-2048 root > RSA (SHA-512) intermediate > RSA leaf', leaf: rsaLeaf, chain: [rsaInt], roots: [rsaRoot], host: 'rsa.example.com', expect: 'ok' },
      { name: 'RSA root > P-256 intermediate > P-256 leaf', leaf: p256Leaf, chain: [p256Int], roots: [rsaRoot], host: 'www.example.com', expect: 'ok' },
      { name: 'P-384 chain', leaf: p384Leaf, chain: [p384Int], roots: [p384Root], host: 'p384.example.net', expect: 'ok' },
      { name: 'Ed25519 chain', leaf: edLeaf, chain: [edInt], roots: [edRoot], host: 'ed.example.org', expect: 'ok' },
      // RFC 5758 does not tie the hash to the curve; rustls-webpki accepts ECDSA_P384_SHA256 too.
      { name: 'P-384 issuer signing with ecdsa-with-SHA256', leaf: underP384Sha256, chain: [p384Sha256], roots: [p384Root], expect: 'ok' },
      // Path building.
      { name: 'intermediate missing', leaf: p256Leaf, chain: [], roots: [rsaRoot], expect: 'ERR_TLS_CERT_UNKNOWN_ISSUER' },
      { name: 'root not trusted', leaf: otherLeaf, chain: [otherInt], roots: [rsaRoot, p256Root], expect: 'ERR_TLS_CERT_UNKNOWN_ISSUER' },
      { name: 'decoy intermediates in any order', leaf: p256Leaf, chain: [otherInt, edInt, p256Int, rsaInt], roots: [rsaRoot], host: 'example.com', expect: 'ok' },
      { name: 'intermediate as trust anchor (partial chain)', leaf: p256Leaf, chain: [], roots: [p256Int], partialChain: true, expect: 'ok' },
      { name: 'pathlen:0 CA issuing a leaf', leaf: pathLen0Leaf, chain: [pathLen0], roots: [p256Root], expect: 'ok' },
      { name: 'pathlen:0 CA issuing a CA', leaf: belowPathLenLeaf, chain: [pathLen0, belowPathLen0], roots: [p256Root], expect: 'ERR_TLS_CERT_PATH_LEN_EXCEEDED' },
      {
        name: 'seven intermediates', leaf: deepLeaf, chain: deep, roots: [p256Root], expect: 'ERR_TLS_CERT_PATH_LEN_EXCEEDED',
        openssl: { verdict: 'ok', why: 'rustls-webpki caps paths at 6 intermediates (MAX_SUB_CA_COUNT); OpenSSL allows depth 100' },
      },
      { name: 'CA without keyCertSign', leaf: underNoCertSign, chain: [noCertSign], roots: [p256Root], expect: 'ERR_TLS_CERT_KEY_USAGE' },
      { name: 'issuer with cA false', leaf: underNotCa, chain: [notCa], roots: [p256Root], expect: 'ERR_TLS_CERT_END_ENTITY_USED_AS_CA' },
      { name: 'unknown critical extension in the leaf', leaf: critUnknown, chain: [p256Int], roots: [rsaRoot], expect: 'ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION' },
      // Time.
      { name: 'expired leaf', leaf: expiredLeaf, chain: [p256Int], roots: [rsaRoot], expect: 'ERR_TLS_CERT_EXPIRED' },
      { name: 'not yet valid leaf', leaf: futureLeaf, chain: [p256Int], roots: [rsaRoot], expect: 'ERR_TLS_CERT_NOT_VALID_YET' },
      { name: 'not yet valid leaf, checked two days later', leaf: futureLeaf, chain: [p256Int], roots: [rsaRoot], time: NOW + 2 * DAY, expect: 'ok' },
      { name: 'expired intermediate', leaf: underExpired, chain: [expiredInt], roots: [p256Root], expect: 'ERR_TLS_CERT_EXPIRED' },
      // Names.
      { name: 'DNS name, second SAN', leaf: p256Leaf, chain: [p256Int], roots: [rsaRoot], host: 'example.com', expect: 'ok' },
      { name: 'wrong DNS name', leaf: p256Leaf, chain: [p256Int], roots: [rsaRoot], host: 'mail.example.com', expect: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' },
      { name: 'wildcard matches one label', leaf: wildcard, chain: [p256Int], roots: [rsaRoot], host: 'a.wild.example.com', expect: 'ok' },
      { name: 'wildcard does not match two labels', leaf: wildcard, chain: [p256Int], roots: [rsaRoot], host: 'a.b.wild.example.com', expect: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' },
      { name: 'wildcard does not match the bare domain', leaf: wildcard, chain: [p256Int], roots: [rsaRoot], host: 'wild.example.com', expect: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' },
      { name: 'IPv4 SAN', leaf: ipLeaf, chain: [p256Int], roots: [rsaRoot], host: '127.0.0.1', expect: 'ok' },
      { name: 'IPv6 SAN', leaf: ipLeaf, chain: [p256Int], roots: [rsaRoot], host: '::1', expect: 'ok' },
      { name: 'IPv4 not in SANs', leaf: ipLeaf, chain: [p256Int], roots: [rsaRoot], host: '127.0.0.2', expect: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME' },
      { name: 'CN-only certificate, name in CN', leaf: cnOnly, chain: [p256Int], roots: [rsaRoot], host: 'cn-only.example.com', expect: 'ERR_TLS_CERT_NOT_VALID_FOR_NAME', openssl: { verdict: 'ok', why: cnFallback } },
      // Name constraints.
      { name: 'NC: permitted DNS subtree', leaf: ncGood, chain: [ncDns], roots: [p256Root], host: 'a.example.com', expect: 'ok' },
      { name: 'NC: DNS outside permitted', leaf: ncOutside, chain: [ncDns], roots: [p256Root], expect: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' },
      { name: 'NC: DNS in excluded', leaf: ncExcluded, chain: [ncDns], roots: [p256Root], expect: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' },
      { name: 'NC: IPv4 permitted', leaf: ncIpGood, chain: [ncIp], roots: [p256Root], host: '192.168.1.10', expect: 'ok' },
      { name: 'NC: IPv4 excluded', leaf: ncIpExcluded, chain: [ncIp], roots: [p256Root], expect: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' },
      { name: 'NC: IPv4 outside permitted', leaf: ncIpOutside, chain: [ncIp], roots: [p256Root], expect: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' },
      { name: 'NC: IPv6 permitted', leaf: ncIp6Good, chain: [ncIp], roots: [p256Root], host: 'fd00::1', expect: 'ok' },
      { name: 'NC: IPv6 outside permitted', leaf: ncIp6Outside, chain: [ncIp], roots: [p256Root], expect: 'ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION' },
      // Purpose (EKU).
      { name: 'clientAuth-only leaf as server', leaf: clientLeaf, chain: [p256Int], roots: [rsaRoot], purpose: 'server', expect: 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND' },
      { name: 'clientAuth-only leaf as client', leaf: clientLeaf, chain: [p256Int], roots: [rsaRoot], purpose: 'client', expect: 'ok' },
      { name: 'leaf without EKU as server', leaf: noEkuLeaf, chain: [p256Int], roots: [rsaRoot], purpose: 'server', expect: 'ok' },
      { name: 'serverAuth leaf under a clientAuth-only intermediate', leaf: underClientOnly, chain: [clientOnlyInt], roots: [p256Root], purpose: 'server', expect: 'ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND' },
      // Revocation.
      { name: 'CRL: leaf revoked (-crl_check)', leaf: crlLeafRevoked, chain: [crlInt], roots: [p256Root], crlCheck: 'leaf', crls: [crlIntCrl], expect: 'ERR_TLS_CERT_REVOKED' },
      { name: 'CRL: leaf not revoked (-crl_check)', leaf: crlLeafGood, chain: [crlInt], roots: [p256Root], crlCheck: 'leaf', crls: [crlIntCrl], expect: 'ok' },
      { name: 'CRL: no CRL for the leaf issuer', leaf: crlLeafGood, chain: [crlInt], roots: [p256Root], crlCheck: 'leaf', crls: [rootCrl], expect: 'ERR_TLS_CERT_REVOCATION_UNKNOWN' },
      { name: 'CRL: expired CRL', leaf: crlLeafGood, chain: [crlInt], roots: [p256Root], crlCheck: 'leaf', crls: [expiredCrl], expect: 'ERR_TLS_CERT_CRL_EXPIRED' },
      { name: 'CRL: revoked intermediate, leaf-only check', leaf: underRevokedInt, chain: [revokedInt], roots: [p256Root], crlCheck: 'leaf', crls: [revokedIntCrl, rootCrl], expect: 'ok' },
      { name: 'CRL: revoked intermediate (-crl_check_all)', leaf: underRevokedInt, chain: [revokedInt], roots: [p256Root], crlCheck: 'all', crls: [revokedIntCrl, rootCrl], expect: 'ERR_TLS_CERT_REVOKED' },
      { name: 'CRL: whole chain good (-crl_check_all)', leaf: crlLeafGood, chain: [crlInt], roots: [p256Root], crlCheck: 'all', crls: [crlIntCrl, rootCrl], expect: 'ok' },
      { name: 'CRL: intermediate CRL missing (-crl_check_all)', leaf: crlLeafGood, chain: [crlInt], roots: [p256Root], crlCheck: 'all', crls: [crlIntCrl], expect: 'ERR_TLS_CERT_REVOCATION_UNKNOWN' },
    );
  });

  it('has at least 30 chains', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
  });

  it('gives the same verdict as openssl verify', () => {
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const got = ours(c);
      const theirs = openssl(pki, c, i);
      const wantOpenssl = c.openssl?.verdict ?? (c.expect === 'ok' ? 'ok' : 'fail');
      if (got !== c.expect) mismatches.push(`#${i} ${c.name}: webpki gave ${got}, expected ${c.expect}`);
      if (theirs.verdict !== wantOpenssl) mismatches.push(`#${i} ${c.name}: openssl gave ${theirs.verdict}, expected ${wantOpenssl}: ${theirs.output}`);
    });
    assert.deepEqual(mismatches, []);
  });
});
