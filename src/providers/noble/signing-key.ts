/**
 * Private signing keys for the noble provider: loading from PEM (PKCS#8 `PRIVATE KEY`, SEC1
 * `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`) or DER PKCS#8, and signing handshake messages
 * with the TLS SignatureSchemes the key suits, with the node provider's schemes, order and
 * errors. Encrypted keys are refused (no password-based decryption here).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { SignatureScheme } from '../../core/codec/codepoints.ts';
import type { HashName, SigningKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';
import { nobleHashFor } from './hash.ts';
import { CURVE_SIZE, base64Decode, ecSpki, ed25519Spki, latin1, parseEcPrivateKey, parsePkcs8, parseRsaPrivateKey, pemBlocks, rsaSpki, type EcCurve, type ParsedPrivateKey } from './keys.ts';
import { RSA_MAX_BITS, RSA_MIN_BITS, rsaSignPkcs1, rsaSignPss, type RsaPrivateKey } from './rsa.ts';

const S = SignatureScheme;

function badKey(message: string, cause?: unknown): TlsError {
  return new TlsError('ERR_TLS_CONFIG_BAD_KEY', message, cause === undefined ? undefined : { cause });
}

// RFC 8446 §4.2.3: RSA handshake signatures in TLS 1.3 are RSASSA-PSS only; rsa_pkcs1_* is
// for TLS 1.2 (RFC 5246 §7.4.1.4.1). Preference order as rustls' ALL_RSA_SCHEMES.
const RSA_TLS13_SCHEMES = [S.RsaPssRsaeSha512, S.RsaPssRsaeSha384, S.RsaPssRsaeSha256] as const;
const RSA_TLS12_SCHEMES = [...RSA_TLS13_SCHEMES, S.RsaPkcs1Sha512, S.RsaPkcs1Sha384, S.RsaPkcs1Sha256] as const;

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const EC_KEYS: Readonly<Record<EcCurve, { keyType: string; scheme: number; hash: HashName }>> = {
  'P-256': { keyType: 'ecdsa-p256', scheme: S.EcdsaSecp256r1Sha256, hash: 'sha256' },
  'P-384': { keyType: 'ecdsa-p384', scheme: S.EcdsaSecp384r1Sha384, hash: 'sha384' },
  'P-521': { keyType: 'ecdsa-p521', scheme: S.EcdsaSecp521r1Sha512, hash: 'sha512' },
};

/** What signs: one variant per key family. */
type KeyMaterial =
  | { readonly kind: 'rsa'; readonly key: RsaPrivateKey }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly scalar: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array };

/**
 * A private key held in memory for the noble provider. `schemes` are safe in TLS 1.3 and
 * TLS 1.2; `tls12Schemes` adds rsa_pkcs1_* for RSA keys, which only TLS 1.2 may use.
 */
export class NobleSigningKey implements SigningKey {
  readonly keyType: string;
  readonly schemes: readonly number[];
  readonly tls12Schemes: readonly number[];
  readonly #key: KeyMaterial;
  readonly #spki: Uint8Array;

  constructor(key: KeyMaterial, keyType: string, schemes: readonly number[], tls12Schemes: readonly number[], spki: Uint8Array) {
    this.#key = key;
    this.keyType = keyType;
    this.schemes = Object.freeze([...schemes]);
    this.tls12Schemes = Object.freeze([...tls12Schemes]);
    this.#spki = spki;
  }

  chooseScheme(offered: readonly number[]): number | null {
    for (const s of this.schemes) if (offered.includes(s)) return s;
    return null;
  }

  /** Like `chooseScheme`, over `tls12Schemes` (TLS 1.2 ServerKeyExchange / CertificateVerify). */
  chooseTls12Scheme(offered: readonly number[]): number | null {
    for (const s of this.tls12Schemes) if (offered.includes(s)) return s;
    return null;
  }

  /**
   * Signs `message` with `scheme`, which must be one of `tls12Schemes`. ECDSA signatures are DER
   * (RFC 8446 §4.2.3), hedged (RFC 6979 plus fresh randomness); RSA-PSS uses a random salt of
   * the digest length; Ed25519 is pure EdDSA (RFC 8032).
   * @throws ERR_TLS_CRYPTO_UNSUPPORTED for a scheme this key cannot make.
   */
  sign(scheme: number, message: Uint8Array): Uint8Array {
    if (!this.tls12Schemes.includes(scheme)) {
      throw new TlsError('ERR_TLS_CRYPTO_UNSUPPORTED', `a ${this.keyType} key cannot sign with scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    }
    const k = this.#key;
    switch (k.kind) {
      case 'ed25519':
        return ed25519.sign(message, k.seed);
      case 'ec': {
        const digest = nobleHashFor(EC_KEYS[k.curve].hash)(message);
        return CURVES[k.curve].sign(digest, k.scalar, { prehash: false, format: 'der', extraEntropy: true });
      }
      case 'rsa': {
        const hash: HashName = scheme === S.RsaPssRsaeSha256 || scheme === S.RsaPkcs1Sha256 ? 'sha256' : scheme === S.RsaPssRsaeSha384 || scheme === S.RsaPkcs1Sha384 ? 'sha384' : 'sha512';
        const pss = scheme === S.RsaPssRsaeSha256 || scheme === S.RsaPssRsaeSha384 || scheme === S.RsaPssRsaeSha512;
        // RFC 8446 §4.2.3: salt length = digest length.
        return pss ? rsaSignPss(k.key, hash, message, hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : 64) : rsaSignPkcs1(k.key, hash, message);
      }
    }
  }

  publicKeySpki(): Uint8Array {
    return this.#spki.slice();
  }
}

/** The PEM labels that hold a private key. */
const PRIVATE_KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY']);

function decodeInput(input: string | Uint8Array): ParsedPrivateKey {
  if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) {
    // DER: PKCS#8 (RFC 5958) PrivateKeyInfo is a SEQUENCE.
    try {
      return parsePkcs8(input);
    } catch (e) {
      throw badKey(`DER input is not a PKCS#8 private key (${(e as Error).message})`, e);
    }
  }
  const text = typeof input === 'string' ? input : latin1(input);
  const blocks = pemBlocks(text);
  if (blocks.length === 0) throw badKey('no PEM block found, expected -----BEGIN PRIVATE KEY----- (or EC/RSA PRIVATE KEY) or DER PKCS#8');
  // `openssl ecparam -genkey` writes an EC PARAMETERS block first; certificates may precede the key.
  const block = blocks.find((b) => PRIVATE_KEY_LABELS.has(b.label));
  if (block === undefined) {
    const found = blocks.map((b) => `'${b.label}'`).join(', ');
    throw badKey(`PEM block ${found} is not a private key; expected 'PRIVATE KEY', 'EC PRIVATE KEY' or 'RSA PRIVATE KEY'`);
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.headers)) {
    throw badKey(`PEM block '${block.label}' is encrypted: the noble provider does not decrypt keys; decrypt it first (openssl pkey -in key.pem -out plain.pem)`);
  }
  const der = base64Decode(block.base64);
  if (der === null) throw badKey(`PEM block '${block.label}' is malformed (bad base64)`);
  try {
    if (block.label === 'RSA PRIVATE KEY') return { kind: 'rsa', key: parseRsaPrivateKey(der) };
    if (block.label === 'EC PRIVATE KEY') return parseEcPrivateKey(der, null);
    return parsePkcs8(der);
  } catch (e) {
    throw badKey(`PEM block '${block.label}' is malformed (${(e as Error).message})`, e);
  }
}

function ecKey(curve: EcCurve, scalarIn: Uint8Array, publicPoint: Uint8Array | null): NobleSigningKey {
  const size = CURVE_SIZE[curve];
  // RFC 5915 §3: privateKey is ceiling(log2(n)/8) octets; left-pad a short one.
  if (scalarIn.length > size) throw badKey(`${curve} private key of ${scalarIn.length} bytes, expected ${size}`);
  const scalar = new Uint8Array(size);
  scalar.set(scalarIn, size - scalarIn.length);
  const c = CURVES[curve];
  if (!c.utils.isValidSecretKey(scalar)) throw badKey(`${curve} private key is not in 1..n-1`);
  const point = c.getPublicKey(scalar, false);
  if (publicPoint !== null) {
    let given: Uint8Array | null;
    try {
      given = c.Point.fromBytes(publicPoint).toBytes(false); // compressed or uncompressed
    } catch {
      given = null;
    }
    if (given === null || given.length !== point.length || given.some((b, i) => b !== point[i])) throw badKey(`${curve} private key does not match its embedded public key`);
  }
  const info = EC_KEYS[curve];
  return new NobleSigningKey({ kind: 'ec', curve, scalar }, info.keyType, [info.scheme], [info.scheme], ecSpki(curve, point));
}

/**
 * Loads a private key for signing handshakes, without `node:crypto`.
 *
 * Accepts PEM text (`PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, possibly
 * among other blocks), the same PEM as bytes, or DER PKCS#8 bytes. Key types: RSA of
 * 2048..8192 bits (`rsa`), ECDSA P-256 / P-384 / P-521 (`ecdsa-p256`, ...), Ed25519 (`ed25519`).
 * `passphrase` is accepted for signature compatibility; encrypted keys are refused.
 *
 * @throws ERR_TLS_CONFIG_BAD_KEY saying what was found (a non-key PEM block, an encrypted key,
 *   a weak RSA key, an unsupported curve or key type, malformed DER).
 * @example
 * const key = loadNobleSigningKey(pemText);
 * const scheme = key.chooseScheme(peerSchemes); // e.g. ecdsa_secp256r1_sha256
 */
export function loadNobleSigningKey(key: string | Uint8Array, _passphrase?: string): NobleSigningKey {
  const k = decodeInput(key);
  switch (k.kind) {
    case 'rsa': {
      const bits = k.key.bits;
      if (bits < RSA_MIN_BITS) throw badKey(`RSA key has ${bits} bits, at least ${RSA_MIN_BITS} are required`);
      if (bits > RSA_MAX_BITS) throw badKey(`RSA key has ${bits} bits, at most ${RSA_MAX_BITS} are supported by the noble provider`);
      return new NobleSigningKey({ kind: 'rsa', key: k.key }, 'rsa', RSA_TLS13_SCHEMES, RSA_TLS12_SCHEMES, rsaSpki(k.key));
    }
    case 'ec':
      if (k.curve === null) throw badKey(`EC key on curve '${k.curveOid ?? 'unknown'}', expected P-256, P-384 or P-521`);
      return ecKey(k.curve, k.scalar, k.publicPoint);
    case 'ed25519': {
      const seed = k.seed.slice();
      return new NobleSigningKey({ kind: 'ed25519', seed }, 'ed25519', [S.Ed25519], [S.Ed25519], ed25519Spki(ed25519.getPublicKey(seed)));
    }
    case 'unsupported':
      throw badKey(`private key is ${k.what}, expected RSA, ECDSA (P-256/P-384/P-521) or Ed25519`);
  }
}
