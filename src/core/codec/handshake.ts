/**
 * The handshake message frame (RFC 8446 §4, RFC 5246 §7.4): a 1-byte HandshakeType, a 3-byte
 * length and the body. Decoders in this folder take the body; encoders write the complete
 * message, header included, with `startHandshake`/`endHandshake`.
 */
import { TlsDecodeError, TlsProtocolError } from '../errors.ts';
import { HandshakeType, codePointName } from './codepoints.ts';
import type { Writer } from './writer.ts';

/** Bytes of the HandshakeType + uint24 length header. */
export const HANDSHAKE_HEADER_LENGTH = 4;

/**
 * One handshake message as received. `body` and `encoding` alias the same bytes: `encoding`
 * is the 4-byte header plus `body`, what goes into the transcript hash. Both are views of the
 * caller's buffer: valid until the next call into the engine; `slice()` what you keep.
 */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  readonly encoding: Uint8Array;
}

/**
 * Reads the header at `offset` without consuming anything: the message type and the body
 * length, or `null` when fewer than 4 bytes are available. The caller bounds `length` (a
 * handshake message larger than its limit is the caller's error to raise) before buffering.
 */
export function readHandshakeHeader(buf: Uint8Array, offset = 0): { type: number; length: number } | null {
  if (buf.length - offset < HANDSHAKE_HEADER_LENGTH) return null;
  return {
    type: buf[offset]!,
    length: (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!,
  };
}

/**
 * Frames one complete handshake message (header + body, nothing more). The result's views
 * alias `encoding`.
 * @throws ERR_TLS_DECODE_TRUNCATED when the body is shorter than the header says,
 *   ERR_TLS_DECODE_TRAILING_DATA when bytes follow it (both decode_error).
 */
export function decodeHandshakeMessage(encoding: Uint8Array): HandshakeMessage {
  const h = readHandshakeHeader(encoding);
  if (h === null) {
    throw new TlsDecodeError('ERR_TLS_DECODE_TRUNCATED', `handshake header: ${encoding.length} bytes, needs 4`);
  }
  const have = encoding.length - HANDSHAKE_HEADER_LENGTH;
  if (have < h.length) {
    throw new TlsDecodeError('ERR_TLS_DECODE_TRUNCATED', `handshake body: ${have} bytes, header says ${h.length}`);
  }
  if (have > h.length) {
    throw new TlsDecodeError('ERR_TLS_DECODE_TRAILING_DATA', `handshake message: ${have - h.length} bytes after a body of ${h.length}`);
  }
  return { type: h.type, body: encoding.subarray(HANDSHAKE_HEADER_LENGTH), encoding };
}

/** The RFC name of a HandshakeType for messages, e.g. `ServerHello`, or `0x00..`. */
export function handshakeTypeName(type: number): string {
  return codePointName(HandshakeType, type);
}

/**
 * Checks the type of `m` and decodes its body with `decode`.
 *
 * @example const ee = expectMessage(m, HandshakeType.EncryptedExtensions, decodeEncryptedExtensions);
 * @throws ERR_TLS_PEER_UNEXPECTED_MESSAGE (unexpected_message) naming what was seen and what
 *   was expected; anything `decode` throws.
 */
export function expectMessage<T>(m: HandshakeMessage, type: number, decode: (body: Uint8Array) => T): T {
  if (m.type !== type) {
    throw new TlsProtocolError(
      'ERR_TLS_PEER_UNEXPECTED_MESSAGE',
      `received ${handshakeTypeName(m.type)} handshake message, expected ${handshakeTypeName(type)}`,
    );
  }
  return decode(m.body);
}

/** Writes a handshake header with a placeholder length; returns the mark for `endHandshake`. */
export function startHandshake(w: Writer, type: number): number {
  w.u8(type);
  return w.start24();
}

/** Fills in the length opened by `startHandshake`. */
export function endHandshake(w: Writer, mark: number): void {
  w.end24(mark);
}

/**
 * RFC 8446 §4.4.1: the synthetic `message_hash` message that replaces ClientHello1 in the
 * transcript after a HelloRetryRequest: `254 00 00 Hash.length || Hash(ClientHello1)`.
 */
export function encodeMessageHash(w: Writer, hash: Uint8Array): void {
  const m = startHandshake(w, HandshakeType.MessageHash);
  w.bytes(hash);
  endHandshake(w, m);
}
