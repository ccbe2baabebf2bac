/**
 * Trust anchors as data (rustls-webpki's `TrustAnchor`): a subject, a public key and optional
 * name constraints. Nothing else of a root certificate is checked: not its validity, its
 * basicConstraints nor its signature (RFC 5280 §6.1.1 (d): the anchor is input to path
 * validation, not part of the path).
 */
import { parseCertificate, parseSpki, type Certificate, type NameConstraints, type PublicKeyInfo } from './certificate.ts';

/** A trusted root, as path building uses it. */
export interface TrustAnchor {
  /** Subject Name TLV. */
  readonly subject: Uint8Array;
  /** SubjectPublicKeyInfo TLV. */
  readonly spki: Uint8Array;
  /** The parsed `spki`. */
  readonly publicKey: PublicKeyInfo;
  readonly nameConstraints: NameConstraints | null;
  /** The certificate the anchor came from, when it came from one. */
  readonly certificate: Certificate | null;
}

/**
 * Builds a trust anchor from a DER root certificate (copied, so the caller may reuse `der`).
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING (and the other parse codes).
 */
export function trustAnchorFromCertificate(der: Uint8Array): TrustAnchor {
  // An anchor is data: a critical extension we do not know in a root cannot constrain anything
  // we check (and must not break unrelated paths).
  const cert = parseCertificate(der.slice(), { allowUnknownCriticalExtensions: true });
  return { subject: cert.subject, spki: cert.spki, publicKey: cert.publicKey, nameConstraints: cert.nameConstraints, certificate: cert };
}

/**
 * Builds a trust anchor from its parts (e.g. a platform store that keeps only subject and key).
 * @throws ERR_TLS_CERT_BAD_ENCODING for a malformed SPKI.
 */
export function trustAnchorFromParts(subject: Uint8Array, spki: Uint8Array, nameConstraints: NameConstraints | null = null): TrustAnchor {
  return { subject: subject.slice(), spki: spki.slice(), publicKey: parseSpki(spki), nameConstraints, certificate: null };
}
