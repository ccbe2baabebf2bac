/**
 * Certificate profile checks beyond path validation proper: RFC 5280 MUSTs on extensions
 * (§4.2.1.1-§4.2.1.10) and CA/Browser Forum Baseline Requirements rules for server
 * certificates (BR §7.1.2, §7.1.4.3), the rules x509-limbo's `rfc5280::` and `webpki::` cases
 * encode. rustls-webpki accepts some of these; each place where we are stricter says so.
 */
import { TlsCertificateError } from '../core/errors.ts';
import { ExtendedKeyUsageOid, KeyUsageBit, nameToString, parseGeneralName, type Certificate } from './certificate.ts';
import { DerReader, Tag, bytesEqual, contextConstructed, contextPrimitive } from './der.ts';
import { MIN_RSA_BITS } from './signature-algorithms.ts';
import type { TrustAnchor } from './trust-anchor.ts';

/** A certificate's place in a path. */
export type CertificateRole = 'end-entity' | 'intermediate' | 'anchor';

function reject(cert: Certificate, what: string): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_REJECTED', `certificate "${nameToString(cert.subject)}": ${what}`);
}

function ext(cert: Certificate, oid: string): { critical: boolean; value: Uint8Array } | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

function isSelfIssued(cert: Certificate): boolean {
  return bytesEqual(cert.issuer, cert.subject);
}

const OID_AKI = '2.5.29.35';
const OID_SKI = '2.5.29.14';
const OID_SAN = '2.5.29.17';
const OID_BC = '2.5.29.19';
const OID_EKU = '2.5.29.37';
const OID_AIA = '1.3.6.1.5.5.7.1.1';

/**
 * Public keys we accept anywhere in a path: RSA of at least 2048 bits and a whole number of
 * octets, ECDSA on P-256/P-384/P-521, Ed25519/Ed448, RSASSA-PSS keys. (rustls-webpki rejects
 * the others only when they sign; we also reject them as subjects.)
 */
function checkKey(cert: Certificate): void {
  const k = cert.publicKey;
  switch (k.kind) {
    case 'rsa':
    case 'rsa-pss':
      if (k.modulusBits < MIN_RSA_BITS) throw new TlsCertificateError('ERR_TLS_CERT_WEAK_KEY', `certificate "${nameToString(cert.subject)}" has an RSA key of ${k.modulusBits} bits, expected at least ${MIN_RSA_BITS}`);
      // CA/B BR §6.1.5: the modulus size in bits is evenly divisible by 8.
      if (k.modulusBits % 8 !== 0) throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_KEY', `certificate "${nameToString(cert.subject)}" has an RSA modulus of ${k.modulusBits} bits, expected a multiple of 8`);
      return;
    case 'ec':
      if (k.curve === null) throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_KEY', `certificate "${nameToString(cert.subject)}" has an EC key on unsupported curve ${k.curveOid}`);
      return;
    case 'ed25519':
    case 'ed448':
      return;
    case 'unknown':
      throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_KEY', `certificate "${nameToString(cert.subject)}" has an unsupported public key algorithm ${k.algorithm}`);
  }
}

/** AuthorityInfoAccessSyntax (RFC 5280 §4.2.2.1) must be well-formed when present. */
function checkAia(cert: Certificate): void {
  const aia = ext(cert, OID_AIA);
  if (aia === undefined) return;
  try {
    const outer = new DerReader(aia.value);
    const seq = outer.nested(Tag.Sequence, 'authorityInfoAccess');
    outer.finish('authorityInfoAccess');
    if (seq.atEnd()) throw reject(cert, 'empty authorityInfoAccess');
    while (!seq.atEnd()) {
      const ad = seq.nested(Tag.Sequence, 'AccessDescription');
      ad.oid('AccessDescription.accessMethod');
      parseGeneralName(ad, 'AccessDescription.accessLocation');
      ad.finish('AccessDescription');
    }
  } catch (e) {
    if (e instanceof TlsCertificateError) throw reject(cert, `malformed authorityInfoAccess (${e.message})`);
    throw e;
  }
}

interface AuthorityKeyIdFields { keyId: Uint8Array | null; issuer: boolean; serial: boolean }

function authorityKeyIdFields(cert: Certificate): AuthorityKeyIdFields | null {
  const aki = ext(cert, OID_AKI);
  if (aki === undefined) return null;
  const outer = new DerReader(aki.value);
  const r = outer.nested(Tag.Sequence, 'authorityKeyIdentifier');
  const keyId = r.optional(contextPrimitive(0), 'keyIdentifier');
  const issuer = r.optional(contextConstructed(1), 'authorityCertIssuer') !== null;
  const serial = r.optional(contextPrimitive(2), 'authorityCertSerialNumber') !== null;
  return { keyId: keyId === null ? null : keyId.value, issuer, serial };
}

/**
 * Checks that hold for a certificate wherever it is in a path.
 * @throws TlsCertificateError (ERR_TLS_CERT_REJECTED and key codes).
 */
export function checkCertificateProfile(cert: Certificate, role: CertificateRole, serverAuth: boolean): void {
  // The checks read only the certificate (no time, no issuer): a pure function of an immutable
  // parsed certificate, so a pass is remembered per object (a repeat peer's certificates come
  // from the verifier's parse cache as the same objects). Failures are not remembered.
  const bit = profileBit(role, serverAuth);
  const passed = profilePassed.get(cert) ?? 0;
  if ((passed & bit) !== 0) return;
  checkProfileUncached(cert, role, serverAuth);
  profilePassed.set(cert, passed | bit);
}

/** Per parsed certificate: a bit per (role, serverAuth) whose checks passed. */
const profilePassed = new WeakMap<Certificate, number>();

function profileBit(role: CertificateRole, serverAuth: boolean): number {
  const r = role === 'end-entity' ? 0 : role === 'intermediate' ? 1 : 2;
  return 1 << (r * 2 + (serverAuth ? 1 : 0));
}

function checkProfileUncached(cert: Certificate, role: CertificateRole, serverAuth: boolean): void {
  checkKey(cert);
  checkAia(cert);
  // RFC 5280 §4.1.2.2: positive. (Some old roots have serial 0, so not for anchors.)
  if (role !== 'anchor' && cert.serial.length === 1 && cert.serial[0] === 0) throw reject(cert, 'serialNumber is zero, expected a positive integer');
  // RFC 5280 §4.2.1.1 and §4.2.1.2: AKI and SKI MUST NOT be critical.
  if (ext(cert, OID_AKI)?.critical === true) throw reject(cert, 'authorityKeyIdentifier is critical, expected non-critical');
  if (ext(cert, OID_SKI)?.critical === true) throw reject(cert, 'subjectKeyIdentifier is critical, expected non-critical');
  const selfSigned = isSelfIssued(cert);
  const aki = authorityKeyIdFields(cert);
  if (role !== 'anchor' && !selfSigned && (aki === null || aki.keyId === null)) {
    // RFC 5280 §4.2.1.1: keyIdentifier MUST be present except in self-signed certificates.
    throw reject(cert, 'no authorityKeyIdentifier keyIdentifier, expected one in a certificate that is not self-signed');
  }
  if (role !== 'end-entity') {
    // RFC 5280 §4.1.2.6: a CA's subject is non-empty; §4.2.1.2: CAs carry a subjectKeyIdentifier.
    if (cert.subject.length <= 2) throw reject(cert, 'CA certificate has an empty subject');
    if (cert.subjectKeyId === null) throw reject(cert, 'CA certificate has no subjectKeyIdentifier');
  }
  if (role === 'end-entity') {
    // RFC 5280 §4.2.1.10: nameConstraints only in CA certificates.
    if (cert.nameConstraints !== null) throw reject(cert, 'end-entity certificate has nameConstraints');
    // RFC 5280 §4.2.1.3: keyCertSign requires the cA bit.
    if (cert.keyUsage !== null && (cert.keyUsage & KeyUsageBit.KeyCertSign) !== 0 && cert.basicConstraints?.ca !== true) {
      throw reject(cert, 'keyUsage keyCertSign in a certificate that is not a CA');
    }
    const san = ext(cert, OID_SAN);
    // RFC 5280 §4.2.1.6: with an empty subject the SAN is present and critical.
    if (cert.subject.length <= 2 && san?.critical !== true) throw reject(cert, 'empty subject without a critical subjectAltName');
    if (serverAuth) checkServerEndEntity(cert, san?.critical === true);
  }
  if (role === 'anchor' && serverAuth && cert.extendedKeyUsage !== null) {
    // CA/B BR §7.1.2.1.2: root CA certificates MUST NOT contain extKeyUsage.
    throw reject(cert, 'root certificate has extKeyUsage');
  }
}

/**
 * CA/B BR rules for a TLS server certificate. Like rustls-webpki we ignore the subject CN, so
 * BR §7.1.4.3 ("the CN is one of the SAN values") is not enforced.
 */
function checkServerEndEntity(cert: Certificate, sanCritical: boolean): void {
  // BR §7.1.2.7.12: the SAN is critical only when the subject is empty.
  if (sanCritical && cert.subject.length > 2) throw reject(cert, 'critical subjectAltName with a non-empty subject');
  const eku = ext(cert, OID_EKU);
  // BR §7.1.2.7.10 / §7.1.2.7.6: no anyExtendedKeyUsage, and extKeyUsage not critical.
  if (eku?.critical === true) throw reject(cert, 'critical extKeyUsage in a server certificate');
  if (cert.extendedKeyUsage?.includes(ExtendedKeyUsageOid.AnyExtendedKeyUsage) === true) throw reject(cert, 'anyExtendedKeyUsage in a server certificate');
}

/**
 * Checks a trust anchor made from a certificate before using it: validity at `now` and the
 * CA/B BR / RFC 5280 root profile (critical basicConstraints with cA, subjectKeyIdentifier, an
 * authorityKeyIdentifier that is only a keyIdentifier equal to the subjectKeyIdentifier).
 * rustls-webpki treats anchors as bare data and checks none of this.
 */
export function checkAnchor(anchor: TrustAnchor, now: number, serverAuth: boolean): void {
  const cert = anchor.certificate;
  if (cert === null) return;
  if (now < cert.notBefore) throw new TlsCertificateError('ERR_TLS_CERT_NOT_VALID_YET', `root "${nameToString(cert.subject)}" is not valid yet`);
  if (Math.floor(now / 1000) * 1000 > cert.notAfter) throw new TlsCertificateError('ERR_TLS_CERT_EXPIRED', `root "${nameToString(cert.subject)}" has expired`);
  const bc = ext(cert, OID_BC);
  if (bc === undefined || cert.basicConstraints?.ca !== true) throw reject(cert, 'root certificate is not a CA (basicConstraints cA)');
  if (!bc.critical) throw reject(cert, 'root certificate basicConstraints is not critical');
  if (cert.unknownCriticalExtensions.length > 0) {
    throw new TlsCertificateError('ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION', `root "${nameToString(cert.subject)}" has unsupported critical extension ${cert.unknownCriticalExtensions.join(', ')}`);
  }
  const aki = authorityKeyIdFields(cert);
  // Only for a self-signed root: an anchor that is really a cross-signed CA has its issuer's AKI.
  if (aki !== null && isSelfIssued(cert)) {
    if (aki.keyId === null || aki.issuer || aki.serial) throw reject(cert, 'root authorityKeyIdentifier must hold only a keyIdentifier');
    if (cert.subjectKeyId !== null && !bytesEqual(aki.keyId, cert.subjectKeyId)) throw reject(cert, 'root authorityKeyIdentifier differs from its subjectKeyIdentifier');
  }
  checkCertificateProfile(cert, 'anchor', serverAuth);
}
