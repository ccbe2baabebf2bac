/**
 * Trust anchors as data (rustls-webpki's `TrustAnchor`): a subject, a public key and optional
 * name constraints. Nothing else of a root certificate is checked: not its validity, its
 * basicConstraints nor its signature (RFC 5280 §6.1.1 (d): the anchor is input to path
 * validation, not part of the path).
 */
import { parseCertificate, parseSpki, type Certificate, type NameConstraints, type PublicKeyInfo } from './certificate.ts';
import { DerReader, Tag, contextConstructed } from './der.ts';
import { isTlsError } from '../core/errors.ts';

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
 * With `lenient` (meant for platform and bundled stores, which we do not control), a root whose
 * extensions are not strict DER is still taken for its subject and key, as rustls-webpki does.
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING (and the other parse codes).
 */
export function trustAnchorFromCertificate(der: Uint8Array, options?: { readonly lenient?: boolean }): TrustAnchor {
  // An anchor is data: a critical extension we do not know in a root cannot constrain anything
  // we check (and must not break unrelated paths).
  const copy = der.slice();
  let cert: Certificate;
  try {
    cert = parseCertificate(copy, { allowUnknownCriticalExtensions: true });
  } catch (e) {
    // Like rustls-webpki, an anchor needs only its subject and key: a root with a non-DER
    // extension elsewhere (e.g. keyUsage with trailing zero bits, as in two Mozilla roots) is
    // still usable. Name constraints are then unknown, so such a root is used only when it has
    // no nameConstraints extension at all.
    if (!isTlsError(e) || options?.lenient !== true) throw e;
    const fallback = anchorFromTbsFields(copy);
    if (fallback === null) throw e;
    return fallback;
  }
  return { subject: cert.subject, spki: cert.spki, publicKey: cert.publicKey, nameConstraints: cert.nameConstraints, certificate: cert };
}

/** OBJECT IDENTIFIER 2.5.29.30 (id-ce-nameConstraints), tag and length included. */
const nameConstraintsOidTlv = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x1e);

/** Reads subject and SPKI from a TBSCertificate without checking its extensions; null if the
 * certificate has a nameConstraints extension (which would then be ignored). */
function anchorFromTbsFields(der: Uint8Array): TrustAnchor | null {
  const outer = new DerReader(der);
  const cert = outer.nested(Tag.Sequence, 'Certificate');
  const tbs = cert.nested(Tag.Sequence, 'tbsCertificate');
  tbs.optional(contextConstructed(0), 'version');
  tbs.read('serialNumber');
  tbs.expectElement(Tag.Sequence, 'signature');
  tbs.expectElement(Tag.Sequence, 'issuer');
  tbs.expectElement(Tag.Sequence, 'validity');
  const subject = tbs.expectElement(Tag.Sequence, 'subject').encoding;
  const spki = tbs.expectElement(Tag.Sequence, 'subjectPublicKeyInfo').encoding;
  const exts = tbs.buf.subarray(tbs.pos, tbs.end);
  outer: for (let i = 0; i + nameConstraintsOidTlv.length <= exts.length; i++) {
    for (let j = 0; j < nameConstraintsOidTlv.length; j++) if (exts[i + j] !== nameConstraintsOidTlv[j]) continue outer;
    return null;
  }
  return { subject: subject.slice(), spki: spki.slice(), publicKey: parseSpki(spki), nameConstraints: null, certificate: null };
}

/**
 * Builds a trust anchor from its parts (e.g. a platform store that keeps only subject and key).
 * @throws ERR_TLS_CERT_BAD_ENCODING for a malformed SPKI.
 */
export function trustAnchorFromParts(subject: Uint8Array, spki: Uint8Array, nameConstraints: NameConstraints | null = null): TrustAnchor {
  return { subject: subject.slice(), spki: spki.slice(), publicKey: parseSpki(spki), nameConstraints, certificate: null };
}
