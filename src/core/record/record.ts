/**
 * Record-layer shapes shared by the deframer, the protection objects and the fragmenter:
 * the size limits of RFC 8446 §5.1/§5.2, the inbound record carriers, and the sealer/opener
 * interfaces the engine holds exactly one of each (STYLE §8: monomorphic call sites).
 */
import { ContentType } from '../codec/codepoints.ts';

/** RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14 bytes. */
export const MAX_PLAINTEXT_LENGTH = 0x4000;
/** RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256 bytes. */
export const MAX_CIPHERTEXT_LENGTH = 0x4000 + 256;
/** RFC 8446 §5.4: the encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 bytes. */
export const MAX_INNER_PLAINTEXT_LENGTH = 0x4000 + 1;
/** Bytes in a record header: type(1) || legacy_record_version(2) || length(2). */
export const RECORD_HEADER_LENGTH = 5;
/** The largest record we accept on the wire: header plus 2^14 + 256 bytes. */
export const MAX_WIRE_RECORD_LENGTH = RECORD_HEADER_LENGTH + MAX_CIPHERTEXT_LENGTH;
/** The legacy_record_version we send (RFC 8446 §5.1; TLS 1.2 records, RFC 5246 §6.2.1). */
export const TLS12_RECORD_VERSION = 0x0303;
/**
 * Sequence numbers are 64-bit in the RFC (§5.3) but `number`s here (STYLE §8): we stop at
 * 2^53 - 1, far beyond every AEAD limit, so no key ever gets near the real wrap (§5.3: "MUST
 * either rekey or terminate" before wrapping).
 */
export const MAX_SEQUENCE_NUMBER = Number.MAX_SAFE_INTEGER;

/**
 * One record as received, before deprotection. `payload` is a view into the deframer's buffer,
 * valid until the next `write()`/`next()` on that deframer; openers decrypt it in place.
 */
export class InboundOpaqueRecord {
  /** ContentType as on the wire (20..23, the deframer rejects others). */
  readonly contentType: number;
  /** legacy_record_version as on the wire (0x03xx); part of the AEAD additional data. */
  readonly legacyVersion: number;
  /** The record body (fragment or encrypted_record). */
  readonly payload: Uint8Array;

  constructor(contentType: number, legacyVersion: number, payload: Uint8Array) {
    this.contentType = contentType;
    this.legacyVersion = legacyVersion;
    this.payload = payload;
  }
}

/**
 * One record after deprotection: the real content type and the plaintext. Unless `owned`,
 * `payload` aliases the buffer the opaque record lived in (decrypted in place) and has the
 * same lifetime. When `owned` is true, `payload` is a view into a new buffer that nothing else
 * references (the provider decrypted into fresh memory, `AeadKey.openToNew`): the engine may
 * keep it without copying.
 */
export class InboundPlainRecord {
  readonly contentType: number;
  readonly payload: Uint8Array;
  readonly owned: boolean;

  constructor(contentType: number, payload: Uint8Array, owned = false) {
    this.contentType = contentType;
    this.payload = payload;
    this.owned = owned;
  }
}

/**
 * Protects outgoing records under one traffic key (or none: `NoSealer`). The engine holds
 * exactly one and swaps it on key change.
 */
export interface RecordSealer {
  /** True when records are encrypted (false only for the plaintext `NoSealer`). */
  readonly encrypting: boolean;
  /**
   * Exact bytes `seal()` writes for `length` plaintext bytes of `contentType`, header included.
   * `length` must be at most the fragment size (<= 2^14).
   */
  sealedLength(contentType: number, length: number): number;
  /**
   * Writes one complete record (header and protected fragment) holding
   * `plain[offset, offset + length)` into `out` at `outOffset`; returns the bytes written
   * (`sealedLength(contentType, length)`). `plain` may be `out` itself with the plaintext
   * already at `outOffset + 5` (in place).
   * @throws ERR_TLS_RECORD_SEQUENCE_EXHAUSTED when the key may protect no more records.
   */
  seal(contentType: number, plain: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): number;
  /**
   * Optional: `length` bytes to seal records into, from the provider's `AeadKey.allocateSealed`
   * (possibly uninitialized or recycled memory: the caller must overwrite all of it).
   * Without it callers use `new Uint8Array(length)`.
   */
  allocate?(length: number): Uint8Array;
  /**
   * True once this key has protected enough records that it should be replaced (TLS 1.3
   * KeyUpdate, RFC 8446 §5.5) or, in TLS 1.2, the connection closed.
   */
  keyUpdateDue(): boolean;
}

/** Removes protection from incoming records under one traffic key (or none: `NoOpener`). */
export interface RecordOpener {
  /** True when records are decrypted (false only for the plaintext `NoOpener`). */
  readonly decrypting: boolean;
  /**
   * Deprotects one record, in place (the result's `payload` aliases `record.payload`) or,
   * with a provider that cannot decrypt in place, into a new buffer (`owned` is then true).
   * @throws ERR_TLS_RECORD_BAD_MAC, ERR_TLS_RECORD_OVERFLOW, ERR_TLS_RECORD_BAD_TYPE, ...
   */
  open(record: InboundOpaqueRecord): InboundPlainRecord;
}

/** True for the four content types of RFC 8446 §5.1 / RFC 5246 §6.2.1. */
export function isKnownContentType(t: number): boolean {
  return t >= ContentType.ChangeCipherSpec && t <= ContentType.ApplicationData;
}

/** Writes a record header at `out[offset]` (no bounds check: callers sized `out`). */
export function writeRecordHeader(out: Uint8Array, offset: number, contentType: number, version: number, length: number): void {
  out[offset] = contentType;
  out[offset + 1] = version >>> 8;
  out[offset + 2] = version;
  out[offset + 3] = length >>> 8;
  out[offset + 4] = length;
}

/** Names a content type for error messages. */
export function contentTypeName(t: number): string {
  switch (t) {
    case ContentType.ChangeCipherSpec: return 'change_cipher_spec(20)';
    case ContentType.Alert: return 'alert(21)';
    case ContentType.Handshake: return 'handshake(22)';
    case ContentType.ApplicationData: return 'application_data(23)';
    default: return `unknown(${t})`;
  }
}
