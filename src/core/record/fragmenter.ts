/**
 * Splits outgoing plaintext into records of at most `maxFragmentSize` bytes and has the
 * current sealer write each one (RFC 8446 §5.1, RFC 5246 §6.2.1).
 */
import { TlsUsageError } from '../errors.ts';
import { MAX_PLAINTEXT_LENGTH, type RecordSealer } from './record.ts';

/** RFC 8449 §4: the smallest record size limit a peer may ask for. */
export const MIN_FRAGMENT_SIZE = 64;

/**
 * Cuts plaintext into fragments and seals each into one caller-supplied buffer, so a whole
 * flight (or a large write) becomes one contiguous run of records.
 *
 * Handshake messages of one flight may be encoded back to back and fragmented together
 * (RFC 8446 §5.1 allows coalescing). Alerts are 2 bytes and never split.
 *
 * ```ts
 * const n = frag.sealedLength(sealer, ContentType.Handshake, flight.length);
 * const out = new Uint8Array(n);
 * frag.seal(sealer, ContentType.Handshake, flight, 0, flight.length, out, 0); // === n
 * ```
 */
export class RecordFragmenter {
  private fragmentSize: number;

  /** @throws ERR_TLS_CONFIG when `maxFragmentSize` is outside 64..2^14. */
  constructor(maxFragmentSize: number = MAX_PLAINTEXT_LENGTH) {
    this.fragmentSize = checkFragmentSize(maxFragmentSize);
  }

  /** The largest plaintext per record. */
  get maxFragmentSize(): number {
    return this.fragmentSize;
  }

  /**
   * Changes the fragment size, e.g. after RFC 8449 record_size_limit (pass limit - 1 in
   * TLS 1.3: the limit counts the inner content type).
   * @throws ERR_TLS_CONFIG when outside 64..2^14.
   */
  setMaxFragmentSize(n: number): void {
    this.fragmentSize = checkFragmentSize(n);
  }

  /** Number of records for `length` bytes (0 for 0 bytes). */
  fragmentCount(length: number): number {
    return Math.ceil(length / this.fragmentSize);
  }

  /** Exact output size of `seal()` for `length` bytes of `contentType` under `sealer`. */
  sealedLength(sealer: RecordSealer, contentType: number, length: number): number {
    const size = this.fragmentSize;
    const full = Math.floor(length / size);
    const rest = length - full * size;
    let n = full === 0 ? 0 : full * sealer.sealedLength(contentType, size);
    if (rest > 0) n += sealer.sealedLength(contentType, rest);
    return n;
  }

  /**
   * Seals `data[offset, offset + length)` as consecutive records of `contentType` into `out` at
   * `outOffset`; returns the bytes written (`sealedLength(...)`). Zero bytes write nothing.
   * `out` must have room (size it with `sealedLength`).
   * @throws whatever `sealer.seal` throws: ERR_TLS_RECORD_SEQUENCE_EXHAUSTED, or
   *   ERR_TLS_INTERNAL when `out` is too small (records before the failing one are written).
   */
  seal(sealer: RecordSealer, contentType: number, data: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): number {
    const size = this.fragmentSize;
    let o = outOffset;
    let p = offset;
    const stop = offset + length;
    while (p < stop) {
      const n = Math.min(size, stop - p);
      o += sealer.seal(contentType, data, p, n, out, o);
      p += n;
    }
    return o - outOffset;
  }

  /**
   * Seals into a buffer of exactly the right size: the sealer's `allocate` (provider memory,
   * every byte of it written by `seal`) or a new one.
   */
  sealToBytes(sealer: RecordSealer, contentType: number, data: Uint8Array): Uint8Array {
    const n = this.sealedLength(sealer, contentType, data.length);
    const out = sealer.allocate !== undefined ? sealer.allocate(n) : new Uint8Array(n);
    this.seal(sealer, contentType, data, 0, data.length, out, 0);
    return out;
  }
}

function checkFragmentSize(n: number): number {
  if (!Number.isInteger(n) || n < MIN_FRAGMENT_SIZE || n > MAX_PLAINTEXT_LENGTH) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `maxFragmentSize ${n}: expected an integer in ${MIN_FRAGMENT_SIZE}..${MAX_PLAINTEXT_LENGTH}`);
  }
  return n;
}
