/**
 * CertificateVerify (RFC 8446 §4.4.3). TLS 1.2 uses the same bytes (RFC 5246 §7.4.8, a
 * DigitallySigned with SignatureAndHashAlgorithm = SignatureScheme), so this codec serves both.
 */
import { HandshakeType } from './codepoints.ts';
import { endHandshake, startHandshake } from './handshake.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** RFC 8446 §4.4.3 CertificateVerify. */
export interface CertificateVerify {
  /** SignatureScheme. */
  algorithm: number;
  /** signature<0..2^16-1>, a view of the message. */
  signature: Uint8Array;
}

/**
 * Decodes a CertificateVerify body. The result aliases `body`.
 * @throws ERR_TLS_DECODE_TRUNCATED, ERR_TLS_DECODE_TRAILING_DATA (decode_error).
 */
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const algorithm = r.u16('CertificateVerify.algorithm');
  const signature = r.opaque16('CertificateVerify.signature', 0, 0xffff);
  r.finish('CertificateVerify');
  return { algorithm, signature };
}

/** Encodes a complete CertificateVerify (header included). */
export function encodeCertificateVerify(w: Writer, cv: CertificateVerify): void {
  const m = startHandshake(w, HandshakeType.CertificateVerify);
  w.u16(cv.algorithm).opaque16(cv.signature);
  endHandshake(w, m);
}
