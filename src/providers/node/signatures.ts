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
      key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
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
