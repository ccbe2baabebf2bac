/**
 * RFC 5280 X.509 v3 certificate parser. Strict in rustls-webpki's way: v3 only, the inner and
 * outer signature algorithms byte-identical (§4.1.1.2), no issuer/subject unique IDs, each
 * extension at most once (§4.2), unknown critical extensions rejected (§4.2).
 *
 * `crl.ts` depends on `Certificate`, `parseCertificate`, `parseName`/`nameToString`,
 * `parseGeneralName` and `AlgorithmIdentifier` handling: keep them stable.
 */
import { TlsCertificateError } from '../core/errors.ts';
import {
  DerReader, Tag, bytesEqual, contextConstructed, contextPrimitive, derError, oidToString,
  type DerElement,
} from './der.ts';
import { readTime } from './time.ts';

/** Subject public key, as far as verification needs it. */
export type PublicKeyInfo =
  | { readonly kind: 'rsa'; readonly modulusBits: number }
  | { readonly kind: 'rsa-pss'; readonly modulusBits: number }
  | { readonly kind: 'ec'; readonly curve: 'P-256' | 'P-384' | 'P-521' | null; readonly curveOid: string }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' }
  | { readonly kind: 'unknown'; readonly algorithm: string };

/**
 * One GeneralName (RFC 5280 §4.2.1.6). Text forms are the raw IA5String bytes read as Latin-1
 * (so nothing is lost); `bytes` are views of the certificate. `directory` keeps the whole
 * Name TLV.
 */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string; readonly bytes: Uint8Array }
  | { readonly kind: 'ip'; readonly bytes: Uint8Array }
  | { readonly kind: 'email'; readonly value: string; readonly bytes: Uint8Array }
  | { readonly kind: 'uri'; readonly value: string; readonly bytes: Uint8Array }
  | { readonly kind: 'directory'; readonly bytes: Uint8Array }
  | { readonly kind: 'other'; readonly tag: number; readonly bytes: Uint8Array };

/** NameConstraints (RFC 5280 §4.2.1.10): `null` for an absent subtree list. */
export interface NameConstraints {
  readonly permitted: readonly GeneralName[] | null;
  readonly excluded: readonly GeneralName[] | null;
}

/** BasicConstraints (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLen: number | null;
}

/** One raw extension (RFC 5280 §4.1.2.9), for callers that need ones we do not interpret. */
export interface Extension {
  /** Dotted OID. */
  readonly oid: string;
  readonly critical: boolean;
  /** Content octets of extnValue (the DER of the extension's own value). */
  readonly value: Uint8Array;
}

/** keyUsage bits (RFC 5280 §4.2.1.3) as masks of `Certificate.keyUsage`. */
export const KeyUsageBit = {
  DigitalSignature: 1 << 0,
  NonRepudiation: 1 << 1,
  KeyEncipherment: 1 << 2,
  DataEncipherment: 1 << 3,
  KeyAgreement: 1 << 4,
  KeyCertSign: 1 << 5,
  CrlSign: 1 << 6,
  EncipherOnly: 1 << 7,
  DecipherOnly: 1 << 8,
} as const;

/** Well-known EKU OIDs (RFC 5280 §4.2.1.12), dotted. */
export const ExtendedKeyUsageOid = {
  ServerAuth: '1.3.6.1.5.5.7.3.1',
  ClientAuth: '1.3.6.1.5.5.7.3.2',
  CodeSigning: '1.3.6.1.5.5.7.3.3',
  EmailProtection: '1.3.6.1.5.5.7.3.4',
  TimeStamping: '1.3.6.1.5.5.7.3.8',
  OcspSigning: '1.3.6.1.5.5.7.3.9',
  AnyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/**
 * A parsed certificate. Byte fields are views of `der`, the caller's buffer; do not mutate it
 * while the certificate is in use.
 */
export interface Certificate {
  /** The whole certificate. */
  readonly der: Uint8Array;
  /** tbsCertificate TLV: the signed bytes. */
  readonly tbs: Uint8Array;
  /** AlgorithmIdentifier TLV of the signature (inner and outer are equal). */
  readonly signatureAlgorithm: Uint8Array;
  /** The signature value (BIT STRING content without the unused-bits octet). */
  readonly signature: Uint8Array;
  /** serialNumber content octets (two's complement, minimal). */
  readonly serial: Uint8Array;
  /** Issuer Name TLV. */
  readonly issuer: Uint8Array;
  /** Subject Name TLV. */
  readonly subject: Uint8Array;
  /** Validity, ms since the Unix epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** SubjectPublicKeyInfo TLV. */
  readonly spki: Uint8Array;
  readonly publicKey: PublicKeyInfo;
  readonly basicConstraints: BasicConstraints | null;
  /** keyUsage bit set (`KeyUsageBit` masks), or null when absent. */
  readonly keyUsage: number | null;
  /** Dotted EKU OIDs, or null when absent. */
  readonly extendedKeyUsage: readonly string[] | null;
  readonly subjectAltName: readonly GeneralName[] | null;
  readonly nameConstraints: NameConstraints | null;
  readonly authorityKeyId: Uint8Array | null;
  readonly subjectKeyId: Uint8Array | null;
  /** cRLDistributionPoints extnValue content (for `crl.ts`), or null. */
  readonly crlDistributionPoints: Uint8Array | null;
  /** Every extension, in order. */
  readonly extensions: readonly Extension[];
  /**
   * Critical extensions we do not process (only ever non-empty when parsed with
   * `allowUnknownCriticalExtensions`, as trust anchors are; such an anchor is refused when used).
   */
  readonly unknownCriticalExtensions: readonly string[];
}

// id-ce extension numbers (2.5.29.n) we understand.
const EXT_SUBJECT_KEY_ID = 14;
const EXT_KEY_USAGE = 15;
const EXT_SUBJECT_ALT_NAME = 17;
const EXT_BASIC_CONSTRAINTS = 19;
const EXT_NAME_CONSTRAINTS = 30;
const EXT_CRL_DISTRIBUTION_POINTS = 31;
const EXT_AUTHORITY_KEY_ID = 35;
const EXT_EXTENDED_KEY_USAGE = 37;

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';
const OID_ED448 = '1.3.101.113';
const CURVES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

function bad(message: string): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_BAD_ENCODING', message);
}

/**
 * Parses a DER certificate (RFC 5280 §4.1). With `allowUnknownCriticalExtensions` (trust
 * anchors) unknown critical extensions are listed in `unknownCriticalExtensions` instead.
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING for malformed or non-v3 certificates,
 *   ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION for a critical extension we do not process.
 * @example const cert = parseCertificate(der); cert.subjectAltName
 */
export function parseCertificate(der: Uint8Array, options?: { readonly allowUnknownCriticalExtensions?: boolean }): Certificate {
  const outer = new DerReader(der);
  const cert = outer.nested(Tag.Sequence, 'Certificate');
  outer.finish('Certificate');
  const tbsElement = cert.expectElement(Tag.Sequence, 'tbsCertificate');
  const signatureAlgorithm = cert.expectElement(Tag.Sequence, 'signatureAlgorithm').encoding;
  const sig = cert.bitString('signatureValue');
  if (sig.unusedBits !== 0) throw derError('signatureValue', `${sig.unusedBits} unused bits, expected 0`);
  cert.finish('Certificate');

  const tbs = DerReader.over(tbsElement, 1, 'tbsCertificate');
  // RFC 5280 §4.1.2.1: only v3 (like rustls-webpki); `[0] EXPLICIT Version`.
  const versionReader = tbs.optionalNested(contextConstructed(0), 'version');
  if (versionReader === null) throw bad('version: absent (v1 certificate), expected v3');
  const version = versionReader.smallNonNegative('version');
  versionReader.finish('version');
  if (version !== 2) throw bad(`version: v${version + 1}, expected v3`);

  const serial = tbs.integer('serialNumber');
  checkSerial(serial);

  const innerAlgorithm = tbs.expectElement(Tag.Sequence, 'signature').encoding;
  // RFC 5280 §4.1.1.2: MUST contain the same algorithm identifier as the signature field.
  if (!bytesEqual(innerAlgorithm, signatureAlgorithm)) {
    throw bad('signature: tbsCertificate.signature differs from signatureAlgorithm, expected equal');
  }
  const issuer = tbs.expectElement(Tag.Sequence, 'issuer').encoding;
  parseName(issuer, 'issuer');
  const validity = tbs.nested(Tag.Sequence, 'validity');
  const notBefore = readTime(validity, 'validity.notBefore');
  const notAfter = readTime(validity, 'validity.notAfter');
  validity.finish('validity');
  const subject = tbs.expectElement(Tag.Sequence, 'subject').encoding;
  parseName(subject, 'subject');
  const spkiElement = tbs.expectElement(Tag.Sequence, 'subjectPublicKeyInfo');
  const publicKey = parsePublicKeyInfo(spkiElement);

  // issuerUniqueID [1] / subjectUniqueID [2]: rejected like rustls-webpki (never used in practice).
  const extensions: Extension[] = [];
  const unknownCriticalExtensions: string[] = [];
  const extsOuter = tbs.optionalNested(contextConstructed(3), 'extensions');
  tbs.finish('tbsCertificate');

  let basicConstraints: BasicConstraints | null = null;
  let keyUsage: number | null = null;
  let extendedKeyUsage: string[] | null = null;
  let subjectAltName: GeneralName[] | null = null;
  let nameConstraints: NameConstraints | null = null;
  let authorityKeyId: Uint8Array | null = null;
  let subjectKeyId: Uint8Array | null = null;
  let crlDistributionPoints: Uint8Array | null = null;

  if (extsOuter !== null) {
    const exts = extsOuter.nested(Tag.Sequence, 'extensions');
    extsOuter.finish('extensions');
    // RFC 5280 says SIZE (1..MAX); rustls-webpki accepts an empty list (real CAs emit it).
    const seen = new Set<string>();
    while (!exts.atEnd()) {
      const ext = exts.nested(Tag.Sequence, 'Extension');
      const oidBytes = ext.oid('Extension.extnID');
      const critical = ext.optionalBoolean('Extension.critical');
      const value = ext.expect(Tag.OctetString, 'Extension.extnValue');
      ext.finish('Extension');
      const oid = oidToString(oidBytes);
      // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
      if (seen.has(oid)) throw bad(`extensions: duplicate extension ${oid}`);
      seen.add(oid);
      extensions.push({ oid, critical, value });
      const id = oidBytes.length === 3 && oidBytes[0] === 0x55 && oidBytes[1] === 0x1d ? oidBytes[2]! : -1;
      switch (id) {
        case EXT_BASIC_CONSTRAINTS: basicConstraints = parseBasicConstraints(value); break;
        case EXT_KEY_USAGE: keyUsage = parseKeyUsage(value); break;
        case EXT_EXTENDED_KEY_USAGE: extendedKeyUsage = parseExtendedKeyUsage(value); break;
        case EXT_SUBJECT_ALT_NAME: subjectAltName = parseGeneralNames(value, 'subjectAltName'); break;
        case EXT_NAME_CONSTRAINTS: nameConstraints = parseNameConstraints(value); break;
        case EXT_AUTHORITY_KEY_ID: authorityKeyId = parseAuthorityKeyId(value); break;
        case EXT_SUBJECT_KEY_ID: subjectKeyId = parseSingleValue(value, Tag.OctetString, 'subjectKeyIdentifier'); break;
        case EXT_CRL_DISTRIBUTION_POINTS:
          parseSingleValue(value, Tag.Sequence, 'cRLDistributionPoints');
          crlDistributionPoints = value;
          break;
        default:
          // RFC 5280 §4.2: reject a certificate with a critical extension it does not recognize.
          if (critical) {
            if (options?.allowUnknownCriticalExtensions !== true) {
              throw new TlsCertificateError('ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION', `certificate has unsupported critical extension ${oid}`);
            }
            unknownCriticalExtensions.push(oid);
          }
      }
    }
  }

  return {
    der, tbs: tbsElement.encoding, signatureAlgorithm, signature: sig.bytes, serial, issuer, subject,
    notBefore, notAfter, spki: spkiElement.encoding, publicKey, basicConstraints, keyUsage,
    extendedKeyUsage, subjectAltName, nameConstraints, authorityKeyId, subjectKeyId,
    crlDistributionPoints, extensions, unknownCriticalExtensions,
  };
}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets (a sign-padding 0x00 not counted). */
function checkSerial(serial: Uint8Array): void {
  if ((serial[0]! & 0x80) !== 0) throw bad('serialNumber: negative, expected a positive integer');
  const len = serial[0] === 0 && serial.length > 1 ? serial.length - 1 : serial.length;
  if (len > 20) throw bad(`serialNumber: ${len} octets, expected at most 20`);
}

function parseSingleValue(value: Uint8Array, tag: number, field: string): Uint8Array {
  const r = new DerReader(value);
  const v = r.expect(tag, field);
  r.finish(field);
  return v;
}

function parseBasicConstraints(value: Uint8Array): BasicConstraints {
  const outer = new DerReader(value);
  const r = outer.nested(Tag.Sequence, 'basicConstraints');
  outer.finish('basicConstraints');
  const ca = r.optionalBoolean('basicConstraints.cA');
  // Like rustls-webpki, pathLenConstraint fits a u8.
  const pathLen = r.atEnd() ? null : r.smallNonNegative('basicConstraints.pathLenConstraint', 255);
  r.finish('basicConstraints');
  return { ca, pathLen };
}

function parseKeyUsage(value: Uint8Array): number {
  const r = new DerReader(value);
  const bits = r.bitString('keyUsage');
  r.finish('keyUsage');
  // DER (X.690 §11.2.2) drops trailing zero bits of a named bit list, so the last octet is
  // non-zero; RFC 5280 §4.2.1.3: at least one bit set.
  if (bits.bytes.length === 0) throw bad('keyUsage: no bits set, expected at least one');
  if (bits.bytes.length > 2) throw bad(`keyUsage: ${bits.bytes.length} octets, expected at most 2`);
  const last = bits.bytes[bits.bytes.length - 1]!;
  if (last === 0 || (last & (1 << bits.unusedBits)) === 0) throw bad('keyUsage: trailing zero bits, expected a minimal named bit list');
  let mask = 0;
  for (let i = 0; i < bits.bytes.length * 8; i++) {
    if ((bits.bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0) mask |= 1 << i;
  }
  return mask;
}

function parseExtendedKeyUsage(value: Uint8Array): string[] {
  const outer = new DerReader(value);
  const r = outer.nested(Tag.Sequence, 'extKeyUsage');
  outer.finish('extKeyUsage');
  const out: string[] = [];
  // RFC 5280 §4.2.1.12: SIZE (1..MAX).
  if (r.atEnd()) throw bad('extKeyUsage: empty, expected at least one KeyPurposeId');
  while (!r.atEnd()) out.push(oidToString(r.oid('extKeyUsage.KeyPurposeId')));
  return out;
}

function parseAuthorityKeyId(value: Uint8Array): Uint8Array | null {
  const outer = new DerReader(value);
  const r = outer.nested(Tag.Sequence, 'authorityKeyIdentifier');
  outer.finish('authorityKeyIdentifier');
  const keyId = r.optional(contextPrimitive(0), 'authorityKeyIdentifier.keyIdentifier');
  r.optional(contextConstructed(1), 'authorityKeyIdentifier.authorityCertIssuer');
  r.optional(contextPrimitive(2), 'authorityKeyIdentifier.authorityCertSerialNumber');
  r.finish('authorityKeyIdentifier');
  return keyId === null ? null : keyId.value;
}

/** Reads one GeneralName (RFC 5280 §4.2.1.6). */
export function parseGeneralName(r: DerReader, field: string): GeneralName {
  const e = r.read(field);
  switch (e.tag) {
    case contextPrimitive(1): return { kind: 'email', value: latin1(e.value), bytes: e.value };
    case contextPrimitive(2): return { kind: 'dns', value: latin1(e.value), bytes: e.value };
    case contextPrimitive(6): return { kind: 'uri', value: latin1(e.value), bytes: e.value };
    case contextPrimitive(7): return { kind: 'ip', bytes: e.value };
    case contextConstructed(4): {
      // [4] EXPLICIT Name (Name is a CHOICE, so the tag is explicit).
      const inner = DerReader.over(e, r.depth + 1, field);
      const name = inner.expectElement(Tag.Sequence, field + ' directoryName').encoding;
      inner.finish(field + ' directoryName');
      parseName(name, field + ' directoryName');
      return { kind: 'directory', bytes: name };
    }
    case contextConstructed(0): // otherName
    case contextConstructed(3): // x400Address
    case contextConstructed(5): // ediPartyName
    case contextPrimitive(8): // registeredID
      return { kind: 'other', tag: e.tag, bytes: e.value };
    default:
      throw derError(field, `GeneralName tag 0x${e.tag.toString(16)}, expected [0]..[8]`);
  }
}

function parseGeneralNames(value: Uint8Array, field: string): GeneralName[] {
  const outer = new DerReader(value);
  const r = outer.nested(Tag.Sequence, field);
  outer.finish(field);
  const out: GeneralName[] = [];
  while (!r.atEnd()) out.push(parseGeneralName(r, field));
  return out;
}

function parseSubtrees(r: DerReader, field: string): GeneralName[] {
  const out: GeneralName[] = [];
  // RFC 5280 §4.2.1.10: GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
  if (r.atEnd()) throw bad(`${field}: empty, expected at least one GeneralSubtree`);
  while (!r.atEnd()) {
    const st = r.nested(Tag.Sequence, field);
    out.push(parseGeneralName(st, field + '.base'));
    // "the minimum MUST be zero, and maximum MUST be absent": DER omits the default, so
    // nothing may follow the base (as rustls-webpki).
    st.finish(field + ' GeneralSubtree (minimum/maximum not allowed)');
  }
  return out;
}

function parseNameConstraints(value: Uint8Array): NameConstraints {
  const outer = new DerReader(value);
  const r = outer.nested(Tag.Sequence, 'nameConstraints');
  outer.finish('nameConstraints');
  const p = r.optionalNested(contextConstructed(0), 'nameConstraints.permittedSubtrees');
  const x = r.optionalNested(contextConstructed(1), 'nameConstraints.excludedSubtrees');
  r.finish('nameConstraints');
  // RFC 5280 §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is
  // an empty sequence."
  if (p === null && x === null) throw bad('nameConstraints: empty, expected permitted or excluded subtrees');
  return {
    permitted: p === null ? null : parseSubtrees(p, 'nameConstraints.permittedSubtrees'),
    excluded: x === null ? null : parseSubtrees(x, 'nameConstraints.excludedSubtrees'),
  };
}

/**
 * Parses a SubjectPublicKeyInfo TLV (RFC 5280 §4.1.2.7) into what verification needs.
 * @throws ERR_TLS_CERT_BAD_ENCODING
 */
export function parseSpki(spki: Uint8Array): PublicKeyInfo {
  const r = new DerReader(spki);
  const e = r.expectElement(Tag.Sequence, 'subjectPublicKeyInfo');
  r.finish('subjectPublicKeyInfo');
  return parsePublicKeyInfo(e);
}

function parsePublicKeyInfo(e: DerElement): PublicKeyInfo {
  const spki = DerReader.over(e, 1, 'subjectPublicKeyInfo');
  const alg = spki.nested(Tag.Sequence, 'subjectPublicKeyInfo.algorithm');
  const oid = oidToString(alg.oid('subjectPublicKeyInfo.algorithm'));
  const params = alg.atEnd() ? null : alg.read('subjectPublicKeyInfo.algorithm.parameters');
  alg.finish('subjectPublicKeyInfo.algorithm');
  const key = spki.bitString('subjectPublicKey');
  spki.finish('subjectPublicKeyInfo');
  if (key.unusedBits !== 0) throw bad('subjectPublicKey: unused bits, expected whole octets');
  switch (oid) {
    case OID_RSA_ENCRYPTION: {
      // RFC 3279 §2.3.1: parameters NULL.
      if (params === null || params.tag !== Tag.Null || params.value.length !== 0) {
        throw bad('subjectPublicKeyInfo: rsaEncryption parameters must be NULL');
      }
      return { kind: 'rsa', modulusBits: rsaModulusBits(key.bytes) };
    }
    case OID_RSASSA_PSS:
      return { kind: 'rsa-pss', modulusBits: rsaModulusBits(key.bytes) };
    case OID_EC_PUBLIC_KEY: {
      // RFC 5480 §2.1.1: namedCurve only.
      if (params === null || params.tag !== Tag.Oid) throw bad('subjectPublicKeyInfo: EC parameters must be a namedCurve OID');
      const curveOid = oidToString(params.value);
      const curve = CURVES[curveOid] ?? null;
      if (curve !== null) {
        const size = curve === 'P-256' ? 32 : curve === 'P-384' ? 48 : 66;
        // RFC 5480 §2.2: uncompressed points only (as rustls-webpki via ring/aws-lc).
        if (key.bytes.length !== 1 + 2 * size || key.bytes[0] !== 0x04) {
          throw bad(`subjectPublicKey: ${curve} point of ${key.bytes.length} bytes, expected an uncompressed point of ${1 + 2 * size}`);
        }
      }
      return { kind: 'ec', curve, curveOid };
    }
    case OID_ED25519:
      // RFC 8410 §3: parameters absent.
      if (params !== null) throw bad('subjectPublicKeyInfo: Ed25519 parameters must be absent');
      if (key.bytes.length !== 32) throw bad(`subjectPublicKey: Ed25519 key of ${key.bytes.length} bytes, expected 32`);
      return { kind: 'ed25519' };
    case OID_ED448:
      return { kind: 'ed448' };
    default:
      return { kind: 'unknown', algorithm: oid };
  }
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1). */
function rsaModulusBits(key: Uint8Array): number {
  const outer = new DerReader(key);
  const r = outer.nested(Tag.Sequence, 'RSAPublicKey');
  outer.finish('RSAPublicKey');
  const n = r.integer('RSAPublicKey.modulus');
  const e = r.integer('RSAPublicKey.publicExponent');
  r.finish('RSAPublicKey');
  if ((n[0]! & 0x80) !== 0 || (e[0]! & 0x80) !== 0) throw bad('RSAPublicKey: negative modulus or exponent');
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) throw bad('RSAPublicKey: zero modulus');
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST',
  '2.5.4.9': 'street', '2.5.4.10': 'O', '2.5.4.11': 'OU', '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID', '1.2.840.113549.1.9.1': 'emailAddress',
};

/** One AttributeTypeAndValue of a Name. `value` is the whole value TLV (a view). */
export interface NameAttribute {
  readonly oid: string;
  readonly value: DerElement;
}

/**
 * Parses a Name TLV (RFC 5280 §4.1.2.4) into its RDNs, each a list of attributes; checks the
 * structure (SET OF SEQUENCE { OID, ANY }) and that each RDN is non-empty.
 * @throws ERR_TLS_CERT_BAD_ENCODING
 */
export function parseName(name: Uint8Array, field: string): NameAttribute[][] {
  const outer = new DerReader(name);
  const seq = outer.nested(Tag.Sequence, field);
  outer.finish(field);
  const rdns: NameAttribute[][] = [];
  while (!seq.atEnd()) {
    const set = seq.nested(Tag.Set, field + ' RDN');
    const rdn: NameAttribute[] = [];
    if (set.atEnd()) throw bad(`${field}: empty RelativeDistinguishedName`);
    while (!set.atEnd()) {
      const atv = set.nested(Tag.Sequence, field + ' AttributeTypeAndValue');
      const oid = oidToString(atv.oid(field + ' attribute type'));
      const value = atv.read(field + ' attribute value');
      atv.finish(field + ' AttributeTypeAndValue');
      rdn.push({ oid, value });
    }
    rdns.push(rdn);
  }
  return rdns;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** A directory string attribute's text, or null when it is not a string type we decode. */
export function attributeText(value: DerElement): string | null {
  switch (value.tag) {
    case Tag.Utf8String: {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(value.value);
      } catch {
        return null;
      }
    }
    case Tag.PrintableString:
    case Tag.Ia5String:
    case Tag.TeletexString:
      return latin1(value.value);
    case Tag.BmpString: {
      if (value.value.length % 2 !== 0) return null;
      let s = '';
      for (let i = 0; i < value.value.length; i += 2) s += String.fromCharCode((value.value[i]! << 8) | value.value[i + 1]!);
      return s;
    }
    default:
      return null;
  }
}

/**
 * A readable RFC 4514-style form of a Name TLV for messages (`CN=leaf, O=Example`), in
 * encoding order. Never throws: malformed names print as `<malformed name>`.
 */
export function nameToString(name: Uint8Array): string {
  let rdns: NameAttribute[][];
  try {
    rdns = parseName(name, 'name');
  } catch {
    return '<malformed name>';
  }
  if (rdns.length === 0) return '<empty name>';
  return rdns
    .map((rdn) => rdn.map((a) => {
      const text = attributeText(a.value);
      const shown = text === null ? '#' + Array.from(a.value.encoding, (b) => b.toString(16).padStart(2, '0')).join('') : text.replace(/([,+"\\<>;])/g, '\\$1');
      return `${ATTRIBUTE_NAMES[a.oid] ?? a.oid}=${shown}`;
    }).join('+'))
    .join(', ');
}
