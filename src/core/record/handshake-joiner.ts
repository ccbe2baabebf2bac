/**
 * Reassembles handshake messages from handshake-record payloads (RFC 8446 §5.1: several
 * messages per record, one message over many records).
 */
import { TlsDecodeError, TlsError, TlsProtocolError } from '../errors.ts';
import { EMPTY_BYTES } from '../util.ts';
import { MAX_CIPHERTEXT_LENGTH, contentTypeName } from './record.ts';

/** Handshake header: msg_type(1) || uint24 length (RFC 8446 §4). */
const HANDSHAKE_HEADER_LENGTH = 4;
/** The first allocation: most handshake messages fit (memory per idle connection, issue 5). */
const MIN_BUFFER = 1024;

/**
 * Default largest message, header included: 64 KiB of body. The biggest legitimate messages
 * are Certificate chains; raise `maxMessageSize` for servers with huge chains.
 */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE = 0x10000 + HANDSHAKE_HEADER_LENGTH;

/**
 * One complete handshake message; structurally the `HandshakeMessage` of
 * `core/codec/handshake.ts`. `body` and `encoding` are views into the joiner's buffer, valid
 * until the next `push()`: `slice()` what you keep longer.
 */
export interface JoinedHandshakeMessage {
  /** HandshakeType. */
  readonly type: number;
  /** The message body, without the 4-byte header. */
  readonly body: Uint8Array;
  /** The whole message, header included (what the transcript hashes). */
  readonly encoding: Uint8Array;
}

/** Options for `HandshakeJoiner`. */
export interface HandshakeJoinerOptions {
  /** Largest accepted message in bytes, header included (default 64 KiB + 4). */
  readonly maxMessageSize?: number;
}

/**
 * Joins handshake-record payloads (plaintext, or decrypted) into handshake messages.
 *
 * ```ts
 * joiner.push(plain.payload);                 // one handshake record
 * for (let m = joiner.next(); m !== null; m = joiner.next()) state = state.handle(cx, m);
 * if (keysChanged) joiner.assertAtKeyChange(); // RFC 8446 §5.1
 * ```
 */
export class HandshakeJoiner {
  private buf: Uint8Array;
  // invariant: 0 <= start <= end <= buf.length; [start, end) holds unreturned message bytes.
  private start: number;
  private end: number;
  readonly maxMessageSize: number;
  // Bound on buffered bytes: one partial message plus one record payload.
  private readonly capacityLimit: number;

  /** @throws ERR_TLS_CONFIG for a maxMessageSize below 4 + 2^14 or above 2^24 + 3. */
  constructor(options: HandshakeJoinerOptions = {}) {
    const max = options.maxMessageSize ?? DEFAULT_MAX_HANDSHAKE_MESSAGE_SIZE;
    if (!Number.isInteger(max) || max < HANDSHAKE_HEADER_LENGTH + 0x4000 || max > HANDSHAKE_HEADER_LENGTH + 0xffffff) {
      throw new TlsError('ERR_TLS_CONFIG', `maxMessageSize ${max}: expected an integer in ${HANDSHAKE_HEADER_LENGTH + 0x4000}..${HANDSHAKE_HEADER_LENGTH + 0xffffff}`);
    }
    this.maxMessageSize = max;
    this.capacityLimit = max + MAX_CIPHERTEXT_LENGTH;
    // Allocated on the first push and grown on demand; `release()` drops it when idle.
    this.buf = EMPTY_BYTES;
    this.start = 0;
    this.end = 0;
  }

  /**
   * Appends the payload of one handshake record (copied). Take every complete message with
   * `next()` before pushing the next record. Invalidates views returned earlier.
   * @throws ERR_TLS_RECORD_EMPTY (unexpected_message) for a zero-length record (RFC 8446 §5.1);
   *   ERR_TLS_RECORD_HANDSHAKE_OVERFLOW when a message header announces more than
   *   `maxMessageSize`.
   */
  push(payload: Uint8Array): void {
    // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types".
    if (payload.length === 0) {
      throw new TlsDecodeError('ERR_TLS_RECORD_EMPTY', 'handshake record of 0 bytes: expected at least 1 (RFC 8446 §5.1)');
    }
    const pending = this.end - this.start;
    const need = pending + payload.length;
    if (need > this.capacityLimit) {
      // Only reachable when the engine pushes without draining complete messages.
      throw new TlsError('ERR_TLS_INTERNAL', `handshake joiner holds ${pending} bytes and got ${payload.length} more: drain next() before push()`);
    }
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    if (this.end + payload.length > this.buf.length) {
      if (need <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let cap = Math.max(this.buf.length * 2, MIN_BUFFER);
        while (cap < need) cap *= 2;
        const grown = new Uint8Array(Math.min(cap, this.capacityLimit));
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.end = pending;
      this.start = 0;
    }
    this.buf.set(payload, this.end);
    this.end += payload.length;
    this.checkHeader();
  }

  /**
   * The next complete message, or `null` when none is complete. Views stay valid until the
   * next `push()`.
   */
  next(): JoinedHandshakeMessage | null {
    const avail = this.end - this.start;
    if (avail < HANDSHAKE_HEADER_LENGTH) return null;
    const b = this.buf, p = this.start;
    const length = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    const total = HANDSHAKE_HEADER_LENGTH + length;
    if (avail < total) return null;
    this.start = p + total;
    this.checkHeader();
    return { type: b[p]!, body: b.subarray(p + HANDSHAKE_HEADER_LENGTH, p + total), encoding: b.subarray(p, p + total) };
  }

  /**
   * Frees the buffer when nothing is buffered (e.g. once the handshake is over, so an idle
   * connection holds none); the next `push()` allocates again. Returns true when released.
   */
  release(): boolean {
    if (this.start !== this.end) return false;
    this.buf = EMPTY_BYTES;
    this.start = 0;
    this.end = 0;
    return true;
  }

  /** True when no message bytes are buffered (neither a partial message nor unread ones). */
  isEmpty(): boolean {
    return this.start === this.end;
  }

  /** True when the buffered bytes end inside a message (its header or its body). */
  hasPartialMessage(): boolean {
    const avail = this.end - this.start;
    if (avail === 0) return false;
    if (avail < HANDSHAKE_HEADER_LENGTH) return true;
    const b = this.buf, p = this.start;
    return avail < HANDSHAKE_HEADER_LENGTH + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /**
   * Call right after handling a message that changes keys (ServerHello, Finished, KeyUpdate,
   * EndOfEarlyData, TLS 1.2 CCS): RFC 8446 §5.1 "Handshake messages MUST NOT span key changes
   * ... MUST verify that all messages immediately preceding a key change align with a record
   * boundary; if not, ... unexpected_message".
   * @throws ERR_TLS_RECORD_KEY_CHANGE_SPLIT when bytes remain buffered.
   */
  assertAtKeyChange(): void {
    if (!this.isEmpty()) {
      throw new TlsProtocolError('ERR_TLS_RECORD_KEY_CHANGE_SPLIT', `${this.end - this.start} handshake bytes follow a key change in the same record: expected a record boundary (RFC 8446 §5.1)`);
    }
  }

  /**
   * Call when a non-handshake record arrives: RFC 8446 §5.1 "Handshake messages MUST NOT be
   * interleaved with other record types".
   * @throws ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED (unexpected_message) while a message is partial.
   */
  assertNotInterleaved(contentType: number): void {
    if (this.hasPartialMessage()) {
      throw new TlsProtocolError('ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED', `${contentTypeName(contentType)} record inside a fragmented handshake message: expected the rest of the message (RFC 8446 §5.1)`);
    }
  }

  /** Rejects an announced length above the limit as soon as the header is buffered. */
  private checkHeader(): void {
    if (this.end - this.start < HANDSHAKE_HEADER_LENGTH) return;
    const b = this.buf, p = this.start;
    const length = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    // No RFC limit (uint24): a local policy. The length is well-formed, so not decode_error;
    // a message larger than we accept is inappropriate here -> unexpected_message (errors.ts).
    // (OpenSSL sends illegal_parameter for "excessive message size", Go internal_error.)
    if (HANDSHAKE_HEADER_LENGTH + length > this.maxMessageSize) {
      throw new TlsProtocolError('ERR_TLS_RECORD_HANDSHAKE_OVERFLOW', `handshake message type ${b[p]!} of ${length} bytes: expected at most ${this.maxMessageSize - HANDSHAKE_HEADER_LENGTH}`);
    }
  }
}
