/** Finished (RFC 8446 §4.4.4; RFC 5246 §7.4.9 with a 12-byte verify_data). */
import { TlsDecodeError } from '../errors.ts';
import { HandshakeType } from './codepoints.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import type { Writer } from './writer.ts';

/** RFC 8446 §4.4.4 Finished. */
export interface Finished {
  /** A view of the message. Compare it with `constantTimeEqual`. */
  verifyData: Uint8Array;
}

/**
 * Decodes a Finished body: verify_data[Hash.length] (TLS 1.3) or verify_data[12] (TLS 1.2),
 * the length the caller expects. The result aliases `body`.
 * @example const fin = expectMessage(m, HandshakeType.Finished, (b) => decodeFinished(b, 32));
 * @throws ERR_TLS_DECODE_LENGTH (decode_error) when the body is not `verifyDataLength` bytes.
 */
export function decodeFinished(body: Uint8Array, verifyDataLength: number): Finished {
  if (body.length !== verifyDataLength) {
    throw new TlsDecodeError('ERR_TLS_DECODE_LENGTH', `Finished.verify_data: ${body.length} bytes, expected ${verifyDataLength}`);
  }
  return { verifyData: body };
}

/** Encodes a complete Finished (header included). */
export function encodeFinished(w: Writer, f: Finished): void {
  const m = startHandshake(w, HandshakeType.Finished);
  w.bytes(f.verifyData);
  endHandshake(w, m);
}
