/**
 * AEADs on `@noble/ciphers`: AES-128-GCM, AES-256-GCM (RFC 5116, NIST SP 800-38D) and
 * ChaCha20-Poly1305 (RFC 8439), with the node provider's usage limits and errors.
 *
 * ChaCha20-Poly1305 encrypts and decrypts straight into the caller's buffer (noble's `output`
 * argument), in place when `out` aliases the input. noble's GCM always returns a new buffer, so
 * GCM keys also offer `openToNew` and the engine takes that buffer without a copy back.
 * Both verify the tag (constant time, in noble) before any plaintext is produced.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AeadAlgorithm, AeadKey } from '../../core/crypto/provider.ts';
import { TlsError } from '../../core/errors.ts';

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

// The same limits as src/providers/node/aead.ts (see there for the sources):
// AES-GCM confidentiality floor(2^24.5) records (RFC 8446 §5.5), integrity 2^36 (RFC 9147
// §4.5.3); ChaCha20-Poly1305 confidentiality clamped to 2^53-1, integrity 2^36.
const AES_GCM_CONFIDENTIALITY_LIMIT = 23726566;
const INTEGRITY_LIMIT = 2 ** 36;
const CHACHA_CONFIDENTIALITY_LIMIT = Number.MAX_SAFE_INTEGER;

function checkSeal(nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): void {
  if (nonce.length !== NONCE_LENGTH) {
    throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `AEAD seal: nonce is ${nonce.length} bytes, expected ${NONCE_LENGTH}`);
  }
  if (outOffset < 0 || out.length - outOffset < plaintext.length + TAG_LENGTH) {
    throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `AEAD seal: output has ${out.length - outOffset} bytes at offset, needs ${plaintext.length + TAG_LENGTH}`);
  }
}

/** AES-GCM: noble returns fresh buffers, so seal copies out and open can hand its buffer over. */
class NobleGcmKey implements AeadKey {
  readonly key: Uint8Array;
  constructor(key: Uint8Array) {
    this.key = key;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): void {
    checkSeal(nonce, plaintext, out, outOffset);
    // The result is a new buffer written before `out` is touched, so in-place is safe.
    out.set(gcm(this.key, nonce, aad).encrypt(plaintext), outOffset);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, outOffset: number): number {
    const n = ciphertext.length - TAG_LENGTH;
    if (n < 0 || outOffset < 0 || out.length - outOffset < n) return -1;
    const pt = this.openToNew(nonce, aad, ciphertext);
    if (pt === null) return -1;
    out.set(pt, outOffset);
    return n;
  }

  openToNew(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (ciphertext.length < TAG_LENGTH || nonce.length !== NONCE_LENGTH) return null;
    try {
      // noble checks the tag before it runs CTR: no unauthenticated plaintext (RFC 5116 §2.2).
      return gcm(this.key, nonce, aad).decrypt(ciphertext);
    } catch {
      return null;
    }
  }
}

/** ChaCha20-Poly1305 into the caller's buffer (noble's `output` argument). */
class NobleChaChaKey implements AeadKey {
  readonly key: Uint8Array;
  constructor(key: Uint8Array) {
    this.key = key;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): void {
    checkSeal(nonce, plaintext, out, outOffset);
    // noble copies the plaintext into `output` first (TypedArray.set handles overlap), then
    // encrypts that region in place and appends the tag.
    chacha20poly1305(this.key, nonce, aad).encrypt(plaintext, out.subarray(outOffset, outOffset + plaintext.length + TAG_LENGTH));
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, outOffset: number): number {
    const n = ciphertext.length - TAG_LENGTH;
    if (n < 0 || outOffset < 0 || out.length - outOffset < n || nonce.length !== NONCE_LENGTH) return -1;
    try {
      // RFC 8439 §2.8: the tag is checked over the ciphertext before anything is written to `out`.
      chacha20poly1305(this.key, nonce, aad).decrypt(ciphertext, out.subarray(outOffset, outOffset + n));
    } catch {
      return -1;
    }
    return n;
  }
}

class NobleAeadAlgorithm implements AeadAlgorithm {
  readonly name: AeadAlgorithm['name'];
  readonly keyLength: number;
  readonly nonceLength = NONCE_LENGTH;
  readonly tagLength = TAG_LENGTH;
  readonly confidentialityLimit: number;
  readonly integrityLimit: number;

  constructor(name: AeadAlgorithm['name'], keyLength: number, confidentialityLimit: number, integrityLimit: number) {
    this.name = name;
    this.keyLength = keyLength;
    this.confidentialityLimit = confidentialityLimit;
    this.integrityLimit = integrityLimit;
  }

  importKey(key: Uint8Array): AeadKey {
    if (key.length !== this.keyLength) {
      throw new TlsError('ERR_TLS_CRYPTO_FAILURE', `${this.name}: key is ${key.length} bytes, expected ${this.keyLength}`);
    }
    // A copy: noble borrows the key by reference and the engine may wipe its traffic keys.
    const k = key.slice();
    return this.name === 'CHACHA20-POLY1305' ? new NobleChaChaKey(k) : new NobleGcmKey(k);
  }
}

/** AES-128-GCM (RFC 5116 §5.1), pure TypeScript. */
export const aes128Gcm: AeadAlgorithm = new NobleAeadAlgorithm('AES-128-GCM', 16, AES_GCM_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
/** AES-256-GCM (RFC 5116 §5.2), pure TypeScript. */
export const aes256Gcm: AeadAlgorithm = new NobleAeadAlgorithm('AES-256-GCM', 32, AES_GCM_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
/** ChaCha20-Poly1305 (RFC 8439 §2.8), pure TypeScript. */
export const chacha20Poly1305: AeadAlgorithm = new NobleAeadAlgorithm('CHACHA20-POLY1305', 32, CHACHA_CONFIDENTIALITY_LIMIT, INTEGRITY_LIMIT);
