/**
 * Signature verification on node:crypto for every TLS SignatureScheme (RFC 8446 §4.2.3),
 * for handshake signatures and certificate signatures alike. The key must suit the scheme:
 * a P-384 key with ecdsa_secp256r1_sha256, or an rsaEncryption key with rsa_pss_pss_*, is
 * refused. Imported public keys are cached by their SPKI bytes (an import costs 60-100 µs).
 */
import { constants, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { SignatureScheme } from '../../core/codec/codepoints.ts';
import type { HashName, SignatureVerifier } from '../../core/crypto/provider.ts';

const S = SignatureScheme;

type SchemeKind = 'rsa-pkcs1' | 'rsa-pss-rsae' | 'rsa-pss-pss' | 'ecdsa' | 'eddsa';

/** How one scheme verifies: which key type, which curve, which hash. */
interface SchemeInfo {
  readonly kind: SchemeKind;
  /** Node's hash name, or null for EdDSA (the hash is part of the algorithm). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Hash output length: the PSS salt length (RFC 8446 §4.2.3). */
  readonly hashLength: number;
  /** The node `asymmetricKeyType` the key must have. */
  readonly keyType: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';
  /** For ECDSA, the node curve name the key must be on. */
  readonly curve: string | null;
}

function info(kind: SchemeKind, hash: SchemeInfo['hash'], keyType: SchemeInfo['keyType'], curve: string | null = null): SchemeInfo {
  const hashLength = hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : hash === 'sha512' ? 64 : 0;
  return { kind, hash, hashLength, keyType, curve };
}

/** Every scheme we verify. */
export const schemeInfo: ReadonlyMap<number, SchemeInfo> = new Map<number, SchemeInfo>([
  [S.EcdsaSecp256r1Sha256, info('ecdsa', 'sha256', 'ec', 'prime256v1')],
  [S.EcdsaSecp384r1Sha384, info('ecdsa', 'sha384', 'ec', 'secp384r1')],
  [S.EcdsaSecp521r1Sha512, info('ecdsa', 'sha512', 'ec', 'secp521r1')],
  [S.Ed25519, info('eddsa', null, 'ed25519')],
  [S.Ed448, info('eddsa', null, 'ed448')],
  [S.RsaPssRsaeSha256, info('rsa-pss-rsae', 'sha256', 'rsa')],
  [S.RsaPssRsaeSha384, info('rsa-pss-rsae', 'sha384', 'rsa')],
  [S.RsaPssRsaeSha512, info('rsa-pss-rsae', 'sha512', 'rsa')],
  [S.RsaPssPssSha256, info('rsa-pss-pss', 'sha256', 'rsa-pss')],
  [S.RsaPssPssSha384, info('rsa-pss-pss', 'sha384', 'rsa-pss')],
  [S.RsaPssPssSha512, info('rsa-pss-pss', 'sha512', 'rsa-pss')],
  [S.RsaPkcs1Sha256, info('rsa-pkcs1', 'sha256', 'rsa')],
  [S.RsaPkcs1Sha384, info('rsa-pkcs1', 'sha384', 'rsa')],
  [S.RsaPkcs1Sha512, info('rsa-pkcs1', 'sha512', 'rsa')],
]);

// RSA moduli accepted, as ring/rustls-webpki do (RSA_PKCS1_2048_8192_*, RSA_PSS_2048_8192_*):
// below 2048 bits is too weak, above 8192 bits is a denial-of-service lever.
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 8192;

/** How many imported public keys to keep (certificate chains and repeat peers). */
const DEFAULT_CACHE_SIZE = 64;

/** A key that failed to import is cached too, so a bad SPKI costs one parse. */
const INVALID: unique symbol = Symbol('invalid key');

/** Verifies signatures with node:crypto. */
export class NodeSignatureVerifier implements SignatureVerifier {
  readonly supportedSchemes: readonly number[];
  readonly #cache = new Map<string, KeyObject | typeof INVALID>();
  readonly #cacheSize: number;

  /**
   * @param schemes the schemes to support, in preference order (default: all of `schemeInfo`)
   * @param cacheSize how many imported public keys to keep (least recently used go first)
   */
  constructor(schemes: readonly number[] = [...schemeInfo.keys()], cacheSize = DEFAULT_CACHE_SIZE) {
    this.supportedSchemes = Object.freeze(schemes.filter((s) => schemeInfo.has(s)));
    this.#cacheSize = Math.max(1, cacheSize);
  }

  verify(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!this.supportedSchemes.includes(scheme)) return false;
    const si = schemeInfo.get(scheme);
    if (si === undefined) return false;
    const key = this.#importKey(spki);
    if (key === null || !keySuits(si, key)) return false;
    try {
      switch (si.kind) {
        case 'ecdsa':
          // TLS ECDSA signatures are DER Ecdsa-Sig-Value (RFC 8446 §4.2.3), node's default.
          return nodeVerify(si.hash, message, key, signature);
        case 'eddsa':
          return nodeVerify(null, message, key, signature);
        case 'rsa-pkcs1':
          return nodeVerify(si.hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
        case 'rsa-pss-rsae':
        case 'rsa-pss-pss':
          // RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length of the digest
          // algorithm", and MGF1 uses the same hash.
          return nodeVerify(si.hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: si.hashLength }, signature);
      }
    } catch {
      return false;
    }
  }

  verifyEcdsaWithHash(hash: HashName, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.#importKey(spki);
    if (key === null || key.asymmetricKeyType !== 'ec') return false;
    try {
      return nodeVerify(hash, message, key, signature);
    } catch {
      return false;
    }
  }

  #importKey(spki: Uint8Array): KeyObject | null {
    const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('latin1');
    const hit = this.#cache.get(id);
    if (hit !== undefined) {
      // Refresh: Map keeps insertion order, so the first key is the least recently used.
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit === INVALID ? null : hit;
    }
    let key: KeyObject | typeof INVALID;
    try {
      key = importSpki(spki);
    } catch {
      key = INVALID;
    }
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(id, key);
    return key === INVALID ? null : key;
  }
}

/** Does `key` suit the scheme: key type, curve, RSA size, PSS parameters? */
function keySuits(si: SchemeInfo, key: KeyObject): boolean {
  if (key.type !== 'public' || key.asymmetricKeyType !== si.keyType) return false;
  const d = key.asymmetricKeyDetails ?? {};
  if (si.keyType === 'ec') return d.namedCurve === si.curve;
  if (si.keyType === 'rsa' || si.keyType === 'rsa-pss') {
    const bits = d.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return false;
  }
  if (si.keyType === 'rsa-pss') {
    // RFC 8446 §4.2.3 / RFC 4055 §3.1: an id-RSASSA-PSS key restricted to parameters may only
    // verify with those: the same hash, MGF1 hash and a salt at least that long.
    if (d.hashAlgorithm !== undefined && d.hashAlgorithm !== si.hash) return false;
    if (d.mgf1HashAlgorithm !== undefined && d.mgf1HashAlgorithm !== si.hash) return false;
    if (d.saltLength !== undefined && d.saltLength > si.hashLength) return false;
  }
  return true;
}

// SubjectPublicKeyInfo prefixes (RFC 5480 §2, RFC 8410 §4) of keys with one fixed encoding.
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// AlgorithmIdentifier { rsaEncryption, NULL } (RFC 3279 §2.3.1).
const RSA_ALGORITHM = Buffer.from('300d06092a864886f70d0101010500', 'hex');

function hasPrefix(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/**
 * Imports a DER SubjectPublicKeyInfo. OpenSSL 3's DER decoder costs 100-250 µs per key here,
 * while the same key as a JWK imports in ~10 µs (RSA, Ed25519) to ~60-120 µs (P-256), so
 * P-256, Ed25519 and rsaEncryption keys in their one canonical encoding go through JWK; every
 * other form (P-384: its JWK import is slower; RSA-PSS; anything unusual) through DER. OpenSSL
 * checks the key either way (an EC point must be on the curve); whatever the JWK path refuses
 * goes to the DER path, so both accept exactly the same keys.
 */
function importSpki(spki: Uint8Array): KeyObject {
  const jwk = spkiToJwk(spki);
  if (jwk !== null) {
    try {
      return createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      // fall through: the DER decoder decides
    }
  }
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

function b64u(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/** The JWK of a P-256, Ed25519 or rsaEncryption SPKI in canonical DER, or null. */
export function spkiToJwk(spki: Uint8Array): { kty: string; [k: string]: string } | null {
  if (spki.length === P256_SPKI_PREFIX.length + 65 && hasPrefix(spki, P256_SPKI_PREFIX) && spki[P256_SPKI_PREFIX.length] === 0x04) {
    const p = P256_SPKI_PREFIX.length + 1;
    return { kty: 'EC', crv: 'P-256', x: b64u(spki.subarray(p, p + 32)), y: b64u(spki.subarray(p + 32, p + 64)) };
  }
  if (spki.length === ED25519_SPKI_PREFIX.length + 32 && hasPrefix(spki, ED25519_SPKI_PREFIX)) {
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(spki.subarray(ED25519_SPKI_PREFIX.length)) };
  }
  return rsaSpkiToJwk(spki);
}

/**
 * SEQUENCE { AlgorithmIdentifier rsaEncryption, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }
 * in strict DER with 2-byte long-form lengths (1024..16384-bit moduli), positive minimal
 * integers, nothing trailing; anything else: null (the DER path decides).
 */
function rsaSpkiToJwk(b: Uint8Array): { kty: string; n: string; e: string } | null {
  let pos = 0;
  // A TLV header with a 2-byte long-form length (0x82 LL LL) that must end exactly at `end`.
  const header = (tag: number, end: number): boolean => {
    if (pos + 4 > b.length || b[pos] !== tag || b[pos + 1] !== 0x82) return false;
    const len = (b[pos + 2]! << 8) | b[pos + 3]!;
    if (len < 0x100 || pos + 4 + len !== end) return false; // minimal length form only
    pos += 4;
    return true;
  };
  if (!header(0x30, b.length)) return null;
  if (!hasPrefix(b.subarray(pos), RSA_ALGORITHM)) return null;
  pos += RSA_ALGORITHM.length;
  if (!header(0x03, b.length) || b[pos] !== 0x00) return null; // no unused bits
  pos += 1;
  if (!header(0x30, b.length)) return null;
  const integer = (): Uint8Array | null => {
    if (pos + 2 > b.length || b[pos] !== 0x02) return null;
    let len = b[pos + 1]!;
    let hdr = 2;
    if (len === 0x81) { len = b[pos + 2]!; hdr = 3; if (len < 0x80) return null; }
    else if (len === 0x82) { len = (b[pos + 2]! << 8) | b[pos + 3]!; hdr = 4; if (len < 0x100) return null; }
    else if (len > 0x7f) return null;
    if (len === 0 || pos + hdr + len > b.length) return null;
    const v = b.subarray(pos + hdr, pos + hdr + len);
    pos += hdr + len;
    // Positive and minimal (X.690 §8.3.2): no leading 0x00 unless the next byte has its top bit set.
    if ((v[0]! & 0x80) !== 0) return null;
    if (v[0] === 0x00) return v.length > 1 && (v[1]! & 0x80) !== 0 ? v.subarray(1) : null;
    return v;
  };
  const n = integer();
  if (n === null) return null;
  const e = integer();
  if (e === null || pos !== b.length) return null;
  if (n.length < 128 || n.length > 2048 || e.length > 8) return null;
  return { kty: 'RSA', n: b64u(n), e: b64u(e) };
}

