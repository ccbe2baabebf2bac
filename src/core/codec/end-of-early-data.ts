/** EndOfEarlyData (RFC 8446 §4.5): an empty message. */
import { HandshakeType } from './codepoints.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RFC 8446 §4.5 EndOfEarlyData: `struct {} EndOfEarlyData;`. */
export type EndOfEarlyData = Record<string, never>;

/**
 * Decodes an EndOfEarlyData body, which must be empty.
 * @throws ERR_TLS_DECODE_TRAILING_DATA (decode_error).
 */
export function decodeEndOfEarlyData(body: Uint8Array): EndOfEarlyData {
  new Reader(body).finish('EndOfEarlyData');
  return {};
}

/** Encodes a complete EndOfEarlyData (4 bytes: `05 00 00 00`). */
export function encodeEndOfEarlyData(w: Writer, _m: EndOfEarlyData = {}): void {
  endHandshake(w, startHandshake(w, HandshakeType.EndOfEarlyData));
}
