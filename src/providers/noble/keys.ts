/**
 * Key encodings for the noble provider, on the runtime-agnostic DER reader of `webpki/der.ts`:
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) to verify with, private keys to sign with
 * (PKCS#8 RFC 5958, SEC1 RFC 5915, PKCS#1 RFC 8017 §A.1.2), PEM (RFC 7468) without `Buffer`,
 * and SPKI encoding for `SigningKey.publicKeySpki()`.
 */
import type { HashName } from '../../core/crypto/provider.ts';
import { DerReader, Tag, contextConstructed, oidFromString, oidToString, tlv } from '../../webpki/der.ts';
import { bitLength, os2ip, type RsaPrivateKey, type RsaPublicKey } from './rsa.ts';

/** Object identifiers (dotted). */
export const Oid = {
  RsaEncryption: '1.2.840.113549.1.1.1',
  RsassaPss: '1.2.840.113549.1.1.10',
  Mgf1: '1.2.840.113549.1.1.8',
  EcPublicKey: '1.2.840.10045.2.1',
  P256: '1.2.840.10045.3.1.7',
  P384: '1.3.132.0.34',
  P521: '1.3.132.0.35',
  Ed25519: '1.3.101.112',
  Ed448: '1.3.101.113',
  Sha1: '1.3.14.3.2.26',
  Sha256: '2.16.840.1.101.3.4.2.1',
  Sha384: '2.16.840.1.101.3.4.2.2',
  Sha512: '2.16.840.1.101.3.4.2.3',
  Pbes2: '1.2.840.113549.1.5.13',
} as const;

/** The NIST curves we sign and verify with. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

const CURVE_BY_OID: Readonly<Record<string, EcCurve>> = { [Oid.P256]: 'P-256', [Oid.P384]: 'P-384', [Oid.P521]: 'P-521' };
const OID_BY_CURVE: Readonly<Record<EcCurve, string>> = { 'P-256': Oid.P256, 'P-384': Oid.P384, 'P-521': Oid.P521 };
/** Coordinate (and private scalar) length in bytes per curve. */
export const CURVE_SIZE: Readonly<Record<EcCurve, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

/**
 * RSASSA-PSS-params restrictions of an id-RSASSA-PSS key (RFC 4055 §3.1), or null when the key
 * has no parameters (any PSS hash allowed). Defaults: SHA-1, MGF1-SHA-1, salt 20.
 */
export interface PssRestriction {
  readonly hash: HashName | 'sha1' | 'other';
  readonly mgf1Hash: HashName | 'sha1' | 'other';
  readonly saltLength: number;
}

/** A public key ready to verify with. */
export type ParsedPublicKey =
  | { readonly kind: 'rsa'; readonly key: RsaPublicKey }
  | { readonly kind: 'rsa-pss'; readonly key: RsaPublicKey; readonly restriction: PssRestriction | null }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly point: Uint8Array }
  | { readonly kind: 'ed448'; readonly point: Uint8Array };

function hashByOid(oid: string): HashName | 'sha1' | 'other' {
  switch (oid) {
    case Oid.Sha1: return 'sha1';
    case Oid.Sha256: return 'sha256';
    case Oid.Sha384: return 'sha384';
    case Oid.Sha512: return 'sha512';
    default: return 'other';
  }
}

/** AlgorithmIdentifier of a hash inside PSS params: OID with absent or NULL parameters. */
function readHashAlgorithm(r: DerReader, field: string): HashName | 'sha1' | 'other' {
  const alg = r.nested(Tag.Sequence, field);
  const oid = oidToString(alg.oid(field));
  if (!alg.atEnd()) alg.null(field);
  alg.finish(field);
  return hashByOid(oid);
}

/** RSASSA-PSS-params (RFC 4055 §3.1), every field optional with its DEFAULT. */
function parsePssParams(params: Uint8Array): PssRestriction {
  const outer = new DerReader(params);
  const r = outer.nested(Tag.Sequence, 'RSASSA-PSS-params');
  outer.finish('RSASSA-PSS-params');
  let hash: PssRestriction['hash'] = 'sha1';
  let mgf1Hash: PssRestriction['mgf1Hash'] = 'sha1';
  let saltLength = 20;
  const h = r.optionalNested(contextConstructed(0), 'RSASSA-PSS-params.hashAlgorithm');
  if (h !== null) {
    hash = readHashAlgorithm(h, 'RSASSA-PSS-params.hashAlgorithm');
    h.finish('RSASSA-PSS-params.hashAlgorithm');
  }
  const m = r.optionalNested(contextConstructed(1), 'RSASSA-PSS-params.maskGenAlgorithm');
  if (m !== null) {
    const alg = m.nested(Tag.Sequence, 'maskGenAlgorithm');
    m.finish('RSASSA-PSS-params.maskGenAlgorithm');
    const oid = oidToString(alg.oid('maskGenAlgorithm'));
    mgf1Hash = oid === Oid.Mgf1 ? readHashAlgorithm(alg, 'maskGenAlgorithm.parameters') : 'other';
    if (oid !== Oid.Mgf1) alg.read('maskGenAlgorithm.parameters');
    alg.finish('maskGenAlgorithm');
  }
  const s = r.optionalNested(contextConstructed(2), 'RSASSA-PSS-params.saltLength');
  if (s !== null) {
    saltLength = s.smallNonNegative('RSASSA-PSS-params.saltLength');
    s.finish('RSASSA-PSS-params.saltLength');
  }
  const t = r.optionalNested(contextConstructed(3), 'RSASSA-PSS-params.trailerField');
  if (t !== null) {
    // RFC 4055 §3.1: trailerField must be 1 (0xbc).
    if (t.smallNonNegative('RSASSA-PSS-params.trailerField') !== 1) throw new Error('trailerField other than 1');
    t.finish('RSASSA-PSS-params.trailerField');
  }
  r.finish('RSASSA-PSS-params');
  return { hash, mgf1Hash, saltLength };
}

/** A positive INTEGER's value (RSA fields). */
function positiveInteger(r: DerReader, field: string): bigint {
  const v = r.integer(field);
  if ((v[0]! & 0x80) !== 0) throw new Error(`${field}: negative INTEGER`);
  const x = os2ip(v);
  if (x === 0n) throw new Error(`${field}: zero`);
  return x;
}

/** RSAPublicKey ::= SEQUENCE { modulus, publicExponent } (RFC 8017 §A.1.1). */
export function parseRsaPublicKey(der: Uint8Array): RsaPublicKey {
  const outer = new DerReader(der);
  const r = outer.nested(Tag.Sequence, 'RSAPublicKey');
  outer.finish('RSAPublicKey');
  const n = positiveInteger(r, 'RSAPublicKey.modulus');
  const e = positiveInteger(r, 'RSAPublicKey.publicExponent');
  r.finish('RSAPublicKey');
  return rsaPublic(n, e);
}

function rsaPublic(n: bigint, e: bigint): RsaPublicKey {
  const bits = bitLength(n);
  return { n, e, bits, k: Math.ceil(bits / 8) };
}

/**
 * Parses a DER SubjectPublicKeyInfo for verification, or returns null for anything malformed
 * or unsupported (the verifier then answers false; it never throws for bad input). Enforces
 * the rules of `webpki/certificate.ts`: NULL rsaEncryption parameters, named curves,
 * uncompressed points, absent EdDSA parameters.
 */
export function parsePublicKey(spki: Uint8Array): ParsedPublicKey | null {
  try {
    const outer = new DerReader(spki);
    const r = outer.nested(Tag.Sequence, 'subjectPublicKeyInfo');
    outer.finish('subjectPublicKeyInfo');
    const alg = r.nested(Tag.Sequence, 'algorithm');
    const oid = oidToString(alg.oid('algorithm'));
    const params = alg.atEnd() ? null : alg.read('algorithm.parameters');
    alg.finish('algorithm');
    const bits = r.bitString('subjectPublicKey');
    r.finish('subjectPublicKeyInfo');
    if (bits.unusedBits !== 0) return null;
    const key = bits.bytes;
    switch (oid) {
      case Oid.RsaEncryption:
        // RFC 3279 §2.3.1: parameters NULL.
        if (params === null || params.tag !== Tag.Null || params.value.length !== 0) return null;
        return { kind: 'rsa', key: parseRsaPublicKey(key) };
      case Oid.RsassaPss:
        // RFC 4055 §3.1: absent parameters leave the key unrestricted.
        return { kind: 'rsa-pss', key: parseRsaPublicKey(key), restriction: params === null ? null : parsePssParams(params.encoding) };
      case Oid.EcPublicKey: {
        if (params === null || params.tag !== Tag.Oid) return null; // RFC 5480 §2.1.1: namedCurve
        const curve = CURVE_BY_OID[oidToString(params.value)];
        if (curve === undefined) return null;
        // RFC 5480 §2.2: uncompressed points only.
        if (key.length !== 1 + 2 * CURVE_SIZE[curve] || key[0] !== 0x04) return null;
        return { kind: 'ec', curve, point: key.slice() };
      }
      case Oid.Ed25519:
        if (params !== null || key.length !== 32) return null; // RFC 8410 §3
        return { kind: 'ed25519', point: key.slice() };
      case Oid.Ed448:
        if (params !== null || key.length !== 57) return null;
        return { kind: 'ed448', point: key.slice() };
      default:
        return null;
    }
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- private keys

/** A private key as parsed, before any curve or size policy. */
export type ParsedPrivateKey =
  | { readonly kind: 'rsa'; readonly key: RsaPrivateKey }
  | { readonly kind: 'ec'; readonly curve: EcCurve | null; readonly curveOid: string | null; readonly scalar: Uint8Array; readonly publicPoint: Uint8Array | null }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array }
  | { readonly kind: 'unsupported'; readonly what: string };

/** RSAPrivateKey (RFC 8017 §A.1.2), two-prime form only. Throws on malformed input. */
export function parseRsaPrivateKey(der: Uint8Array): RsaPrivateKey {
  const outer = new DerReader(der);
  const r = outer.nested(Tag.Sequence, 'RSAPrivateKey');
  outer.finish('RSAPrivateKey');
  const version = r.smallNonNegative('RSAPrivateKey.version');
  if (version !== 0) throw new Error(`RSAPrivateKey version ${version}: multi-prime keys are not supported, expected version 0`);
  const n = positiveInteger(r, 'RSAPrivateKey.modulus');
  const e = positiveInteger(r, 'RSAPrivateKey.publicExponent');
  const d = positiveInteger(r, 'RSAPrivateKey.privateExponent');
  const p = positiveInteger(r, 'RSAPrivateKey.prime1');
  const q = positiveInteger(r, 'RSAPrivateKey.prime2');
  const dp = positiveInteger(r, 'RSAPrivateKey.exponent1');
  const dq = positiveInteger(r, 'RSAPrivateKey.exponent2');
  const qInv = positiveInteger(r, 'RSAPrivateKey.coefficient');
  r.finish('RSAPrivateKey');
  if (p * q !== n) throw new Error('RSAPrivateKey: prime1 * prime2 is not the modulus');
  if ((qInv * q) % p !== 1n) throw new Error('RSAPrivateKey: coefficient is not q^-1 mod p');
  return { ...rsaPublic(n, e), d, p, q, dp, dq, qInv };
}

/** ECPrivateKey (RFC 5915 §3); `curveOid` from the PKCS#8 AlgorithmIdentifier when there. */
export function parseEcPrivateKey(der: Uint8Array, outerCurveOid: string | null): ParsedPrivateKey {
  const outer = new DerReader(der);
  const r = outer.nested(Tag.Sequence, 'ECPrivateKey');
  outer.finish('ECPrivateKey');
  const version = r.smallNonNegative('ECPrivateKey.version');
  if (version !== 1) throw new Error(`ECPrivateKey version ${version}, expected 1`);
  const scalar = r.expect(Tag.OctetString, 'ECPrivateKey.privateKey');
  let curveOid = outerCurveOid;
  const params = r.optionalNested(contextConstructed(0), 'ECPrivateKey.parameters');
  if (params !== null) {
    const inner = oidToString(params.oid('ECPrivateKey.parameters'));
    params.finish('ECPrivateKey.parameters');
    if (curveOid !== null && inner !== curveOid) throw new Error(`ECPrivateKey curve ${inner} differs from the PKCS#8 curve ${curveOid}`);
    curveOid = inner;
  }
  let publicPoint: Uint8Array | null = null;
  const pub = r.optionalNested(contextConstructed(1), 'ECPrivateKey.publicKey');
  if (pub !== null) {
    publicPoint = pub.bitString('ECPrivateKey.publicKey').bytes;
    pub.finish('ECPrivateKey.publicKey');
  }
  r.finish('ECPrivateKey');
  const curve = curveOid === null ? null : CURVE_BY_OID[curveOid] ?? null;
  return { kind: 'ec', curve, curveOid, scalar, publicPoint };
}

/** PrivateKeyInfo / OneAsymmetricKey (RFC 5958 §2). Throws on malformed input. */
export function parsePkcs8(der: Uint8Array): ParsedPrivateKey {
  const outer = new DerReader(der);
  const r = outer.nested(Tag.Sequence, 'PrivateKeyInfo');
  outer.finish('PrivateKeyInfo');
  const first = r.peekTag();
  if (first === Tag.Sequence) {
    // EncryptedPrivateKeyInfo (RFC 5958 §3) starts with an AlgorithmIdentifier, not a version.
    return { kind: 'unsupported', what: 'an encrypted PKCS#8 key' };
  }
  const version = r.smallNonNegative('PrivateKeyInfo.version');
  if (version > 1) throw new Error(`PrivateKeyInfo version ${version}, expected 0 or 1`);
  const alg = r.nested(Tag.Sequence, 'PrivateKeyInfo.privateKeyAlgorithm');
  const oid = oidToString(alg.oid('privateKeyAlgorithm'));
  const params = alg.atEnd() ? null : alg.read('privateKeyAlgorithm.parameters');
  alg.finish('privateKeyAlgorithm');
  const privateKey = r.expect(Tag.OctetString, 'PrivateKeyInfo.privateKey');
  // [0] attributes and [1] publicKey (v2) may follow; neither is needed.
  while (!r.atEnd()) r.read('PrivateKeyInfo.optional');
  switch (oid) {
    case Oid.RsaEncryption:
      return { kind: 'rsa', key: parseRsaPrivateKey(privateKey) };
    case Oid.EcPublicKey: {
      if (params === null || params.tag !== Tag.Oid) throw new Error('EC key without a namedCurve OID');
      return parseEcPrivateKey(privateKey, oidToString(params.value));
    }
    case Oid.Ed25519: {
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, itself inside privateKey.
      const inner = new DerReader(privateKey);
      const seed = inner.expect(Tag.OctetString, 'CurvePrivateKey');
      inner.finish('CurvePrivateKey');
      if (seed.length !== 32) throw new Error(`Ed25519 private key of ${seed.length} bytes, expected 32`);
      return { kind: 'ed25519', seed };
    }
    case Oid.RsassaPss: return { kind: 'unsupported', what: 'an RSASSA-PSS (id-RSASSA-PSS) key' };
    case Oid.Ed448: return { kind: 'unsupported', what: 'an Ed448 key' };
    default: return { kind: 'unsupported', what: `a key of algorithm ${oid}` };
  }
}

// ---------------------------------------------------------------- SPKI encoding

/** DER INTEGER of a non-negative bigint (minimal two's complement). */
function integer(x: bigint): Uint8Array {
  let hex = x.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.substring(0, 2), 16) >= 0x80) hex = '00' + hex;
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.substring(2 * i, 2 * i + 2), 16);
  return tlv(Tag.Integer, b);
}

function spki(algorithm: Uint8Array, key: Uint8Array): Uint8Array {
  return tlv(Tag.Sequence, algorithm, tlv(Tag.BitString, [0], key));
}

/** rsaEncryption SPKI (RFC 3279 §2.3.1). */
export function rsaSpki(key: RsaPublicKey): Uint8Array {
  return spki(tlv(Tag.Sequence, tlv(Tag.Oid, oidFromString(Oid.RsaEncryption)), tlv(Tag.Null)), tlv(Tag.Sequence, integer(key.n), integer(key.e)));
}

/** id-ecPublicKey SPKI with a named curve and an uncompressed point (RFC 5480). */
export function ecSpki(curve: EcCurve, point: Uint8Array): Uint8Array {
  return spki(tlv(Tag.Sequence, tlv(Tag.Oid, oidFromString(Oid.EcPublicKey)), tlv(Tag.Oid, oidFromString(OID_BY_CURVE[curve]))), point);
}

/** Ed25519 SPKI (RFC 8410 §4). */
export function ed25519Spki(point: Uint8Array): Uint8Array {
  return spki(tlv(Tag.Sequence, tlv(Tag.Oid, oidFromString(Oid.Ed25519))), point);
}

// ---------------------------------------------------------------- PEM

/** One PEM block (RFC 7468): its label, headers (RFC 1421 style, if any) and decoded body. */
export interface PemBlock {
  readonly label: string;
  readonly headers: string;
  readonly base64: string;
}

/** Every PEM block in `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const body = m[2]!;
    // Legacy OpenSSL encryption headers ("Proc-Type: 4,ENCRYPTED") end with a blank line.
    const split = /^([\s\S]*?:[^\n]*\n)\s*\n([\s\S]*)$/.exec(body);
    blocks.push({ label: m[1]!, headers: split === null ? '' : split[1]!, base64: (split === null ? body : split[2]!).replace(/\s+/g, '') });
  }
  return blocks;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Strict standard base64 (RFC 4648 §4), whitespace already removed; null when malformed. */
export function base64Decode(s: string): Uint8Array | null {
  if (s.length % 4 !== 0) return null;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      let x: number;
      if (c === 0x3d && i + j >= s.length - pad) x = 0; // '=' only as trailing padding
      else {
        x = c < 128 ? B64_INDEX[c]! : -1;
        if (x < 0) return null;
      }
      v = (v << 6) | x;
    }
    if (o < out.length) out[o++] = (v >>> 16) & 0xff;
    if (o < out.length) out[o++] = (v >>> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}

/** Latin-1 text of bytes (PEM given as bytes), without `Buffer`. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
