/**
 * Splits the received byte stream into records (RFC 8446 §5.1, RFC 5246 §6.2.1), whatever the
 * chunking, inside one bounded buffer.
 */
import { TlsDecodeError, TlsUsageError, type TlsError } from '../errors.ts';
import { EMPTY_BYTES } from '../util.ts';
import {
  InboundOpaqueRecord,
  MAX_CIPHERTEXT_LENGTH,
  MAX_WIRE_RECORD_LENGTH,
  RECORD_HEADER_LENGTH,
  isKnownContentType,
} from './record.ts';

/** Default buffer: two maximal records, so a full record plus the start of the next fit. */
export const DEFAULT_DEFRAMER_CAPACITY = 2 * MAX_WIRE_RECORD_LENGTH;
/** The first allocation; the buffer doubles on demand up to the capacity. */
const MIN_BUFFER = 4096;

/**
 * Reassembles records from received bytes.
 *
 * `write()` copies what fits into a buffer of at most `capacity` bytes, allocated on first use
 * and grown on demand (an idle connection holds none after `release()`); `lend()` takes the
 * caller's array itself when nothing is buffered (no copy; only a partial record left at its end
 * is copied, by the next `write()` or `lend()`); `next()` returns the next complete record or
 * `null` when more bytes are needed. Header fields are checked as soon as
 * their bytes arrive, so an oversized length is refused before its body is buffered. After an
 * error the deframer is failed: `next()` throws the same error again and `write()` accepts
 * nothing.
 *
 * ```ts
 * const d = new RecordDeframer();
 * let used = d.write(bytes);          // may be < bytes.length when the buffer is full
 * for (let r = d.next(); r !== null; r = d.next()) handle(r); // r.payload valid until next call
 * ```
 */
export class RecordDeframer {
  // Our buffer (`own`), or the caller's non-empty array handed over by `lend()`: lent exactly
  // while buf !== own.
  private buf: Uint8Array;
  // Our own buffer, kept while `buf` is a lent array (reused once the lent bytes are consumed).
  private own: Uint8Array;
  private readonly capacity: number;
  // invariant: 0 <= start <= end <= buf.length; bytes [start, end) are unconsumed.
  // invariant: buf === own implies end - start <= capacity.
  private start: number;
  private end: number;
  private failed: TlsError | null;

  /**
   * @param capacity buffer size in bytes; at least one maximal record (5 + 2^14 + 256).
   * @throws ERR_TLS_CONFIG for a smaller capacity.
   */
  constructor(capacity: number = DEFAULT_DEFRAMER_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < MAX_WIRE_RECORD_LENGTH) {
      throw new TlsUsageError('ERR_TLS_CONFIG', `deframer capacity ${capacity}: expected an integer >= ${MAX_WIRE_RECORD_LENGTH}`);
    }
    this.capacity = capacity;
    this.buf = EMPTY_BYTES;
    this.own = EMPTY_BYTES;
    this.start = 0;
    this.end = 0;
    this.failed = null;
  }

  /**
   * Copies as much of `data[offset, offset + length)` as fits; returns the number of bytes
   * accepted (0 when the buffer is full of complete records not yet taken with `next()`, or
   * after a failure). Invalidates payload views returned earlier.
   */
  write(data: Uint8Array, offset = 0, length: number = data.length - offset): number {
    if (this.failed !== null || length <= 0) return 0;
    if (this.buf !== this.own && !this.takeBack()) return 0;
    let buf = this.buf;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    } else if (buf.length - this.end < length && this.start > 0) {
      // Compact: move the unconsumed tail to the front (at most one partial record plus
      // unread complete ones).
      buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (buf.length - this.end < length && buf.length < this.capacity) {
      // Grow and keep the unconsumed bytes.
      const grown = new Uint8Array(this.grownSize(buf.length, this.end + length));
      if (this.end > 0) grown.set(buf.subarray(0, this.end));
      this.buf = this.own = buf = grown;
    }
    const n = Math.min(length, buf.length - this.end);
    if (n > 0) {
      buf.set(n === data.length && offset === 0 ? data : data.subarray(offset, offset + n), this.end);
      this.end += n;
    }
    return n;
  }

  /**
   * Takes `data` itself instead of a copy when nothing is buffered, and returns `data.length`:
   * records are then read straight from it, and their payloads may be decrypted in place, so the
   * caller hands the array over (it must not read, write or reuse it afterwards). A partial
   * record left at its end is copied into our buffer by the next `write()` or `lend()`. When a
   * partial record is buffered, it copies only the bytes of `data` that complete it and returns
   * that count: take the record with `next()`, then lend the rest. When complete records are
   * buffered it is `write(data)` (a copy; may accept less). The lent array may be larger than
   * `capacity`: its size is the caller's (a transport read), and nothing more is accepted until
   * the records in it are taken.
   */
  lend(data: Uint8Array): number {
    if (this.failed !== null || data.length === 0) return 0;
    if (this.start !== this.end) {
      // A partial record is buffered (a record straddles transport reads): copy only what
      // completes it, so that once it is taken the rest of `data` can be lent.
      if (this.buf !== this.own && !this.takeBack()) return 0;
      const need = this.partialRemainder(data);
      return need < 0 ? this.write(data) : this.write(data, 0, Math.min(need, data.length));
    }
    this.buf = data;
    this.start = 0;
    this.end = data.length;
    return data.length;
  }

  /**
   * With a partial record at the front of our buffer: how many bytes of `data` complete it (its
   * header may be partly in `data`); -1 when a complete record is already buffered or the length
   * is too large (then `next()` decides, and `write()` copies as usual).
   */
  private partialRemainder(data: Uint8Array): number {
    const avail = this.end - this.start;
    if (avail + data.length < RECORD_HEADER_LENGTH) return data.length;
    const b = this.buf, p = this.start;
    const hi = avail > 3 ? b[p + 3]! : data[3 - avail]!;
    const lo = avail > 4 ? b[p + 4]! : data[4 - avail]!;
    const length = (hi << 8) | lo;
    if (length > MAX_CIPHERTEXT_LENGTH) return -1;
    const total = RECORD_HEADER_LENGTH + length;
    return avail >= total ? -1 : total - avail;
  }

  /**
   * Ends a lend: what is left of the lent array (at most a partial record and records not taken
   * yet) moves into our buffer. False when that does not fit in `capacity` (take records first).
   */
  private takeBack(): boolean {
    const left = this.end - this.start;
    if (left > this.capacity) return false;
    let own = this.own;
    if (own.length < left) own = this.own = new Uint8Array(this.grownSize(own.length, left));
    if (left > 0) own.set(this.buf.subarray(this.start, this.end));
    this.buf = own;
    this.start = 0;
    this.end = left;
    return true;
  }

  /** A buffer size for `wanted` bytes: doubling from `current`, at least MIN_BUFFER, at most the capacity. */
  private grownSize(current: number, wanted: number): number {
    let cap = Math.max(current * 2, MIN_BUFFER);
    while (cap < wanted && cap < this.capacity) cap *= 2;
    return Math.min(cap, this.capacity);
  }

  /**
   * The next complete record, or `null` when more bytes are needed. The record's payload is a
   * view into this deframer's buffer, valid until the next `write()` or `next()`.
   * @throws ERR_TLS_RECORD_BAD_TYPE (unexpected_message), ERR_TLS_RECORD_BAD_VERSION
   *   (decode_error), ERR_TLS_RECORD_OVERFLOW (record_overflow).
   */
  next(): InboundOpaqueRecord | null {
    if (this.failed !== null) throw this.failed;
    const buf = this.buf;
    const p = this.start;
    const avail = this.end - p;
    if (avail === 0) {
      // A lent array is done with: drop it (an idle connection must not keep a transport read).
      if (buf !== this.own) {
        this.buf = this.own;
        this.start = 0;
        this.end = 0;
      }
      return null;
    }
    // Check each header field as soon as it is here: same verdict for any chunking.
    const type = buf[p]!;
    if (!isKnownContentType(type)) {
      // RFC 8446 §5: an unexpected record type -> unexpected_message.
      return this.fail(new TlsDecodeError('ERR_TLS_RECORD_BAD_TYPE', `record content type ${type}: expected 20..23 (RFC 8446 §5.1)`));
    }
    if (avail < 2) return null;
    // RFC 8446 §5.1: legacy_record_version is 0x0303, or 0x0301 in the first ClientHello, and
    // is otherwise ignored; we only insist on major version 3 (anything else is not TLS).
    if (buf[p + 1] !== 0x03) {
      return this.fail(new TlsDecodeError('ERR_TLS_RECORD_BAD_VERSION', `record version major byte 0x${buf[p + 1]!.toString(16).padStart(2, '0')}: expected 0x03`));
    }
    if (avail < RECORD_HEADER_LENGTH) return null;
    const length = (buf[p + 3]! << 8) | buf[p + 4]!;
    // RFC 8446 §5.2: longer than 2^14 + 256 -> record_overflow, decided before the body arrives.
    // (RFC 5246 §6.2.3 allows 2^14 + 2048, but our AEAD records add at most 24 bytes.)
    if (length > MAX_CIPHERTEXT_LENGTH) {
      return this.fail(new TlsDecodeError('ERR_TLS_RECORD_OVERFLOW', `record length ${length}: expected at most ${MAX_CIPHERTEXT_LENGTH}`));
    }
    if (avail < RECORD_HEADER_LENGTH + length) return null;
    const body = p + RECORD_HEADER_LENGTH;
    this.start = body + length;
    return new InboundOpaqueRecord(type, (buf[p + 1]! << 8) | buf[p + 2]!, buf.subarray(body, body + length));
  }

  /**
   * Frees the buffer when nothing is buffered (an idle connection then holds none); the next
   * `write()` allocates again. Payload views returned earlier stay readable. Returns true when
   * released.
   */
  release(): boolean {
    if (this.start !== this.end) return false;
    this.buf = this.own = EMPTY_BYTES;
    this.start = 0;
    this.end = 0;
    return true;
  }

  /** Bytes buffered and not yet returned by `next()`. */
  buffered(): number {
    return this.end - this.start;
  }

  /** Bytes `write()` can accept right now (after compaction). */
  freeSpace(): number {
    return this.failed !== null ? 0 : Math.max(0, this.capacity - (this.end - this.start));
  }

  /**
   * After `next()` returned null: true when a partial record is buffered, so the peer's stream
   * ended mid-record if the transport closes now (a truncation, not a clean close).
   */
  hasPartialRecord(): boolean {
    return this.end > this.start;
  }

  private fail(e: TlsError): never {
    this.failed = e;
    throw e;
  }
}
