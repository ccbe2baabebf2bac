/**
 * Null objects for the record layer before keys exist (STYLE §8): the engine always holds one
 * sealer and one opener, so its call sites stay monomorphic.
 */
import { ContentType } from '../codec/codepoints.ts';
import { TlsDecodeError, TlsError } from '../errors.ts';
import {
  InboundPlainRecord,
  MAX_PLAINTEXT_LENGTH,
  RECORD_HEADER_LENGTH,
  TLS12_RECORD_VERSION,
  contentTypeName,
  writeRecordHeader,
  type InboundOpaqueRecord,
  type RecordOpener,
  type RecordSealer,
} from './record.ts';

/**
 * Writes plaintext records (TLSPlaintext, RFC 8446 §5.1): the initial ClientHello/ServerHello
 * flights and TLS 1.2 messages before ChangeCipherSpec.
 */
export class NoSealer implements RecordSealer {
  readonly encrypting = false;
  /**
   * legacy_record_version written in headers: 0x0303, or 0x0301 for a client's first
   * ClientHello (RFC 8446 §5.1 allows it "for compatibility purposes"; many stacks send it).
   */
  recordVersion: number;

  constructor(recordVersion: number = TLS12_RECORD_VERSION) {
    this.recordVersion = recordVersion;
  }

  sealedLength(_contentType: number, length: number): number {
    return RECORD_HEADER_LENGTH + length;
  }

  /** @throws ERR_TLS_INTERNAL for a fragment over 2^14 or an `out` too small. */
  seal(contentType: number, plain: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): number {
    if (length > MAX_PLAINTEXT_LENGTH || out.length - outOffset < RECORD_HEADER_LENGTH + length) {
      throw new TlsError('ERR_TLS_INTERNAL', `plaintext record of ${length} bytes at ${outOffset} into ${out.length}: fragment or buffer too small`);
    }
    writeRecordHeader(out, outOffset, contentType, this.recordVersion, length);
    const body = outOffset + RECORD_HEADER_LENGTH;
    if (plain !== out || offset !== body) out.set(plain.subarray(offset, offset + length), body);
    return RECORD_HEADER_LENGTH + length;
  }

  keyUpdateDue(): boolean {
    return false;
  }
}

/**
 * Passes plaintext records through, checking what RFC 8446 §5.1 requires of TLSPlaintext.
 */
export class NoOpener implements RecordOpener {
  readonly decrypting = false;

  /**
   * @throws ERR_TLS_RECORD_OVERFLOW (record_overflow) above 2^14 bytes (RFC 8446 §5.1);
   *   ERR_TLS_RECORD_BAD_TYPE (unexpected_message) for application_data, which cannot come
   *   before keys ("premature Application Data", RFC 8446 §6.2). An engine that skips
   *   rejected 0-RTT records (RFC 8446 §4.2.10) must do so before calling `open`.
   */
  open(record: InboundOpaqueRecord): InboundPlainRecord {
    const length = record.payload.length;
    if (length > MAX_PLAINTEXT_LENGTH) {
      throw new TlsDecodeError('ERR_TLS_RECORD_OVERFLOW', `plaintext record of ${length} bytes: expected at most ${MAX_PLAINTEXT_LENGTH}`);
    }
    if (record.contentType === ContentType.ApplicationData) {
      throw new TlsDecodeError('ERR_TLS_RECORD_BAD_TYPE', `${contentTypeName(record.contentType)} record before traffic keys: expected handshake, alert or change_cipher_spec`);
    }
    return new InboundPlainRecord(record.contentType, record.payload);
  }
}
