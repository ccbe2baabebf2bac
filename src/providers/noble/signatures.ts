/**
 * Signature verification in pure TypeScript for every TLS SignatureScheme the node provider
 * verifies (RFC 8446 §4.2.3): ECDSA P-256/P-384/P-521 (DER Ecdsa-Sig-Value), Ed25519, Ed448
 * (@noble/curves), RSA PKCS#1 v1.5 and RSA-PSS rsae/pss (`rsa.ts`). The same key-suits-scheme
 * rules as `providers/node/signatures.ts`: the curve follows the scheme, RSA moduli are
 * 2048..8192 bits, rsae schemes need rsaEncryption keys and pss schemes id-RSASSA-PSS keys
 * whose parameters (if any) allow the scheme. Parsed public keys are cached by SPKI bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { SignatureScheme } from '../../core/codec/codepoints.ts';
import type { HashName, SignatureVerifier } from '../../core/crypto/provider.ts';
import { nobleHashFor } from './hash.ts';
import { parsePublicKey, type EcCurve, type ParsedPublicKey } from './keys.ts';
import { RSA_MAX_BITS, RSA_MIN_BITS, rsaVerifyPkcs1, rsaVerifyPss, type RsaPublicKey } from './rsa.ts';

const S = SignatureScheme;

type SchemeKind = 'rsa-pkcs1' | 'rsa-pss-rsae' | 'rsa-pss-pss' | 'ecdsa' | 'ed25519' | 'ed448';

/** How one scheme verifies. */
interface SchemeInfo {
  readonly kind: SchemeKind;
  readonly hash: HashName | null;
  /** Digest length: the PSS salt length (RFC 8446 §4.2.3). */
  readonly hashLength: number;
  readonly curve: EcCurve | null;
}

function info(kind: SchemeKind, hash: HashName | null, curve: EcCurve | null = null): SchemeInfo {
  const hashLength = hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : hash === 'sha512' ? 64 : 0;
  return { kind, hash, hashLength, curve };
}

/** Every scheme we verify, in the node provider's order. */
export const nobleSchemeInfo: ReadonlyMap<number, SchemeInfo> = new Map<number, SchemeInfo>([
  [S.EcdsaSecp256r1Sha256, info('ecdsa', 'sha256', 'P-256')],
  [S.EcdsaSecp384r1Sha384, info('ecdsa', 'sha384', 'P-384')],
  [S.EcdsaSecp521r1Sha512, info('ecdsa', 'sha512', 'P-521')],
  [S.Ed25519, info('ed25519', null)],
  [S.Ed448, info('ed448', null)],
  [S.RsaPssRsaeSha256, info('rsa-pss-rsae', 'sha256')],
  [S.RsaPssRsaeSha384, info('rsa-pss-rsae', 'sha384')],
  [S.RsaPssRsaeSha512, info('rsa-pss-rsae', 'sha512')],
  [S.RsaPssPssSha256, info('rsa-pss-pss', 'sha256')],
  [S.RsaPssPssSha384, info('rsa-pss-pss', 'sha384')],
  [S.RsaPssPssSha512, info('rsa-pss-pss', 'sha512')],
  [S.RsaPkcs1Sha256, info('rsa-pkcs1', 'sha256')],
  [S.RsaPkcs1Sha384, info('rsa-pkcs1', 'sha384')],
  [S.RsaPkcs1Sha512, info('rsa-pkcs1', 'sha512')],
]);

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

// Public exponents accepted: odd and 3 <= e < 2^33, as ring (which rustls-webpki uses). Node
// accepts larger ones; a huge exponent only costs us time, so we refuse it.
const RSA_E_MAX = 2n ** 33n;

function rsaKeyOk(key: RsaPublicKey): boolean {
  return key.bits >= RSA_MIN_BITS && key.bits <= RSA_MAX_BITS && key.e >= 3n && key.e < RSA_E_MAX && (key.e & 1n) === 1n;
}

/** ECDSA over a prehashed message (DER signature; high-S accepted, as OpenSSL). */
export function verifyEcdsa(curve: EcCurve, point: Uint8Array, hash: HashName, message: Uint8Array, signature: Uint8Array): boolean {
  const digest = nobleHashFor(hash)(message);
  // prehash: false, the digest is ours (RFC 5758 hash/curve mixes); lowS: false because TLS
  // peers (OpenSSL, Go) make high-S signatures and SEC 1 allows them.
  return CURVES[curve].verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' });
}

/** A parse that failed is cached too, so a bad SPKI costs one parse. */
const INVALID: unique symbol = Symbol('invalid key');

const DEFAULT_CACHE_SIZE = 64;

/** Verifies signatures with @noble/curves and BigInt RSA. */
export class NobleSignatureVerifier implements SignatureVerifier {
  readonly supportedSchemes: readonly number[];
  readonly #cache = new Map<string, ParsedPublicKey | typeof INVALID>();
  readonly #cacheSize: number;

  /**
   * @param schemes the schemes to support, in preference order (default: all of `nobleSchemeInfo`)
   * @param cacheSize how many parsed public keys to keep (least recently used go first)
   */
  constructor(schemes: readonly number[] = [...nobleSchemeInfo.keys()], cacheSize = DEFAULT_CACHE_SIZE) {
    this.supportedSchemes = Object.freeze(schemes.filter((s) => nobleSchemeInfo.has(s)));
    this.#cacheSize = Math.max(1, cacheSize);
  }

  verify(scheme: number, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!this.supportedSchemes.includes(scheme)) return false;
    const si = nobleSchemeInfo.get(scheme);
    if (si === undefined) return false;
    const key = this.#parse(spki);
    if (key === null) return false;
    try {
      switch (si.kind) {
        case 'ecdsa':
          return key.kind === 'ec' && key.curve === si.curve && verifyEcdsa(key.curve, key.point, si.hash!, message, signature);
        case 'ed25519':
          // RFC 8032 §5.1.7 strict (zip215: false): canonical encodings, as OpenSSL and ring.
          return key.kind === 'ed25519' && ed25519.verify(signature, message, key.point, { zip215: false });
        case 'ed448':
          return key.kind === 'ed448' && ed448.verify(signature, message, key.point, { zip215: false });
        case 'rsa-pkcs1':
          return key.kind === 'rsa' && rsaKeyOk(key.key) && rsaVerifyPkcs1(key.key, si.hash!, message, signature);
        case 'rsa-pss-rsae':
          // RFC 8446 §4.2.3: salt length = digest length, MGF1 with the same hash.
          return key.kind === 'rsa' && rsaKeyOk(key.key) && rsaVerifyPss(key.key, si.hash!, message, signature, si.hashLength);
        case 'rsa-pss-pss': {
          if (key.kind !== 'rsa-pss' || !rsaKeyOk(key.key)) return false;
          // RFC 4055 §3.1 / RFC 8446 §4.2.3: a key restricted by parameters verifies only with
          // them: the same hash and MGF1 hash, a minimum salt no longer than the digest.
          const r = key.restriction;
          if (r !== null && (r.hash !== si.hash || r.mgf1Hash !== si.hash || r.saltLength > si.hashLength)) return false;
          return rsaVerifyPss(key.key, si.hash!, message, signature, si.hashLength);
        }
      }
    } catch {
      return false; // noble throws on malformed signatures and points: that is a bad signature
    }
  }

  verifyEcdsaWithHash(hash: HashName, spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.#parse(spki);
    if (key === null || key.kind !== 'ec') return false;
    try {
      return verifyEcdsa(key.curve, key.point, hash, message, signature);
    } catch {
      return false;
    }
  }

  #parse(spki: Uint8Array): ParsedPublicKey | null {
    let id = '';
    for (let i = 0; i < spki.length; i += 8192) id += String.fromCharCode(...spki.subarray(i, i + 8192));
    const hit = this.#cache.get(id);
    if (hit !== undefined) {
      // Refresh: Map keeps insertion order, so the first key is the least recently used.
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit === INVALID ? null : hit;
    }
    const key = parsePublicKey(spki) ?? INVALID;
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(id, key);
    return key === INVALID ? null : key;
  }
}
