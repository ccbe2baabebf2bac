/**
 * ChangeCipherSpec in TLS 1.3 middlebox-compatibility mode (RFC 8446 §5, D.4) and the real
 * TLS 1.2 message (RFC 5246 §7.1).
 */
import { ContentType } from '../codec/codepoints.ts';
import { TlsDecodeError, TlsError, TlsProtocolError } from '../errors.ts';
import { TLS12_RECORD_VERSION, type InboundOpaqueRecord } from './record.ts';

/** The one CCS record anyone sends: type 20, version 0x0303, length 1, value 0x01. */
const CCS_RECORD: readonly number[] = [ContentType.ChangeCipherSpec, TLS12_RECORD_VERSION >>> 8, TLS12_RECORD_VERSION & 0xff, 0x00, 0x01, 0x01];

/** Length of the CCS record on the wire. */
export const CHANGE_CIPHER_SPEC_RECORD_LENGTH = CCS_RECORD.length;

/**
 * Writes the unencrypted CCS record (RFC 8446 D.4: the compatibility-mode dummy, sent right
 * after the first ServerHello/HRR or before the client's second flight; RFC 5246 §7.1 in
 * TLS 1.2) into `out` at `offset`; returns 6.
 * @throws ERR_TLS_INTERNAL when `out` has no room.
 */
export function writeChangeCipherSpecRecord(out: Uint8Array, offset: number): number {
  if (out.length - offset < CCS_RECORD.length) {
    throw new TlsError('ERR_TLS_INTERNAL', `change_cipher_spec record needs 6 bytes at ${offset}, buffer has ${out.length}`);
  }
  for (let i = 0; i < CCS_RECORD.length; i++) out[offset + i] = CCS_RECORD[i]!;
  return CCS_RECORD.length;
}

/** A new CCS record owned by the caller. */
export function changeCipherSpecRecord(): Uint8Array {
  return Uint8Array.from(CCS_RECORD);
}

/**
 * How many compatibility CCS records we drop before treating more as an attack on our
 * patience. One per side is normal; a client may send one more around an HRR. rustls allows
 * a few as well (TLS13_MAX_DROPPED_CCS).
 */
export const MAX_DROPPED_TLS13_CCS = 2;

/**
 * Decides what to do with an unencrypted change_cipher_spec record in TLS 1.3 (RFC 8446 §5):
 * "An implementation may receive an unencrypted record of type change_cipher_spec consisting of
 * the single byte value 0x01 at any time after the first ClientHello message has been sent or
 * received and before the peer's Finished message has been received and MUST simply drop it
 * without further processing." Any other value -> unexpected_message; outside that window it
 * is an unexpected record type -> unexpected_message. (A protected CCS is rejected by the
 * TLS 1.3 opener.) Hold one per connection; the engine calls `check` for each CCS record and
 * drops it when no error is thrown.
 */
export class Tls13CompatibilityCcs {
  // invariant: 0 <= dropped <= MAX_DROPPED_TLS13_CCS
  private dropped: number;

  constructor() {
    this.dropped = 0;
  }

  /**
   * @param record the CCS record as the deframer returned it (never decrypted).
   * @param inWindow true after the first ClientHello was sent/received and before the peer's
   *   Finished was received.
   * @throws ERR_TLS_RECORD_UNEXPECTED_CCS (unexpected_message) unless the record is to be
   *   dropped.
   */
  check(record: InboundOpaqueRecord, inWindow: boolean): void {
    if (record.contentType !== ContentType.ChangeCipherSpec) {
      throw new TlsError('ERR_TLS_INTERNAL', `Tls13CompatibilityCcs.check given record type ${record.contentType}`);
    }
    if (!inWindow) {
      throw new TlsProtocolError('ERR_TLS_RECORD_UNEXPECTED_CCS', 'change_cipher_spec record outside the TLS 1.3 handshake: expected none (RFC 8446 §5)');
    }
    const p = record.payload;
    if (p.length !== 1 || p[0] !== 0x01) {
      throw new TlsProtocolError('ERR_TLS_RECORD_UNEXPECTED_CCS', `change_cipher_spec record of ${p.length} bytes${p.length > 0 ? ` starting 0x${p[0]!.toString(16).padStart(2, '0')}` : ''}: expected the single byte 0x01 (RFC 8446 §5)`);
    }
    if (this.dropped >= MAX_DROPPED_TLS13_CCS) {
      throw new TlsProtocolError('ERR_TLS_RECORD_UNEXPECTED_CCS', `change_cipher_spec record number ${this.dropped + 1}: expected at most ${MAX_DROPPED_TLS13_CCS} in a TLS 1.3 handshake`);
    }
    this.dropped++;
  }
}

/**
 * Checks a TLS 1.2 ChangeCipherSpec message (RFC 5246 §7.1: one byte, value 1). The engine also
 * checks it comes where expected and that no handshake message is partial
 * (`HandshakeJoiner.assertAtKeyChange`).
 * @throws ERR_TLS_DECODE_BAD_VALUE (decode_error) for any other payload.
 */
export function checkTls12ChangeCipherSpec(payload: Uint8Array): void {
  if (payload.length !== 1 || payload[0] !== 0x01) {
    throw new TlsDecodeError('ERR_TLS_DECODE_BAD_VALUE', `ChangeCipherSpec of ${payload.length} bytes: expected the single byte 0x01 (RFC 5246 §7.1)`);
  }
}
