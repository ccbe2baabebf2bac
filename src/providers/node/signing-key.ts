/**
 * Private signing keys on node:crypto: loading (PEM PKCS#8, encrypted PKCS#8, SEC1, PKCS#1;
 * DER PKCS#8) and signing handshake messages with the TLS SignatureSchemes the key suits.
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { SignatureScheme } from '../../core/codec/codepoints.ts';
import type { SigningKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';

const S = SignatureScheme;

function badKey(message: string, cause?: unknown): TlsError {
  return new TlsError('ERR_TLS_CONFIG_BAD_KEY', message, cause === undefined ? undefined : { cause });
}

/** The PEM labels that hold a private key, and what node calls their encoding. */
const privateKeyLabels: ReadonlyMap<string, 'pkcs8' | 'sec1' | 'pkcs1'> = new Map([
  ['PRIVATE KEY', 'pkcs8'],
  ['ENCRYPTED PRIVATE KEY', 'pkcs8'],
  ['EC PRIVATE KEY', 'sec1'],
  ['RSA PRIVATE KEY', 'pkcs1'],
]);

/** Smallest RSA modulus we sign with (NIST SP 800-131A; rustls-webpki refuses smaller). */
const RSA_MIN_BITS = 2048;

// RFC 8446 §4.2.3: RSA handshake signatures in TLS 1.3 are RSASSA-PSS only; rsa_pkcs1_* is
// for TLS 1.2 (RFC 5246 §7.4.1.4.1). Preference order as rustls' ALL_RSA_SCHEMES.
const RSA_TLS13_SCHEMES = [S.RsaPssRsaeSha512, S.RsaPssRsaeSha384, S.RsaPssRsaeSha256] as const;
const RSA_TLS12_SCHEMES = [...RSA_TLS13_SCHEMES, S.RsaPkcs1Sha512, S.RsaPkcs1Sha384, S.RsaPkcs1Sha256] as const;

interface SchemeParams {
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  readonly padding: 'pss' | 'pkcs1' | null;
  readonly saltLength: number;
}

const schemeParams: ReadonlyMap<number, SchemeParams> = new Map<number, SchemeParams>([
  [S.RsaPssRsaeSha256, { hash: 'sha256', padding: 'pss', saltLength: 32 }],
  [S.RsaPssRsaeSha384, { hash: 'sha384', padding: 'pss', saltLength: 48 }],
  [S.RsaPssRsaeSha512, { hash: 'sha512', padding: 'pss', saltLength: 64 }],
  [S.RsaPkcs1Sha256, { hash: 'sha256', padding: 'pkcs1', saltLength: 0 }],
  [S.RsaPkcs1Sha384, { hash: 'sha384', padding: 'pkcs1', saltLength: 0 }],
  [S.RsaPkcs1Sha512, { hash: 'sha512', padding: 'pkcs1', saltLength: 0 }],
  [S.EcdsaSecp256r1Sha256, { hash: 'sha256', padding: null, saltLength: 0 }],
  [S.EcdsaSecp384r1Sha384, { hash: 'sha384', padding: null, saltLength: 0 }],
  [S.EcdsaSecp521r1Sha512, { hash: 'sha512', padding: null, saltLength: 0 }],
  [S.Ed25519, { hash: null, padding: null, saltLength: 0 }],
]);

/**
 * A private key held as a node `KeyObject`. `schemes` are safe in TLS 1.3 and TLS 1.2;
 * `tls12Schemes` adds rsa_pkcs1_* for RSA keys, which only TLS 1.2 may use.
 */
export class NodeSigningKey implements SigningKey {
  readonly keyType: string;
  readonly schemes: readonly number[];
  readonly tls12Schemes: readonly number[];
  readonly #key: KeyObject;
  readonly #spki: Uint8Array;

  constructor(key: KeyObject, keyType: string, schemes: readonly number[], tls12Schemes: readonly number[]) {
    this.#key = key;
    this.keyType = keyType;
    this.schemes = Object.freeze([...schemes]);
    this.tls12Schemes = Object.freeze([...tls12Schemes]);
    const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
    this.#spki = new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
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
   * Signs `message` with `scheme`, which must be one of `tls12Schemes`.
   * @throws ERR_TLS_CRYPTO_UNSUPPORTED for a scheme this key cannot make.
   */
  sign(scheme: number, message: Uint8Array): Uint8Array {
    const p = schemeParams.get(scheme);
    if (p === undefined || !this.tls12Schemes.includes(scheme)) {
      throw new TlsError('ERR_TLS_CRYPTO_UNSUPPORTED', `a ${this.keyType} key cannot sign with scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    }
    let sig: Buffer;
    if (p.padding === 'pss') {
      // RFC 8446 §4.2.3: salt length = digest length, MGF1 with the same hash.
      sig = nodeSign(p.hash, message, { key: this.#key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength });
    } else if (p.padding === 'pkcs1') {
      sig = nodeSign(p.hash, message, { key: this.#key, padding: constants.RSA_PKCS1_PADDING });
    } else {
      sig = nodeSign(p.hash, message, this.#key); // ECDSA: DER Ecdsa-Sig-Value; Ed25519: pure
    }
    return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
  }

  publicKeySpki(): Uint8Array {
    return this.#spki.slice();
  }
}

/** One PEM block: its label and the whole block's text. */
interface PemBlock {
  readonly label: string;
  readonly text: string;
}

function pemBlocks(pem: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(pem); m !== null; m = re.exec(pem)) blocks.push({ label: m[1]!, text: m[0] });
  return blocks;
}

function importPrivateKey(input: string | Uint8Array, passphrase: string | undefined): KeyObject {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input.length > 0 && input[0] === 0x30) {
    // DER: PKCS#8 (RFC 5958) PrivateKeyInfo is a SEQUENCE.
    try {
      return createPrivateKey({ key: Buffer.from(input.buffer, input.byteOffset, input.byteLength), format: 'der', type: 'pkcs8' });
    } catch (e) {
      throw badKey(`DER input is not a PKCS#8 private key (${(e as Error).message})`, e);
    }
  } else {
    text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  }
  const blocks = pemBlocks(text);
  if (blocks.length === 0) throw badKey('no PEM block found, expected -----BEGIN PRIVATE KEY----- (or EC/RSA/ENCRYPTED PRIVATE KEY) or DER PKCS#8');
  // `openssl ecparam -genkey` writes an EC PARAMETERS block first; certificates may precede the key.
  const block = blocks.find((b) => privateKeyLabels.has(b.label));
  if (block === undefined) {
    const found = blocks.map((b) => `'${b.label}'`).join(', ');
    throw badKey(`PEM block ${found} is not a private key; expected 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY' or 'RSA PRIVATE KEY'`);
  }
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.text);
  if (encrypted && passphrase === undefined) throw badKey(`PEM block '${block.label}' is encrypted and no passphrase was given`);
  try {
    return createPrivateKey(passphrase === undefined ? { key: block.text, format: 'pem' } : { key: block.text, format: 'pem', passphrase });
  } catch (e) {
    const why = encrypted ? 'could not be decrypted (wrong passphrase?) or is malformed' : 'is malformed';
    throw badKey(`PEM block '${block.label}' ${why}`, e);
  }
}

/**
 * Loads a private key for signing handshakes.
 *
 * Accepts PEM text (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY` with `passphrase`, SEC1
 * `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, possibly among other blocks), the same PEM as
 * bytes, or DER PKCS#8 bytes. Key types: RSA of at least 2048 bits (`rsa`), ECDSA P-256 /
 * P-384 / P-521 (`ecdsa-p256`, ...), Ed25519 (`ed25519`).
 *
 * @throws ERR_TLS_CONFIG_BAD_KEY saying what was found (a non-key PEM block, a weak RSA key,
 *   an unsupported curve or key type, a missing or wrong passphrase).
 * @example
 * const key = loadSigningKey(readFileSync('server.key', 'utf8'));
 * const scheme = key.chooseScheme(peerSchemes); // e.g. ecdsa_secp256r1_sha256
 */
export function loadSigningKey(key: string | Uint8Array, passphrase?: string): NodeSigningKey {
  const k = importPrivateKey(key, passphrase);
  const d = k.asymmetricKeyDetails ?? {};
  switch (k.asymmetricKeyType) {
    case 'rsa': {
      const bits = d.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS) throw badKey(`RSA key has ${bits} bits, at least ${RSA_MIN_BITS} are required`);
      return new NodeSigningKey(k, 'rsa', RSA_TLS13_SCHEMES, RSA_TLS12_SCHEMES);
    }
    case 'ec': {
      const curves: Record<string, [string, number]> = {
        prime256v1: ['ecdsa-p256', S.EcdsaSecp256r1Sha256],
        secp384r1: ['ecdsa-p384', S.EcdsaSecp384r1Sha384],
        secp521r1: ['ecdsa-p521', S.EcdsaSecp521r1Sha512],
      };
      const c = d.namedCurve === undefined ? undefined : curves[d.namedCurve];
      if (c === undefined) throw badKey(`EC key on curve '${d.namedCurve ?? 'unknown'}', expected P-256, P-384 or P-521`);
      return new NodeSigningKey(k, c[0], [c[1]], [c[1]]);
    }
    case 'ed25519':
      return new NodeSigningKey(k, 'ed25519', [S.Ed25519], [S.Ed25519]);
    default:
      throw badKey(`private key of type '${k.asymmetricKeyType ?? 'unknown'}', expected RSA, ECDSA (P-256/P-384/P-521) or Ed25519`);
  }
}
