/** KeyUpdate (RFC 8446 §4.6.3). */
import { TlsDecodeError } from '../errors.ts';
import { HandshakeType, KeyUpdateRequest } from './codepoints.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RFC 8446 §4.6.3 KeyUpdate. */
export interface KeyUpdate {
  /** `KeyUpdateRequest.UpdateNotRequested` (0) or `UpdateRequested` (1). */
  requestUpdate: number;
}

/**
 * Decodes a KeyUpdate body (one byte).
 * @throws ERR_TLS_DECODE_TRUNCATED / ERR_TLS_DECODE_TRAILING_DATA (decode_error);
 *   ERR_TLS_DECODE_ILLEGAL_VALUE (illegal_parameter) for a request_update other than 0 or 1,
 *   as §4.6.3 requires.
 */
export function decodeKeyUpdate(body: Uint8Array): KeyUpdate {
  const r = new Reader(body);
  const requestUpdate = r.u8('KeyUpdate.request_update');
  r.finish('KeyUpdate');
  if (requestUpdate !== KeyUpdateRequest.UpdateNotRequested && requestUpdate !== KeyUpdateRequest.UpdateRequested) {
    throw new TlsDecodeError('ERR_TLS_DECODE_ILLEGAL_VALUE', `KeyUpdate.request_update: ${requestUpdate}, expected 0 or 1`);
  }
  return { requestUpdate };
}

/** Encodes a complete KeyUpdate (header included). */
export function encodeKeyUpdate(w: Writer, k: KeyUpdate): void {
  const m = startHandshake(w, HandshakeType.KeyUpdate);
  w.u8(k.requestUpdate);
  endHandshake(w, m);
}
