/**
 * TLS 1.3 record protection (RFC 8446 §5.2-§5.5) under one traffic key: TLSInnerPlaintext
 * with padding, the per-record nonce, the record header as additional data, and the AEAD
 * usage limits.
 */
import { ContentType } from '../codec/codepoints.ts';
import type { AeadAlgorithm, AeadKey } from '../crypto/provider.ts';
import { ivWord, writeNonce } from './static-iv.ts';
import { TlsDecodeError, TlsError, TlsProtocolError, TlsUsageError } from '../errors.ts';
import {
  InboundPlainRecord,
  MAX_CIPHERTEXT_LENGTH,
  MAX_INNER_PLAINTEXT_LENGTH,
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

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

/**
 * Padding policy for TLS 1.3 records (RFC 8446 §5.4; choosing one is left to the application,
 * RFC 8446 Appendix E.3):
 * - `none`: no padding (the default);
 * - `multiple`: pad each TLSInnerPlaintext (content + type byte) up to a multiple of `multiple`;
 * - `custom`: `padLength(contentType, length)` returns how many zero bytes to add. It must be
 *   deterministic: `sealedLength()` and `seal()` both call it and must agree.
 * Padding is capped so the inner plaintext stays within 2^14 + 1 bytes.
 */
export type RecordPadding =
  | { readonly kind: 'none' }
  | { readonly kind: 'multiple'; readonly multiple: number }
  | { readonly kind: 'custom'; readonly padLength: (contentType: number, length: number) => number };

/** Options for `Tls13RecordSealer`. */
export interface Tls13SealerOptions {
  readonly padding?: RecordPadding;
  /**
   * `keyUpdateDue()` turns true this many records before the confidentiality limit.
   * Default: min(1024, limit / 4).
   */
  readonly keyUpdateMargin?: number;
  /** Overrides the AEAD's confidentiality limit (tests; never raise it). */
  readonly confidentialityLimit?: number;
}

/** Options for `Tls13RecordOpener`. */
export interface Tls13OpenerOptions {
  /** Overrides the AEAD's integrity limit (tests; never raise it). */
  readonly integrityLimit?: number;
}

/**
 * Seals records under one TLS 1.3 traffic key (RFC 8446 §5.2). One instance per key: a
 * KeyUpdate makes a new one, with the sequence number back at 0 (§5.3).
 *
 * ```ts
 * const sealer = new Tls13RecordSealer(suite.aead, key, iv);
 * const n = sealer.seal(ContentType.ApplicationData, data, 0, data.length, out, 0);
 * if (sealer.keyUpdateDue()) sendKeyUpdate();
 * ```
 */
export class Tls13RecordSealer implements RecordSealer {
  readonly encrypting = true;
  private readonly key: AeadKey;
  // The static IV as words (static-iv.ts).
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  // invariant: 0 <= seq <= limit; seq is the number of records sealed under this key.
  private seq: number;
  private readonly limit: number;
  private readonly updateAt: number;
  // padding: padMultiple > 0 for 'multiple', padFunction non-null for 'custom'.
  private readonly padMultiple: number;
  private readonly padFunction: ((contentType: number, length: number) => number) | null;

  /**
   * @param aead the suite's AEAD; `key`/`iv` from the traffic secret (RFC 8446 §7.3).
   * @throws ERR_TLS_CONFIG for a bad iv length or padding policy.
   */
  constructor(aead: AeadAlgorithm, key: Uint8Array, iv: Uint8Array, options: Tls13SealerOptions = {}) {
    checkIv(iv);
    this.key = aead.importKey(key);
    this.iv0 = ivWord(iv, 0);
    this.iv1 = ivWord(iv, 1);
    this.iv2 = ivWord(iv, 2);
    this.seq = 0;
    this.limit = Math.min(options.confidentialityLimit ?? aead.confidentialityLimit, MAX_SEQUENCE_NUMBER);
    const margin = options.keyUpdateMargin ?? Math.min(1024, Math.floor(this.limit / 4));
    this.updateAt = Math.max(0, this.limit - margin);
    const padding = options.padding ?? { kind: 'none' };
    this.padMultiple = 0;
    this.padFunction = null;
    switch (padding.kind) {
      case 'none':
        break;
      case 'multiple':
        if (!Number.isInteger(padding.multiple) || padding.multiple < 1 || padding.multiple > MAX_INNER_PLAINTEXT_LENGTH) {
          throw new TlsUsageError('ERR_TLS_CONFIG', `padding multiple ${padding.multiple}: expected an integer in 1..${MAX_INNER_PLAINTEXT_LENGTH}`);
        }
        this.padMultiple = padding.multiple;
        break;
      case 'custom':
        this.padFunction = padding.padLength;
        break;
    }
  }

  /** Records sealed under this key so far (the next sequence number). */
  get sequenceNumber(): number {
    return this.seq;
  }

  /** Records this key may still seal before its confidentiality limit. */
  recordsRemaining(): number {
    return this.limit - this.seq;
  }

  /** True from `limit - margin` records on: send a KeyUpdate (RFC 8446 §5.5, §4.6.3). */
  keyUpdateDue(): boolean {
    return this.seq >= this.updateAt;
  }

  sealedLength(contentType: number, length: number): number {
    return RECORD_HEADER_LENGTH + length + 1 + this.padding(contentType, length) + TAG_LENGTH;
  }

  /** Memory to seal into: the provider's (`AeadKey.allocateSealed`, e.g. recycled) or new. */
  allocate(length: number): Uint8Array {
    return this.key.allocateSealed !== undefined ? this.key.allocateSealed(length) : new Uint8Array(length);
  }

  /**
   * Writes header || AEAD(content || type || zeros) at `out[outOffset]`; returns its length.
   * @throws ERR_TLS_RECORD_SEQUENCE_EXHAUSTED when the key reached its confidentiality limit
   *   (RFC 8446 §5.5: replace the key before); ERR_TLS_INTERNAL for a fragment over 2^14 or
   *   an `out` too small.
   */
  seal(contentType: number, plain: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): number {
    if (this.seq >= this.limit) {
      throw new TlsError('ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', `key sealed ${this.seq} records: its limit is ${this.limit} (RFC 8446 §5.5), a key update was due`);
    }
    const pad = this.padding(contentType, length);
    const inner = length + 1 + pad;
    const total = RECORD_HEADER_LENGTH + inner + TAG_LENGTH;
    if (length > MAX_PLAINTEXT_LENGTH || out.length - outOffset < total) {
      throw new TlsError('ERR_TLS_INTERNAL', `TLS 1.3 record of ${length} bytes needs ${total} at ${outOffset}, buffer has ${out.length}`);
    }
    // RFC 8446 §5.2: opaque_type 23, legacy_record_version 0x0303, length of encrypted_record.
    const aad = AAD_SCRATCH;
    writeRecordHeader(aad, 0, ContentType.ApplicationData, TLS12_RECORD_VERSION, inner + TAG_LENGTH);
    out.set(aad, outOffset);
    const body = outOffset + RECORD_HEADER_LENGTH;
    if (plain !== out || offset !== body) out.set(plain.subarray(offset, offset + length), body);
    out[body + length] = contentType;
    if (pad > 0) out.fill(0, body + length + 1, body + inner);
    writeNonce(NONCE_SCRATCH, this.iv0, this.iv1, this.iv2, this.seq);
    this.key.seal(NONCE_SCRATCH, aad, out.subarray(body, body + inner), out, body);
    this.seq++;
    return total;
  }

  private padding(contentType: number, length: number): number {
    const room = MAX_INNER_PLAINTEXT_LENGTH - length - 1;
    if (this.padMultiple > 0) {
      const r = (length + 1) % this.padMultiple;
      return r === 0 ? 0 : Math.min(this.padMultiple - r, Math.max(room, 0));
    }
    if (this.padFunction !== null) {
      const pad = this.padFunction(contentType, length);
      if (!Number.isInteger(pad) || pad < 0) {
        throw new TlsUsageError('ERR_TLS_CONFIG', `padding function returned ${pad}: expected an integer >= 0`);
      }
      return Math.min(pad, Math.max(room, 0));
    }
    return 0;
  }
}

/**
 * Opens records under one TLS 1.3 traffic key (RFC 8446 §5.2, §5.4), in place, or into a
 * new buffer when the provider offers `openToNew` (then the result is `owned`).
 *
 * ```ts
 * const opener = new Tls13RecordOpener(suite.aead, key, iv);
 * const plain = opener.open(deframer.next()!); // plain.contentType is the inner type
 * ```
 */
export class Tls13RecordOpener implements RecordOpener {
  readonly decrypting = true;
  private readonly key: AeadKey;
  // The static IV as words (static-iv.ts).
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  // invariant: 0 <= seq <= MAX_SEQUENCE_NUMBER; records opened successfully under this key.
  private seq: number;
  // invariant: 0 <= failures <= integrityLimit; failed authentications under this key.
  private failures: number;
  private readonly integrityLimit: number;
  // The provider decrypts into new buffers (`AeadKey.openToNew`), decided once per key.
  private readonly openToNew: boolean;

  /** @throws ERR_TLS_CONFIG for a bad iv length. */
  constructor(aead: AeadAlgorithm, key: Uint8Array, iv: Uint8Array, options: Tls13OpenerOptions = {}) {
    checkIv(iv);
    this.key = aead.importKey(key);
    this.openToNew = typeof this.key.openToNew === 'function';
    this.iv0 = ivWord(iv, 0);
    this.iv1 = ivWord(iv, 1);
    this.iv2 = ivWord(iv, 2);
    this.seq = 0;
    this.failures = 0;
    this.integrityLimit = Math.min(options.integrityLimit ?? aead.integrityLimit, MAX_SEQUENCE_NUMBER);
  }

  /** Records opened under this key so far (the next sequence number). */
  get sequenceNumber(): number {
    return this.seq;
  }

  /** Failed authentications counted against the integrity limit. */
  get authenticationFailures(): number {
    return this.failures;
  }

  /**
   * Decrypts `record` (in place, or into a new `owned` buffer) and returns the inner content
   * type and content.
   * @throws ERR_TLS_RECORD_BAD_MAC (bad_record_mac) when authentication fails (RFC 8446 §5.2);
   *   ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT once more than the integrity limit failed (§5.5);
   *   ERR_TLS_RECORD_OVERFLOW (record_overflow) for ciphertext over 2^14 + 256 or content
   *   over 2^14 (§5.2); ERR_TLS_RECORD_NO_CONTENT_TYPE (unexpected_message) for an all-zero
   *   inner plaintext (§5.4); ERR_TLS_RECORD_BAD_TYPE / ERR_TLS_RECORD_UNEXPECTED_CCS
   *   (unexpected_message) for an outer type other than application_data or an inner type
   *   that is not alert, handshake or application_data (§5).
   */
  open(record: InboundOpaqueRecord): InboundPlainRecord {
    const plain = this.tryOpen(record);
    if (plain === null) {
      throw new TlsDecodeError('ERR_TLS_RECORD_BAD_MAC', `record of ${record.payload.length} bytes failed authentication: expected a valid AEAD tag`);
    }
    return plain;
  }

  /**
   * Like `open`, but returns `null` when authentication fails instead of throwing
   * ERR_TLS_RECORD_BAD_MAC; the failure still counts against the integrity limit and the
   * sequence number does not advance. For a server skipping rejected 0-RTT records
   * (RFC 8446 §4.2.10). Garbage is left in the payload after a failure.
   */
  tryOpen(record: InboundOpaqueRecord): InboundPlainRecord | null {
    // RFC 8446 §5.2: "The outer opaque_type field of a TLSCiphertext record is always set to
    // the value 23 (application_data)". An unprotected CCS is the engine's, before us.
    if (record.contentType !== ContentType.ApplicationData) {
      throw new TlsProtocolError('ERR_TLS_RECORD_BAD_TYPE', `${contentTypeName(record.contentType)} record under TLS 1.3 protection: expected application_data(23)`);
    }
    const payload = record.payload;
    const length = payload.length;
    if (length > MAX_CIPHERTEXT_LENGTH) {
      throw new TlsDecodeError('ERR_TLS_RECORD_OVERFLOW', `encrypted record of ${length} bytes: expected at most ${MAX_CIPHERTEXT_LENGTH} (RFC 8446 §5.2)`);
    }
    // At least the tag and one byte of content type; shorter cannot authenticate.
    if (length < TAG_LENGTH + 1) {
      throw new TlsDecodeError('ERR_TLS_RECORD_BAD_MAC', `encrypted record of ${length} bytes: expected at least ${TAG_LENGTH + 1}`);
    }
    if (this.seq >= MAX_SEQUENCE_NUMBER) {
      throw new TlsError('ERR_TLS_RECORD_SEQUENCE_EXHAUSTED', `key opened ${this.seq} records: sequence numbers exhausted (RFC 8446 §5.3)`);
    }
    // RFC 8446 §5.2: additional_data = the header as received.
    writeRecordHeader(AAD_SCRATCH, 0, record.contentType, record.legacyVersion, length);
    writeNonce(NONCE_SCRATCH, this.iv0, this.iv1, this.iv2, this.seq);
    // Providers that cannot decrypt in place hand over a fresh buffer (no copy back, and the
    // engine keeps it without another copy); the others decrypt into the record buffer.
    let plain = payload;
    let n: number;
    if (this.openToNew) {
      const fresh = this.key.openToNew!(NONCE_SCRATCH, AAD_SCRATCH, payload);
      n = fresh === null ? -1 : fresh.length;
      if (fresh !== null) plain = fresh;
    } else {
      n = this.key.open(NONCE_SCRATCH, AAD_SCRATCH, payload, payload, 0);
    }
    if (n < 0) {
      this.failures++;
      if (this.failures > this.integrityLimit) {
        throw new TlsDecodeError('ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT', `${this.failures} records failed authentication under one key: the limit is ${this.integrityLimit} (RFC 8446 §5.5)`);
      }
      return null;
    }
    this.seq++;
    // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets";
    // §5.1 makes content over 2^14 a record_overflow. Checked before unpadding, as rustls does.
    if (n > MAX_INNER_PLAINTEXT_LENGTH) {
      throw new TlsDecodeError('ERR_TLS_RECORD_OVERFLOW', `inner plaintext of ${n} bytes: expected at most ${MAX_INNER_PLAINTEXT_LENGTH} (RFC 8446 §5.4)`);
    }
    // RFC 8446 §5.4: the content type is the last non-zero byte; scan back over the padding.
    let i = n - 1;
    while (i >= 0 && plain[i] === 0) i--;
    if (i < 0) {
      throw new TlsProtocolError('ERR_TLS_RECORD_NO_CONTENT_TYPE', `inner plaintext of ${n} zero bytes: expected a non-zero content type (RFC 8446 §5.4)`);
    }
    const type = plain[i]!;
    if (type === ContentType.ChangeCipherSpec) {
      // RFC 8446 §5: a protected change_cipher_spec record -> unexpected_message.
      throw new TlsProtocolError('ERR_TLS_RECORD_UNEXPECTED_CCS', 'encrypted change_cipher_spec record: expected it unencrypted or not at all (RFC 8446 §5)');
    }
    if (type !== ContentType.Alert && type !== ContentType.Handshake && type !== ContentType.ApplicationData) {
      throw new TlsProtocolError('ERR_TLS_RECORD_BAD_TYPE', `inner content type ${type}: expected alert, handshake or application_data (RFC 8446 §5)`);
    }
    return new InboundPlainRecord(type, plain.subarray(0, i), plain !== payload);
  }
}

// Per-record nonce and additional_data, rewritten before every seal/open and shared by all
// sealers and openers: AEAD calls are synchronous and providers must not keep these arguments
// (provider.ts), so one pair per process replaces two 12- and 5-byte arrays per key (~0.9 KiB
// of heap per idle connection).
const NONCE_SCRATCH = new Uint8Array(NONCE_LENGTH);
const AAD_SCRATCH = new Uint8Array(RECORD_HEADER_LENGTH);

function checkIv(iv: Uint8Array): void {
  if (iv.length !== NONCE_LENGTH) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `AEAD iv of ${iv.length} bytes: expected ${NONCE_LENGTH}`);
  }
}
