/**
 * TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3): AES-GCM with a 4-byte implicit salt and
 * an 8-byte explicit nonce carried in each record (RFC 5288 §3), ChaCha20-Poly1305 with the
 * 12-byte IV XOR the sequence number and no explicit part (RFC 7905 §2).
 */
import { ContentType } from '../codec/codepoints.ts';
import type { AeadAlgorithm, AeadKey, Tls12CipherSuite } from '../crypto/provider.ts';
import { TlsDecodeError, TlsError, TlsProtocolError, TlsUsageError } from '../errors.ts';
import {
  InboundPlainRecord,
  MAX_PLAINTEXT_LENGTH,
  MAX_SEQUENCE_NUMBER,
  RECORD_HEADER_LENGTH,
  TLS12_RECORD_VERSION,
  contentTypeName,
  writeRecordHeader,
  type InboundOpaqueRecord,
  type RecordOpener,
  type RecordSealer,
} from './record.ts';
import { ivWord, writeNonce } from './static-iv.ts';

const TAG_LENGTH = 16;
const EXPLICIT_NONCE_LENGTH = 8;
/** seq_num(8) || type(1) || version(2) || length(2) (RFC 5246 §6.2.3.3). */
const AAD_LENGTH = 13;

/** How the per-record nonce is made: the suite's `nonce` field. */
export type Tls12NonceKind = Tls12CipherSuite['nonce'];

/** Options shared by the TLS 1.2 sealer and opener (tests lower the limits; never raise them). */
export interface Tls12ProtectionOptions {
  readonly confidentialityLimit?: number;
  readonly integrityLimit?: number;
  /** `keyUpdateDue()` (here: "close the connection soon") turns true this many records early. */
  readonly closeMargin?: number;
}

// Per-record nonce and additional_data, rewritten in full by `prepare` before every seal/open
// and shared by all TLS 1.2 keys: AEAD calls are synchronous and providers must not keep these
// arguments (provider.ts), so idle connections hold no scratch of their own (as TLS 1.3).
const NONCE_SCRATCH = new Uint8Array(12);
const AAD_SCRATCH = new Uint8Array(AAD_LENGTH);

/** Fields and nonce/AAD handling shared by both directions. Not exported from the area. */
class Tls12State {
  readonly key: AeadKey;
  readonly explicitNonce: boolean;
  // The write IV as words (static-iv.ts): the GCM salt is word 0, the others are 0 then.
  readonly iv0: number;
  readonly iv1: number;
  readonly iv2: number;
  readonly nonce: Uint8Array = NONCE_SCRATCH;
  readonly aad: Uint8Array = AAD_SCRATCH;
  // The provider decrypts into new buffers (`AeadKey.openToNew`), decided once per key.
  readonly openToNew: boolean;

  constructor(aead: AeadAlgorithm, nonceKind: Tls12NonceKind, key: Uint8Array, iv: Uint8Array) {
    this.explicitNonce = nonceKind === 'gcm-explicit';
    // RFC 5288 §3: 4-byte salt (client/server_write_IV); RFC 7905 §2: 12-byte IV.
    const ivLength = this.explicitNonce ? 4 : 12;
    if (iv.length !== ivLength) {
      throw new TlsUsageError('ERR_TLS_CONFIG', `TLS 1.2 ${aead.name} write IV of ${iv.length} bytes: expected ${ivLength}`);
    }
    this.key = aead.importKey(key);
    this.openToNew = typeof this.key.openToNew === 'function';
    this.iv0 = ivWord(iv, 0);
    this.iv1 = ivWord(iv, 1);
    this.iv2 = ivWord(iv, 2);
  }

  /** Fills aad = seq || type || version || length and all 12 bytes of the nonce for `seq`. */
  prepare(seq: number, contentType: number, version: number, length: number): void {
    const aad = this.aad;
    writeUint64(aad, 0, seq);
    aad[8] = contentType;
    aad[9] = version >>> 8;
    aad[10] = version;
    aad[11] = length >>> 8;
    aad[12] = length;
    // ChaCha20-Poly1305: iv XOR seq (RFC 7905 §2). GCM: the 4-byte salt leaves words 1-2 zero,
    // so the same call gives salt || seq (RFC 5288 §3); the opener then puts the record's
    // nonce_explicit in 4..11.
    writeNonce(this.nonce, this.iv0, this.iv1, this.iv2, seq);
  }
}

/**
 * Seals TLS 1.2 records under one write key. TLS 1.2 has no key update: when
 * `keyUpdateDue()` turns true the engine should close the connection (rustls does the same).
 *
 * ```ts
 * const sealer = Tls12RecordSealer.forSuite(suite, clientWriteKey, clientWriteIv);
 * const n = sealer.seal(ContentType.Handshake, finished, 0, finished.length, out, 0);
 * ```
 */
export class Tls12RecordSealer implements RecordSealer {
  readonly encrypting = true;
  private readonly state: Tls12State;
  private readonly overhead: number;
  // invariant: 0 <= seq <= limit; records sealed under this key (RFC 5246 §6.1 seq_num).
  private seq: number;
  private readonly limit: number;
  private readonly closeAt: number;

  /** @throws ERR_TLS_CONFIG for an IV of the wrong length (4 for GCM, 12 for ChaCha20). */
  constructor(aead: AeadAlgorithm, nonceKind: Tls12NonceKind, key: Uint8Array, iv: Uint8Array, options: Tls12ProtectionOptions = {}) {
    this.state = new Tls12State(aead, nonceKind, key, iv);
    this.overhead = (this.state.explicitNonce ? EXPLICIT_NONCE_LENGTH : 0) + TAG_LENGTH;
    this.seq = 0;
    this.limit = Math.min(options.confidentialityLimit ?? aead.confidentialityLimit, MAX_SEQUENCE_NUMBER);
    this.closeAt = Math.max(0, this.limit - (options.closeMargin ?? Math.min(1024, Math.floor(this.limit / 4))));
  }

  /** The sealer for a negotiated suite. */
  static forSuite(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array, options: Tls12ProtectionOptions = {}): Tls12RecordSealer {
    return new Tls12RecordSealer(suite.aead, suite.nonce, key, iv, options);
  }

  get sequenceNumber(): number {
    return this.seq;
  }

  keyUpdateDue(): boolean {
    return this.seq >= this.closeAt;
  }

  sealedLength(_contentType: number, length: number): number {
    return RECORD_HEADER_LENGTH + length + this.overhead;
  }

  /** Memory to seal into: the provider's (`AeadKey.allocateSealed`, e.g. recycled) or new. */
  allocate(length: number): Uint8Array {
    const key = this.state.key;
    return key.allocateSealed !== undefined ? key.allocateSealed(length) : new Uint8Array(length);
  }

  /**
   * Writes header || [explicit nonce] || ciphertext || tag at `out[outOffset]`.
   * @throws ERR_TLS_RECORD_SEQUENCE_EXHAUSTED at the confidentiality limit;
   *   ERR_TLS_INTERNAL for a fragment over 2^14 or an `out` too small.
   */
  seal(contentType: number, plain: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): number {
    const seq = this.seq;
    if (seq >= this.limit) {
      throw new TlsError('ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', `key sealed ${seq} records: its limit is ${this.limit}, the connection should have closed`);
    }
    const total = RECORD_HEADER_LENGTH + length + this.overhead;
    if (length > MAX_PLAINTEXT_LENGTH || out.length - outOffset < total) {
      throw new TlsError('ERR_TLS_INTERNAL', `TLS 1.2 record of ${length} bytes needs ${total} at ${outOffset}, buffer has ${out.length}`);
    }
    const st = this.state;
    writeRecordHeader(out, outOffset, contentType, TLS12_RECORD_VERSION, total - RECORD_HEADER_LENGTH);
    let body = outOffset + RECORD_HEADER_LENGTH;
    // In place when the caller encoded the plaintext where the ciphertext goes.
    const plainAt = body + (st.explicitNonce ? EXPLICIT_NONCE_LENGTH : 0);
    if (plain !== out || offset !== plainAt) out.set(plain.subarray(offset, offset + length), plainAt);
    st.prepare(seq, contentType, TLS12_RECORD_VERSION, length);
    if (st.explicitNonce) {
      out.set(st.nonce.subarray(4), body); // nonce_explicit = seq (RFC 5288 §3)
      body += EXPLICIT_NONCE_LENGTH;
    }
    st.key.seal(st.nonce, st.aad, out.subarray(body, body + length), out, body);
    this.seq = seq + 1;
    return total;
  }
}

/**
 * Opens TLS 1.2 records under one read key, in place, or into a new buffer when the provider
 * offers `openToNew` (then the result is `owned`). The content type is the record's own.
 *
 * ```ts
 * const opener = Tls12RecordOpener.forSuite(suite, serverWriteKey, serverWriteIv);
 * const plain = opener.open(deframer.next()!);
 * ```
 */
export class Tls12RecordOpener implements RecordOpener {
  readonly decrypting = true;
  private readonly state: Tls12State;
  private readonly overhead: number;
  // invariant: 0 <= seq <= MAX_SEQUENCE_NUMBER; records opened under this key.
  private seq: number;
  private failures: number;
  private readonly integrityLimit: number;

  /** @throws ERR_TLS_CONFIG for an IV of the wrong length. */
  constructor(aead: AeadAlgorithm, nonceKind: Tls12NonceKind, key: Uint8Array, iv: Uint8Array, options: Tls12ProtectionOptions = {}) {
    this.state = new Tls12State(aead, nonceKind, key, iv);
    this.overhead = (this.state.explicitNonce ? EXPLICIT_NONCE_LENGTH : 0) + TAG_LENGTH;
    this.seq = 0;
    this.failures = 0;
    this.integrityLimit = Math.min(options.integrityLimit ?? aead.integrityLimit, MAX_SEQUENCE_NUMBER);
  }

  /** The opener for a negotiated suite. */
  static forSuite(suite: Tls12CipherSuite, key: Uint8Array, iv: Uint8Array, options: Tls12ProtectionOptions = {}): Tls12RecordOpener {
    return new Tls12RecordOpener(suite.aead, suite.nonce, key, iv, options);
  }

  get sequenceNumber(): number {
    return this.seq;
  }

  /**
   * Decrypts `record` in place, or into a new `owned` buffer (`AeadKey.openToNew`).
   * @throws ERR_TLS_RECORD_BAD_MAC (bad_record_mac) for a short record or a bad tag
   *   (RFC 5246 §6.2.3.3); ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT past the integrity limit;
   *   ERR_TLS_RECORD_OVERFLOW (record_overflow) for plaintext over 2^14 (RFC 5246 §6.2.1);
   *   ERR_TLS_RECORD_UNEXPECTED_CCS (unexpected_message) for an encrypted ChangeCipherSpec
   *   (only a renegotiation sends one, and we do not renegotiate).
   */
  open(record: InboundOpaqueRecord): InboundPlainRecord {
    const type = record.contentType;
    if (type === ContentType.ChangeCipherSpec) {
      throw new TlsProtocolError('ERR_TLS_RECORD_UNEXPECTED_CCS', 'change_cipher_spec record under encryption: expected none (no renegotiation)');
    }
    if (type !== ContentType.Alert && type !== ContentType.Handshake && type !== ContentType.ApplicationData) {
      throw new TlsProtocolError('ERR_TLS_RECORD_BAD_TYPE', `${contentTypeName(type)} record: expected alert, handshake or application_data`);
    }
    const payload = record.payload;
    const plainLength = payload.length - this.overhead;
    if (plainLength < 0) {
      throw new TlsDecodeError('ERR_TLS_RECORD_BAD_MAC', `encrypted record of ${payload.length} bytes: expected at least ${this.overhead}`);
    }
    // RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14 (decided before decrypting).
    if (plainLength > MAX_PLAINTEXT_LENGTH) {
      throw new TlsDecodeError('ERR_TLS_RECORD_OVERFLOW', `encrypted record carries ${plainLength} bytes: expected at most ${MAX_PLAINTEXT_LENGTH}`);
    }
    if (this.seq >= MAX_SEQUENCE_NUMBER) {
      throw new TlsError('ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', `key opened ${this.seq} records: sequence numbers exhausted`);
    }
    const st = this.state;
    // RFC 5246 §6.2.3.3: additional_data = seq_num || type || version || length (plaintext).
    st.prepare(this.seq, type, record.legacyVersion, plainLength);
    let ciphertext = payload;
    if (st.explicitNonce) {
      st.nonce.set(payload.subarray(0, EXPLICIT_NONCE_LENGTH), 4); // salt || nonce_explicit
      ciphertext = payload.subarray(EXPLICIT_NONCE_LENGTH);
    }
    // Providers that cannot decrypt in place hand over a fresh buffer (no copy back, and the
    // engine keeps it without another copy), as in TLS 1.3; the others decrypt in place.
    let fresh: Uint8Array | null = null;
    let n: number;
    if (st.openToNew) {
      fresh = st.key.openToNew!(st.nonce, st.aad, ciphertext);
      n = fresh === null ? -1 : fresh.length;
    } else {
      n = st.key.open(st.nonce, st.aad, ciphertext, ciphertext, 0);
    }
    if (n < 0) {
      this.failures++;
      if (this.failures > this.integrityLimit) {
        throw new TlsDecodeError('ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT', `${this.failures} records failed authentication under one key: the limit is ${this.integrityLimit}`);
      }
      throw new TlsDecodeError('ERR_TLS_RECORD_BAD_MAC', `record of ${payload.length} bytes failed authentication: expected a valid AEAD tag`);
    }
    this.seq++;
    return fresh !== null ? new InboundPlainRecord(type, fresh, true) : new InboundPlainRecord(type, ciphertext.subarray(0, n));
  }
}

/** Writes `v` (0 <= v < 2^53) as a big-endian uint64. */
function writeUint64(out: Uint8Array, offset: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  const lo = v >>> 0;
  out[offset] = hi >>> 24;
  out[offset + 1] = hi >>> 16;
  out[offset + 2] = hi >>> 8;
  out[offset + 3] = hi;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = lo >>> 16;
  out[offset + 6] = lo >>> 8;
  out[offset + 7] = lo;
}
