/**
 * The revocation hook of path building (ROADMAP "client certificates with CRL revocation").
 * `path.ts` calls a `RevocationChecker` once per certificate in a candidate path, end-entity
 * first, with the certificate that issued it (the trust anchor for the last one). The CRL
 * implementation lives in `revocation.ts`; users may supply their own.
 */
import type { Certificate } from './certificate.ts';
import type { TrustAnchor } from './trust-anchor.ts';

/** What a checker learns about the issuer of the certificate being checked. */
export interface RevocationIssuer {
  /** Issuer's subject DN, DER of the Name SEQUENCE (tag and length included). */
  readonly subject: Uint8Array;
  /** Issuer's DER SubjectPublicKeyInfo (to verify CRL signatures with). */
  readonly spki: Uint8Array;
  /** Issuer's keyUsage bits (RFC 5280 §4.2.1.3 bit numbers as a bit set), or null when absent. */
  readonly keyUsage: number | null;
  /** The issuer as a parsed certificate, or null when it is a trust anchor given only as data. */
  readonly certificate: Certificate | null;
  /** The issuer as a trust anchor, or null when it is an intermediate. */
  readonly anchor: TrustAnchor | null;
}

/**
 * Checks one certificate of a candidate path for revocation.
 *
 * `depth` is the certificate's position: 0 for the end-entity, 1 for its issuer, and so on.
 * `now` is the verification time in milliseconds since the Unix epoch.
 *
 * Return normally when the certificate is not revoked (or its status is unknown and policy
 * allows that). Throw a `TlsCertificateError` (ERR_TLS_CERT_REVOKED,
 * ERR_TLS_CERT_REVOCATION_UNKNOWN, ERR_TLS_CERT_CRL_EXPIRED, ERR_TLS_CERT_CRL_INVALID) to
 * reject the path: path building then tries other issuers, like rustls-webpki, and reports
 * this error if no path succeeds.
 */
export interface RevocationChecker {
  check(cert: Certificate, issuer: RevocationIssuer, depth: number, now: number): void;
}
