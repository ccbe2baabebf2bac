/**
 * PEM (RFC 7468) for the Node adapter: certificates and chains in, DER out, and back.
 * Private keys pass through as text to `CryptoProvider.loadSigningKey`, which parses them.
 * `Buffer` is used here only to decode and encode base64.
 */
import { Buffer } from 'node:buffer';
import { TlsError } from '../core/errors.ts';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and its DER contents. */
export interface PemBlock {
  readonly label: string;
  /** The decoded bytes; owned by the caller. */
  readonly der: Uint8Array;
}

/** What options accept for certificates: PEM text, PEM or DER bytes, or a list of those. */
export type PemInput = string | Uint8Array | readonly (string | Uint8Array)[];

// RFC 7468 §3: labels are printable ASCII without '-'; the body is base64 with whitespace.
const blockPattern = /-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[\x20-\x2c\x2e-\x7e]*[\x21-\x2c\x2e-\x7e])?)-----([\s\S]*?)-----END ([^-\r\n]*)-----/g;
const base64Body = /^[A-Za-z0-9+/]*={0,2}$/;

/** A bound on PEM input we parse (the largest system bundles are well under 1 MiB). */
export const maxPemLength = 16 * 1024 * 1024;

/**
 * Decodes every PEM block in `text`, in order. Text outside blocks is ignored (RFC 7468 §2
 * "explanatory text").
 * @throws TlsError ERR_TLS_CONFIG_BAD_CERTIFICATE for a block whose END label does not match
 *   its BEGIN label, invalid base64, a BEGIN without END, or input over `maxPemLength`.
 * @example decodePem(readFileSync('chain.pem', 'latin1')).map((b) => b.der)
 */
export function decodePem(text: string): PemBlock[] {
  if (text.length > maxPemLength) {
    throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', `PEM input of ${text.length} characters, expected at most ${maxPemLength}`);
  }
  const out: PemBlock[] = [];
  let consumed = 0;
  blockPattern.lastIndex = 0;
  for (let m = blockPattern.exec(text); m !== null; m = blockPattern.exec(text)) {
    const label = m[1]!;
    const endLabel = m[3]!;
    if (endLabel !== label) {
      throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', `PEM block "BEGIN ${label}" ends with "END ${endLabel}", expected "END ${label}"`);
    }
    // RFC 7468 §2: a PEM body may carry headers (RFC 1421 "Proc-Type:"), which mean encryption.
    const body = m[2]!;
    if (body.includes(':')) {
      throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', `PEM block "${label}" has RFC 1421 headers (legacy encryption), expected plain base64`);
    }
    const b64 = body.replace(/[\s]+/g, '');
    if (b64.length % 4 !== 0 || !base64Body.test(b64)) {
      throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', `PEM block "${label}" is not valid base64 (${b64.length} characters)`);
    }
    const buf = Buffer.from(b64, 'base64');
    // Copy out of Buffer's shared pool: anchors are kept for the life of the process.
    out.push({ label, der: new Uint8Array(buf) });
    consumed = blockPattern.lastIndex;
  }
  if (text.indexOf('-----BEGIN ', consumed) !== -1) {
    throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', 'PEM "-----BEGIN" without a matching "-----END" line');
  }
  return out;
}

/**
 * Encodes DER as one PEM block with 64-character lines (RFC 7468 §2).
 * @example encodePem('CERTIFICATE', der)
 */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  let s = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) s += b64.slice(i, i + 64) + '\n';
  return s + `-----END ${label}-----\n`;
}

/**
 * Reads certificates from PEM text, PEM bytes, DER bytes (one certificate: they start with a
 * SEQUENCE tag 0x30) or a list of those, in order. Blocks other than CERTIFICATE (and the
 * OpenSSL variant TRUSTED CERTIFICATE, whose trust settings are ignored) are skipped.
 * @throws TlsError ERR_TLS_CONFIG_BAD_CERTIFICATE for malformed PEM or when no certificate is found.
 */
export function readCertificates(input: PemInput, what = 'certificates'): Uint8Array[] {
  const out: Uint8Array[] = [];
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  for (const item of items) {
    if (typeof item !== 'string' && item.length > 0 && item[0] === 0x30) {
      out.push(new Uint8Array(item));
      continue;
    }
    const text = typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.length).toString('latin1');
    for (const block of decodePem(text)) {
      if (block.label === 'CERTIFICATE') out.push(block.der);
      else if (block.label === 'TRUSTED CERTIFICATE') out.push(firstDerElement(block.der));
    }
  }
  if (out.length === 0) {
    throw new TlsError('ERR_TLS_CONFIG_BAD_CERTIFICATE', `no CERTIFICATE found in ${what}, expected at least one PEM certificate`);
  }
  return out;
}

/**
 * The first DER element of `der` (OpenSSL's TRUSTED CERTIFICATE is a certificate followed by
 * its trust settings). Returns `der` unchanged when the header cannot be read.
 */
function firstDerElement(der: Uint8Array): Uint8Array {
  if (der.length < 2) return der;
  let len = der[1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || der.length < 2 + n) return der;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
    header = 2 + n;
  }
  return header + len <= der.length ? der.slice(0, header + len) : der;
}

/**
 * Normalizes key input for `CryptoProvider.loadSigningKey`: PEM bytes become text, DER bytes
 * pass through. The key is never copied into error messages.
 */
export function keyInput(key: string | Uint8Array): string | Uint8Array {
  if (typeof key === 'string') return key;
  if (key.length > 0 && key[0] === 0x30) return key;
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}
