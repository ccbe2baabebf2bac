/**
 * CRL-based revocation checking (RFC 5280 §6.3) with rustls-webpki's knobs
 * (`RevocationOptionsBuilder`): how deep to check, what an unknown status means, and whether a
 * CRL past its nextUpdate counts. Path building calls the checker once per certificate of a
 * candidate path (see `revocation-api.ts`).
 */
import { TlsCertificateError, TlsError } from '../core/errors.ts';
import type { SignatureVerifier } from '../core/crypto/provider.ts';
import { toHex } from '../core/util.ts';
import { KeyUsageBit, nameToString, parseSpki, type Certificate, type PublicKeyInfo } from './certificate.ts';
import { parseCrl, readDistributionPointName, revocationReasonName, type CertRevocationList } from './crl.ts';
import { DerReader, Tag, bytesEqual, contextConstructed, contextPrimitive } from './der.ts';
import type { RevocationChecker, RevocationIssuer } from './revocation-api.ts';
import { verifySignedData } from './signature-algorithms.ts';

/** How much of a path is checked (rustls-webpki `RevocationCheckDepth`). */
export type RevocationCheckDepth = 'end-entity' | 'chain';
/** What to do when no CRL covers a certificate (rustls-webpki `UnknownStatusPolicy`). */
export type UnknownStatusPolicy = 'allow' | 'deny';
/** Whether a CRL past its nextUpdate is an error (rustls-webpki `ExpirationPolicy`). */
export type ExpirationPolicy = 'enforce' | 'ignore';

export interface CrlCheckerOptions {
  /** The CRLs, DER or already parsed; at least one. */
  readonly crls: readonly (Uint8Array | CertRevocationList)[];
  /** Verifies CRL signatures with the issuer's key (the provider's `signatures`). */
  readonly signatures: SignatureVerifier;
  /** Default `'chain'` (end-entity and intermediates), as rustls-webpki. */
  readonly depth?: RevocationCheckDepth;
  /** Default `'deny'`: a certificate no CRL covers fails with ERR_TLS_CERT_REVOCATION_UNKNOWN. */
  readonly unknownStatus?: UnknownStatusPolicy;
  /** Default `'ignore'`, as rustls-webpki; `'enforce'` fails with ERR_TLS_CERT_CRL_EXPIRED. */
  readonly expiration?: ExpirationPolicy;
}

/**
 * Creates a `RevocationChecker` over fixed CRLs.
 *
 * For each certificate checked (all of the path, or only the end-entity for depth
 * `'end-entity'`) it picks the CRLs that are authoritative for it (same issuer Name, and an
 * issuingDistributionPoint whose scope and URIs cover the certificate, as rustls-webpki), keeps
 * those whose signature verifies with the issuer's key, and uses the newest (latest
 * thisUpdate). Then: nextUpdate against the time (when enforced), the issuer's keyUsage must
 * include cRLSign when present (RFC 5280 §4.2.1.3), and the serial must not be listed.
 *
 * Unlike rustls-webpki, which uses the first authoritative CRL and fails if its signature is
 * bad, a CRL of a same-named CA with another key is skipped, so CA key rollover works.
 *
 * @throws (from `check`) ERR_TLS_CERT_REVOKED (the reason in the message),
 *   ERR_TLS_CERT_REVOCATION_UNKNOWN, ERR_TLS_CERT_CRL_EXPIRED, ERR_TLS_CERT_CRL_INVALID (no
 *   authoritative CRL has a valid signature), ERR_TLS_CERT_KEY_USAGE (issuer may not sign CRLs).
 * @throws (at creation) ERR_TLS_CERT_CRL_INVALID for a malformed CRL, ERR_TLS_CONFIG for none.
 * @example
 * const revocation = createCrlChecker({ crls: [crlDer], signatures: provider.signatures, expiration: 'enforce' });
 */
export function createCrlChecker(options: CrlCheckerOptions): RevocationChecker {
  if (options.crls.length === 0) throw new TlsError('ERR_TLS_CONFIG', 'createCrlChecker: no CRLs given, expected at least one');
  const crls = options.crls.map((c) => (c instanceof Uint8Array ? parseCrl(c) : c));
  return new CrlChecker(crls, options.signatures, options.depth ?? 'chain', options.unknownStatus ?? 'deny', options.expiration ?? 'ignore');
}

class CrlChecker implements RevocationChecker {
  private readonly crls: readonly CertRevocationList[];
  private readonly signatures: SignatureVerifier;
  private readonly depth: RevocationCheckDepth;
  private readonly unknownStatus: UnknownStatusPolicy;
  private readonly expiration: ExpirationPolicy;
  // CRL -> hex SPKIs its signature verified with: a CRL's signature is checked once per key,
  // not once per certificate and path (rustls-webpki issue #81).
  private readonly verified: WeakMap<CertRevocationList, Set<string>>;

  constructor(crls: readonly CertRevocationList[], signatures: SignatureVerifier, depth: RevocationCheckDepth, unknownStatus: UnknownStatusPolicy, expiration: ExpirationPolicy) {
    this.crls = crls;
    this.signatures = signatures;
    this.depth = depth;
    this.unknownStatus = unknownStatus;
    this.expiration = expiration;
    this.verified = new WeakMap();
  }

  check(cert: Certificate, issuer: RevocationIssuer, depth: number, now: number): void {
    if (this.depth === 'end-entity' && depth > 0) return;
    let authoritative = 0;
    let best: CertRevocationList | null = null;
    let lastFailure: unknown = null;
    let issuerKey: PublicKeyInfo | null = null;
    for (const crl of this.crls) {
      if (!isAuthoritative(crl, cert, depth)) continue;
      authoritative++;
      try {
        issuerKey ??= issuer.certificate?.publicKey ?? parseSpki(issuer.spki);
        this.verifySignature(crl, issuer.spki, issuerKey);
      } catch (e) {
        lastFailure = e;
        continue;
      }
      if (best === null || crl.thisUpdate > best.thisUpdate) best = crl;
    }
    const subject = nameToString(cert.subject);
    if (best === null) {
      if (authoritative > 0) {
        const why = lastFailure instanceof Error ? lastFailure.message : String(lastFailure);
        throw new TlsCertificateError('ERR_TLS_CERT_CRL_INVALID', `CRL for ${subject} from ${nameToString(cert.issuer)} not usable: ${authoritative === 1 ? 'its signature' : `none of ${authoritative} CRL signatures`} verified with the issuer's key (${why})`, { cause: lastFailure });
      }
      if (this.unknownStatus === 'allow') return;
      throw new TlsCertificateError('ERR_TLS_CERT_REVOCATION_UNKNOWN', `revocation status of ${subject} unknown: no CRL from ${nameToString(cert.issuer)} covers it, expected one (unknownStatus 'deny')`);
    }
    // rustls-webpki: time >= nextUpdate is expired.
    if (this.expiration === 'enforce' && now >= best.nextUpdate) {
      throw new TlsCertificateError('ERR_TLS_CERT_CRL_EXPIRED', `CRL from ${nameToString(best.issuer)} expired: nextUpdate ${isoTime(best.nextUpdate)}, verification time ${isoTime(now)}`);
    }
    // RFC 5280 §4.2.1.3: a CRL signer's keyUsage, when present, asserts cRLSign.
    if (issuer.keyUsage !== null && (issuer.keyUsage & KeyUsageBit.CrlSign) === 0) {
      throw new TlsCertificateError('ERR_TLS_CERT_KEY_USAGE', `issuer ${nameToString(issuer.subject)} keyUsage lacks cRLSign, expected it to sign CRLs`);
    }
    const entry = best.findSerial(cert.serial);
    if (entry === null) return;
    const reason = entry.reason === null ? 'no reason given' : revocationReasonName(entry.reason);
    throw new TlsCertificateError('ERR_TLS_CERT_REVOKED', `certificate ${subject} (serial ${toHex(cert.serial)}) was revoked on ${isoTime(entry.revocationDate)}: ${reason}`);
  }

  /** Throws the signature-algorithms.ts codes unless `crl` verifies with the issuer's key. */
  private verifySignature(crl: CertRevocationList, spki: Uint8Array, issuerKey: PublicKeyInfo): void {
    const key = toHex(spki);
    let ok = this.verified.get(crl);
    if (ok?.has(key) === true) return;
    verifySignedData(this.signatures, crl.signatureAlgorithm, crl.tbs, crl.signature, spki, issuerKey, null);
    if (ok === undefined) this.verified.set(crl, (ok = new Set()));
    ok.add(key);
  }
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * rustls-webpki `CertRevocationList::authoritative`: the CRL's issuer equals the certificate's
 * issuer (no indirect CRLs) and, when the CRL has an issuingDistributionPoint, its scope
 * (onlyContainsUserCerts / onlyContainsCACerts) includes the certificate and, when the
 * certificate has cRLDistributionPoints, one of their fullName URIs is among the IDP's.
 */
export function isAuthoritative(crl: CertRevocationList, cert: Certificate, depth: number): boolean {
  if (!bytesEqual(crl.issuer, cert.issuer)) return false;
  const idp = crl.issuingDistributionPoint;
  if (idp === null) return true;
  if ((idp.onlyContainsCaCerts && depth === 0) || (idp.onlyContainsUserCerts && depth > 0)) return false;
  if (cert.crlDistributionPoints === null) return true;
  for (const uri of certificateDistributionPointUris(cert.crlDistributionPoints)) {
    for (const idpUri of idp.fullNameUris) if (bytesEqual(uri, idpUri)) return true;
  }
  return false;
}

/**
 * The fullName URIs of a cRLDistributionPoints value (RFC 5280 §4.2.1.13), skipping (as
 * rustls-webpki) points with reasons or a cRLIssuer and anything malformed.
 */
function certificateDistributionPointUris(value: Uint8Array): Uint8Array[] {
  const uris: Uint8Array[] = [];
  try {
    const r = new DerReader(value);
    const points = r.nested(Tag.Sequence, 'cRLDistributionPoints');
    while (!points.atEnd()) {
      const point = points.nested(Tag.Sequence, 'DistributionPoint');
      const name = point.optional(contextConstructed(0), 'distributionPoint');
      const reasons = point.optional(contextPrimitive(1), 'reasons');
      const crlIssuer = point.optional(contextConstructed(2), 'cRLIssuer');
      if (name === null || reasons !== null || crlIssuer !== null || !point.atEnd()) continue;
      try {
        uris.push(...readDistributionPointName(name));
      } catch {
        // nameRelativeToCRLIssuer or malformed: this point cannot match.
      }
    }
  } catch {
    // A malformed extension matches nothing (the certificate parser owns its validity).
  }
  return uris;
}
