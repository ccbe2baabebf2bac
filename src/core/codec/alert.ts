/** Alert (RFC 8446 §6, RFC 5246 §7.2): two bytes, no handshake header. */
import { TlsDecodeError } from '../errors.ts';
import type { Writer } from './writer.ts';

/** RFC 8446 §6 Alert. Unknown levels and descriptions are kept as numbers. */
export interface Alert {
  /** AlertLevel: warning (1) or fatal (2). TLS 1.3 ignores it except for close_notify/user_canceled. */
  level: number;
  /** AlertDescription. */
  description: number;
}

/**
 * Decodes the content of an alert record.
 *
 * Q: may several alerts share a record, or one be split across records? A: RFC 8446 §5.1
 * forbids fragmenting alerts and rustls/Go treat a record that is not exactly one alert as
 * malformed; so do we.
 * @throws ERR_TLS_DECODE_LENGTH (decode_error) unless `content` is exactly 2 bytes.
 */
export function decodeAlert(content: Uint8Array): Alert {
  if (content.length !== 2) {
    throw new TlsDecodeError('ERR_TLS_DECODE_LENGTH', `alert: ${content.length} bytes, expected 2 (level, description)`);
  }
  return { level: content[0]!, description: content[1]! };
}

/** Writes the 2 bytes of an alert. */
export function encodeAlert(w: Writer, a: Alert): void {
  w.u8(a.level).u8(a.description);
}
