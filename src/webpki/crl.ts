/**
 * Certificate revocation lists: an RFC 5280 §5 profile parser with rustls-webpki's limits.
 *
 * Accepted: v2 CRLs with nextUpdate and a cRLNumber, the CRL extensions cRLNumber,
 * authorityKeyIdentifier and issuingDistributionPoint, and the entry extensions reasonCode and
 * invalidityDate. Rejected, as rustls-webpki does: v1 CRLs, delta CRLs (deltaCRLIndicator),
 * indirect CRLs (indirectCRL, certificateIssuer entries), CRLs partitioned by reason
 * (onlySomeReasons), onlyContainsAttributeCerts, an IDP without a fullName distribution point,
 * and any unknown critical extension (RFC 5280 §5.2, §5.3).
 *
 * The parsed CRL owns its bytes (the input is copied once), so callers may reuse their buffer.
 */
import { TlsCertificateError, isTlsError } from '../core/errors.ts';
import { toHex } from '../core/util.ts';
import { DerReader, Tag, bytesEqual, contextConstructed, contextPrimitive, derError, oidToString, type DerElement } from './der.ts';
import { readTime } from './time.ts';

/** RFC 5280 §5.3.1 CRLReason (7 is unused). */
export const RevocationReason = {
  Unspecified: 0,
  KeyCompromise: 1,
  CaCompromise: 2,
  AffiliationChanged: 3,
  Superseded: 4,
  CessationOfOperation: 5,
  CertificateHold: 6,
  RemoveFromCrl: 8,
  PrivilegeWithdrawn: 9,
  AaCompromise: 10,
} as const;

/** A CRLReason value. */
export type RevocationReasonValue = (typeof RevocationReason)[keyof typeof RevocationReason];

const reasonNames: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

/** The RFC 5280 ASN.1 name of a reason code (`keyCompromise`), for messages. */
export function revocationReasonName(reason: RevocationReasonValue): string {
  return reasonNames[reason] ?? `reason ${reason}`;
}

/** One revokedCertificates entry (RFC 5280 §5.1.2.6). */
export interface RevokedCertificate {
  /** The serial number: INTEGER content octets, as in the certificate. */
  readonly serial: Uint8Array;
  /** revocationDate, milliseconds since the Unix epoch. */
  readonly revocationDate: number;
  /** The reasonCode entry extension, or null when absent (RFC 5280 §5.3.1: then unspecified). */
  readonly reason: RevocationReasonValue | null;
  /** The invalidityDate entry extension (RFC 5280 §5.3.2), or null. */
  readonly invalidityDate: number | null;
}

/** The issuingDistributionPoint CRL extension (RFC 5280 §5.2.5), in the forms we support. */
export interface IssuingDistributionPoint {
  /** fullName URIs (uniformResourceIdentifier GeneralNames), as bytes; other names are ignored. */
  readonly fullNameUris: readonly Uint8Array[];
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCaCerts: boolean;
}

/** A parsed CRL. Every byte field is a view of `der`, which the CRL owns. */
export interface CertRevocationList {
  /** The whole CertificateList. */
  readonly der: Uint8Array;
  /** The signed tbsCertList, tag and length included. */
  readonly tbs: Uint8Array;
  /** The outer signatureAlgorithm AlgorithmIdentifier (equal to the inner one), whole TLV. */
  readonly signatureAlgorithm: Uint8Array;
  /** The signature BIT STRING's bytes. */
  readonly signature: Uint8Array;
  /** The issuer Name, tag and length included (compare with a certificate's issuer encoding). */
  readonly issuer: Uint8Array;
  readonly thisUpdate: number;
  readonly nextUpdate: number;
  /** cRLNumber INTEGER content octets (at most 20, RFC 5280 §5.2.3). */
  readonly crlNumber: Uint8Array;
  /** authorityKeyIdentifier keyIdentifier, or null when absent. */
  readonly authorityKeyIdentifier: Uint8Array | null;
  readonly issuingDistributionPoint: IssuingDistributionPoint | null;
  /** Number of revoked entries. */
  readonly revokedCount: number;
  /** The entry for `serial` (INTEGER content octets), or null when not revoked by this CRL. */
  findSerial(serial: Uint8Array): RevokedCertificate | null;
}

// OIDs (content octets, dotted in comments).
const OID_CRL_NUMBER = '2.5.29.20';
const OID_REASON_CODE = '2.5.29.21';
const OID_INVALIDITY_DATE = '2.5.29.24';
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const OID_CERTIFICATE_ISSUER = '2.5.29.29';
const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';

class ParsedCrl implements CertRevocationList {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
  readonly signature: Uint8Array;
  readonly issuer: Uint8Array;
  readonly thisUpdate: number;
  readonly nextUpdate: number;
  readonly crlNumber: Uint8Array;
  readonly authorityKeyIdentifier: Uint8Array | null;
  readonly issuingDistributionPoint: IssuingDistributionPoint | null;
  readonly revokedCount: number;
  // Keyed by the serial's hex: lookups are one map probe however long the CRL.
  private readonly revoked: ReadonlyMap<string, RevokedCertificate>;

  constructor(f: Omit<CertRevocationList, 'findSerial' | 'revokedCount'>, revoked: ReadonlyMap<string, RevokedCertificate>) {
    this.der = f.der;
    this.tbs = f.tbs;
    this.signatureAlgorithm = f.signatureAlgorithm;
    this.signature = f.signature;
    this.issuer = f.issuer;
    this.thisUpdate = f.thisUpdate;
    this.nextUpdate = f.nextUpdate;
    this.crlNumber = f.crlNumber;
    this.authorityKeyIdentifier = f.authorityKeyIdentifier;
    this.issuingDistributionPoint = f.issuingDistributionPoint;
    this.revokedCount = revoked.size;
    this.revoked = revoked;
  }

  findSerial(serial: Uint8Array): RevokedCertificate | null {
    return this.revoked.get(toHex(serial)) ?? null;
  }
}

function invalid(message: string, cause?: unknown): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_CRL_INVALID', `CRL ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * Parses a DER CertificateList (RFC 5280 §5.1). The input is copied; the result owns its bytes.
 * The signature is not checked here: the revocation checker verifies it with the issuer's key.
 *
 * @throws ERR_TLS_CERT_CRL_INVALID for malformed DER and for unsupported CRL forms (v1, delta,
 *   indirect, reason-partitioned, unknown critical extensions); the message names the field.
 * @example
 * const crl = parseCrl(derBytes);
 * crl.findSerial(cert.serial)?.reason;
 */
export function parseCrl(der: Uint8Array): CertRevocationList {
  try {
    return parseCrlInner(der.slice());
  } catch (e) {
    if (isTlsError(e) && e.code === 'ERR_TLS_CERT_CRL_INVALID') throw e;
    if (isTlsError(e)) throw invalid(`is malformed: ${e.message}`, e);
    throw e;
  }
}

function parseCrlInner(der: Uint8Array): CertRevocationList {
  const top = new DerReader(der);
  const certList = top.nested(Tag.Sequence, 'CertificateList');
  top.finish('CertificateList');
  const tbsElement = certList.expectElement(Tag.Sequence, 'tbsCertList');
  const outerAlgorithm = certList.expectElement(Tag.Sequence, 'signatureAlgorithm');
  const signatureBits = certList.bitString('signatureValue');
  certList.finish('CertificateList');
  // Signatures are whole octets for every algorithm we verify.
  if (signatureBits.unusedBits !== 0) throw derError('signatureValue', `${signatureBits.unusedBits} unused bits, expected 0`);

  const tbs = DerReader.over(tbsElement, 1, 'tbsCertList');
  // RFC 5280 §5.1.2.1: version MUST be v2 (1) when extensions are used, and §5.2 makes the
  // cRLNumber and AKI extensions required, so (like rustls-webpki) v1 is unsupported.
  if (tbs.peekTag() !== Tag.Integer) throw invalid('version: absent (v1 CRL), expected v2');
  const version = tbs.smallNonNegative('version');
  if (version !== 1) throw invalid(`version: ${version + 1}, expected v2`);
  // RFC 5280 §5.1.2.2: the inner signature MUST equal the outer signatureAlgorithm.
  const innerAlgorithm = tbs.expectElement(Tag.Sequence, 'signature');
  if (!bytesEqual(innerAlgorithm.encoding, outerAlgorithm.encoding)) {
    throw invalid('signature: tbsCertList.signature differs from signatureAlgorithm, expected them equal');
  }
  // RFC 5280 §5.1.2.3: a non-empty distinguished name.
  const issuer = tbs.expectElement(Tag.Sequence, 'issuer');
  if (issuer.value.length === 0) throw invalid('issuer: empty Name, expected a distinguished name');
  const thisUpdate = readTime(tbs, 'thisUpdate');
  // RFC 5280 §5.1.2.5: optional in ASN.1, but conforming issuers MUST include nextUpdate and
  // rustls-webpki requires it (expiration policy needs it).
  const t = tbs.peekTag();
  if (t !== Tag.UtcTime && t !== Tag.GeneralizedTime) throw invalid('nextUpdate: absent, expected a time');
  const nextUpdate = readTime(tbs, 'nextUpdate');

  // RFC 5280 §5.1.2.6: absent when nothing is revoked.
  const revoked = new Map<string, RevokedCertificate>();
  const list = tbs.optionalNested(Tag.Sequence, 'revokedCertificates');
  if (list !== null) {
    while (!list.atEnd()) {
      const entry = readRevoked(list);
      const key = toHex(entry.serial);
      if (revoked.has(key)) throw invalid(`revokedCertificates: serial ${key} listed twice`);
      revoked.set(key, entry);
    }
  }

  // RFC 5280 §5.1.2.7 / §5.2: [0] EXPLICIT Extensions, required by this profile (cRLNumber).
  if (tbs.peekTag() !== contextConstructed(0)) throw invalid('crlExtensions: absent, expected [0] with cRLNumber');
  const extsWrapper = tbs.nested(contextConstructed(0), 'crlExtensions');
  const exts = extsWrapper.nested(Tag.Sequence, 'crlExtensions');
  extsWrapper.finish('crlExtensions');
  tbs.finish('tbsCertList');

  let crlNumber: Uint8Array | null = null;
  let authorityKeyIdentifier: Uint8Array | null = null;
  let idp: IssuingDistributionPoint | null = null;
  const seen = new Set<string>();
  if (exts.atEnd()) throw invalid('crlExtensions: empty SEQUENCE, expected at least one extension');
  while (!exts.atEnd()) {
    const ext = readExtension(exts, 'crlExtensions', seen);
    switch (ext.oid) {
      case OID_CRL_NUMBER:
        crlNumber = readCrlNumber(ext.value);
        break;
      case OID_DELTA_CRL_INDICATOR:
        // RFC 5280 §5.2.4: delta CRLs are not supported (as rustls-webpki).
        throw invalid('is a delta CRL (deltaCRLIndicator), which is not supported');
      case OID_ISSUING_DISTRIBUTION_POINT:
        idp = readIssuingDistributionPoint(ext.value);
        break;
      case OID_AUTHORITY_KEY_IDENTIFIER:
        authorityKeyIdentifier = readAuthorityKeyIdentifier(ext.value);
        break;
      default:
        // RFC 5280 §5.2: a critical extension we cannot process makes the CRL unusable.
        if (ext.critical) throw invalid(`has unknown critical extension ${ext.oid}`);
    }
  }
  // RFC 5280 §5.2.3: conforming issuers MUST include cRLNumber.
  if (crlNumber === null) throw invalid('crlExtensions: no cRLNumber, expected one (RFC 5280 §5.2.3)');

  return new ParsedCrl({
    der,
    tbs: tbsElement.encoding,
    signatureAlgorithm: outerAlgorithm.encoding,
    signature: signatureBits.bytes,
    issuer: issuer.encoding,
    thisUpdate,
    nextUpdate,
    crlNumber,
    authorityKeyIdentifier,
    issuingDistributionPoint: idp,
  }, revoked);
}

interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue's content octets. */
  readonly value: Uint8Array;
}

// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
function readExtension(r: DerReader, field: string, seen: Set<string>): RawExtension {
  const ext = r.nested(Tag.Sequence, `${field} extension`);
  const oid = oidToString(ext.oid(`${field} extnID`));
  const critical = ext.optionalBoolean(`${field} ${oid} critical`);
  const value = ext.expect(Tag.OctetString, `${field} ${oid} extnValue`);
  ext.finish(`${field} ${oid}`);
  // RFC 5280 §4.2 (applied to CRLs and entries by §5.2, §5.3): one instance per extension.
  if (seen.has(oid)) throw invalid(`${field}: extension ${oid} appears twice`);
  seen.add(oid);
  return { oid, critical, value };
}

// RFC 5280 §5.2.3: CRLNumber ::= INTEGER (0..MAX), verifiers handle up to 20 octets.
function readCrlNumber(value: Uint8Array): Uint8Array {
  const r = new DerReader(value);
  const n = r.integer('cRLNumber');
  r.finish('cRLNumber');
  if ((n[0]! & 0x80) !== 0) throw invalid('cRLNumber: negative, expected 0..MAX');
  const digits = n[0] === 0 && n.length > 1 ? n.subarray(1) : n;
  if (digits.length > 20) throw invalid(`cRLNumber: ${digits.length} octets, expected at most 20`);
  return n;
}

// RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET
// STRING OPTIONAL, authorityCertIssuer [1] GeneralNames OPTIONAL, authorityCertSerialNumber [2]
// OPTIONAL }. Recognized; only keyIdentifier is kept.
function readAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | null {
  const r = new DerReader(value);
  const seq = r.nested(Tag.Sequence, 'authorityKeyIdentifier');
  r.finish('authorityKeyIdentifier');
  const keyId = seq.optional(contextPrimitive(0), 'authorityKeyIdentifier.keyIdentifier');
  seq.optional(contextConstructed(1), 'authorityKeyIdentifier.authorityCertIssuer');
  seq.optional(contextPrimitive(2), 'authorityKeyIdentifier.authorityCertSerialNumber');
  seq.finish('authorityKeyIdentifier');
  return keyId === null ? null : keyId.value;
}

/**
 * RFC 5280 §5.2.5:
 * IssuingDistributionPoint ::= SEQUENCE {
 *   distributionPoint          [0] DistributionPointName OPTIONAL,
 *   onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
 *   onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
 *   onlySomeReasons            [3] ReasonFlags OPTIONAL,
 *   indirectCRL                [4] BOOLEAN DEFAULT FALSE,
 *   onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN }
 *
 * As rustls-webpki: indirect CRLs, reason partitions and attribute-certificate CRLs are rejected,
 * and the distribution point must be present and a fullName. Unlike rustls-webpki (which
 * accepts fields in any order) we require DER's ascending order, which also rules out repeats.
 */
function readIssuingDistributionPoint(value: Uint8Array): IssuingDistributionPoint {
  const r = new DerReader(value);
  const seq = r.nested(Tag.Sequence, 'issuingDistributionPoint');
  r.finish('issuingDistributionPoint');
  let fullNameUris: Uint8Array[] | null = null;
  let onlyContainsUserCerts = false;
  let onlyContainsCaCerts = false;
  let lastField = -1;
  while (!seq.atEnd()) {
    const e = seq.read('issuingDistributionPoint field');
    const field = e.tag & 0x1f;
    if ((e.tag & 0xc0) !== 0x80 || field > 5) throw invalid(`issuingDistributionPoint: unexpected tag 0x${e.tag.toString(16)}`);
    if (field <= lastField) throw invalid(`issuingDistributionPoint: field [${field}] out of order or repeated`);
    lastField = field;
    switch (field) {
      case 0: {
        if (e.tag !== contextConstructed(0)) throw invalid('issuingDistributionPoint.distributionPoint: expected a constructed [0]');
        fullNameUris = readDistributionPointName(e);
        break;
      }
      case 1: onlyContainsUserCerts = idpBoolean(e, 'onlyContainsUserCerts'); break;
      case 2: onlyContainsCaCerts = idpBoolean(e, 'onlyContainsCACerts'); break;
      case 3: throw invalid('issuingDistributionPoint: onlySomeReasons (a reason-partitioned CRL) is not supported');
      case 4:
        if (idpBoolean(e, 'indirectCRL')) throw invalid('issuingDistributionPoint: indirect CRLs are not supported');
        break;
      case 5:
        // RFC 5280 §5.2.5: conforming issuers MUST set onlyContainsAttributeCerts to FALSE.
        if (idpBoolean(e, 'onlyContainsAttributeCerts')) throw invalid('issuingDistributionPoint: onlyContainsAttributeCerts is TRUE, expected FALSE');
        break;
    }
  }
  // RFC 5280 §5.2.5: at most one of the "only" booleans may be TRUE.
  if (onlyContainsUserCerts && onlyContainsCaCerts) throw invalid('issuingDistributionPoint: both onlyContainsUserCerts and onlyContainsCACerts are TRUE');
  if (fullNameUris === null) throw invalid('issuingDistributionPoint: no distributionPoint fullName, which is not supported');
  return { fullNameUris, onlyContainsUserCerts, onlyContainsCaCerts };
}

// [n] IMPLICIT BOOLEAN: 0xff, or 0x00 tolerated as rustls-webpki does (an explicit DEFAULT).
function idpBoolean(e: DerElement, field: string): boolean {
  if (e.tag & 0x20) throw invalid(`issuingDistributionPoint.${field}: constructed, expected a BOOLEAN`);
  if (e.value.length !== 1 || (e.value[0] !== 0xff && e.value[0] !== 0x00)) {
    throw invalid(`issuingDistributionPoint.${field}: not a DER BOOLEAN`);
  }
  return e.value[0] === 0xff;
}

/** DistributionPointName: fullName's URI entries; nameRelativeToCRLIssuer is not supported. */
export function readDistributionPointName(e: DerElement): Uint8Array[] {
  const r = DerReader.over(e, 1, 'distributionPoint');
  const choice = r.read('distributionPoint name');
  r.finish('distributionPoint');
  if (choice.tag === contextConstructed(1)) throw invalid('distributionPoint: nameRelativeToCRLIssuer is not supported');
  if (choice.tag !== contextConstructed(0)) throw invalid(`distributionPoint: tag 0x${choice.tag.toString(16)}, expected fullName [0]`);
  const names = DerReader.over(choice, 2, 'fullName');
  if (names.atEnd()) throw invalid('distributionPoint.fullName: empty GeneralNames, expected at least one');
  const uris: Uint8Array[] = [];
  while (!names.atEnd()) {
    const name = names.read('fullName GeneralName');
    // GeneralName uniformResourceIdentifier [6] IA5String.
    if (name.tag === contextPrimitive(6)) uris.push(name.value);
  }
  return uris;
}

// RFC 5280 §5.1.2.6: SEQUENCE { userCertificate CertificateSerialNumber, revocationDate Time,
// crlEntryExtensions Extensions OPTIONAL }
function readRevoked(list: DerReader): RevokedCertificate {
  const entry = list.nested(Tag.Sequence, 'revokedCertificates entry');
  // Like rustls-webpki, serials are read leniently (negative, zero or over 20 octets pass):
  // RFC 5280 §4.1.2.2 asks users to handle non-conforming CAs gracefully.
  const serial = entry.integer('revokedCertificates userCertificate');
  const revocationDate = readTime(entry, 'revokedCertificates revocationDate');
  let reason: RevocationReasonValue | null = null;
  let invalidityDate: number | null = null;
  if (!entry.atEnd()) {
    // CAs have encoded "no extensions" as an empty SEQUENCE: tolerated, as rustls-webpki does.
    const exts = entry.nested(Tag.Sequence, 'crlEntryExtensions');
    const seen = new Set<string>();
    while (!exts.atEnd()) {
      const ext = readExtension(exts, 'crlEntryExtensions', seen);
      switch (ext.oid) {
        case OID_REASON_CODE:
          reason = readReasonCode(ext.value);
          break;
        case OID_INVALIDITY_DATE: {
          const r = new DerReader(ext.value);
          invalidityDate = readTime(r, 'invalidityDate');
          r.finish('invalidityDate');
          break;
        }
        case OID_CERTIFICATE_ISSUER:
          // RFC 5280 §5.3.3: only in indirect CRLs, which are not supported.
          throw invalid('crlEntryExtensions: certificateIssuer (an indirect CRL) is not supported');
        default:
          // RFC 5280 §5.3: a critical entry extension we cannot process makes the CRL unusable.
          if (ext.critical) throw invalid(`crlEntryExtensions: unknown critical extension ${ext.oid}`);
      }
    }
  }
  entry.finish('revokedCertificates entry');
  return { serial, revocationDate, reason, invalidityDate };
}

// RFC 5280 §5.3.1: CRLReason ::= ENUMERATED, 0..10 without 7.
function readReasonCode(value: Uint8Array): RevocationReasonValue {
  const r = new DerReader(value);
  const v = r.expect(Tag.Enumerated, 'reasonCode');
  r.finish('reasonCode');
  if (v.length !== 1) throw invalid(`reasonCode: ${v.length} octets, expected 1`);
  const code = v[0]!;
  if (code > 10 || code === 7) throw invalid(`reasonCode: ${code}, expected 0..10 except 7`);
  return code as RevocationReasonValue;
}

const PEM_CRL = /-----BEGIN X509 CRL-----([^-]*)-----END X509 CRL-----/g;

/**
 * Parses every `X509 CRL` PEM block in `text` (other blocks are skipped).
 * @throws ERR_TLS_CERT_CRL_INVALID for bad base64 or a bad CRL; none found is an empty list.
 */
export function parseCrlsFromPem(text: string): CertRevocationList[] {
  const out: CertRevocationList[] = [];
  for (const m of text.matchAll(PEM_CRL)) out.push(parseCrl(decodeBase64(m[1]!)));
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict base64 (whitespace ignored, `=` padding only at the end). */
function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 4 !== 0) throw invalid(`PEM: base64 of ${clean.length} characters, expected a multiple of 4`);
  const pad = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      const isPad = c === 0x3d && i + 4 === clean.length && j >= 4 - pad;
      const d = isPad ? 0 : c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) throw invalid('PEM: invalid base64 character');
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >> 16) & 0xff;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}
