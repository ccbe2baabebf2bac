/** RFC 8879 §4 CompressedCertificate (handshake type 25, TLS 1.3 only). */
import { HandshakeType } from './codepoints.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/**
 * ```
 * struct {
 *   CertificateCompressionAlgorithm algorithm;
 *   uint24 uncompressed_length;
 *   opaque compressed_certificate_message<1..2^24-1>;
 * } CompressedCertificate;
 * ```
 */
export interface CompressedCertificate {
  /** CertificateCompressionAlgorithm (zlib 1, brotli 2, zstd 3). */
  algorithm: number;
  /** Length of the Certificate message body once decompressed; the engine checks it. */
  uncompressedLength: number;
  /** A view of the message: `slice()` it to keep it. */
  compressedCertificateMessage: Uint8Array;
}

/**
 * Decodes a CompressedCertificate body. The result aliases `body`. Whether the algorithm was
 * offered and whether the length is acceptable are the engine's decisions (RFC 8879 §4).
 * @throws ERR_TLS_DECODE_TRUNCATED / ERR_TLS_DECODE_LENGTH / ERR_TLS_DECODE_TRAILING_DATA (decode_error).
 * @example const cc = decodeCompressedCertificate(m.body);
 */
export function decodeCompressedCertificate(body: Uint8Array): CompressedCertificate {
  const r = new Reader(body);
  const algorithm = r.u16('CompressedCertificate.algorithm');
  const uncompressedLength = r.u24('CompressedCertificate.uncompressed_length');
  const compressedCertificateMessage = r.opaque24('CompressedCertificate.compressed_certificate_message', 1, 0xffffff);
  r.finish('CompressedCertificate');
  return { algorithm, uncompressedLength, compressedCertificateMessage };
}

/**
 * Encodes a complete CompressedCertificate message (header included).
 * @throws ERR_TLS_INTERNAL when a length overflows its prefix.
 */
export function encodeCompressedCertificate(w: Writer, m: CompressedCertificate): void {
  const mark = startHandshake(w, HandshakeType.CompressedCertificate);
  w.u16(m.algorithm).u24(m.uncompressedLength).opaque24(m.compressedCertificateMessage);
  endHandshake(w, mark);
}
