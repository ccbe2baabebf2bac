/**
 * Keying-material exporters (RFC 5705; RFC 8446 §7.5). The established state gives the
 * connection one `Exporter`; TLS 1.3 uses `Tls13Exporter`, TLS 1.2 plugs its RFC 5705 exporter
 * into the same shape.
 */
import { exportKeyingMaterial } from '../crypto/key-schedule.ts';
import type { HashAlgorithm } from '../crypto/provider.ts';
import { TlsUsageError } from '../errors.ts';
import { utf8 } from '../util.ts';

/** Derives keying material bound to one connection's secrets. */
export interface Exporter {
  /**
   * `length` bytes of keying material for `label` and `context` (null: no context).
   * @throws TlsUsageError ERR_TLS_USAGE for an empty or over-long label or a bad length.
   */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array;
}

/**
 * RFC 8446 §7.5 TLS-Exporter over the exporter_master_secret (or, for the early exporter, the
 * early_exporter_master_secret). In TLS 1.3 "no context" equals an empty context.
 */
export class Tls13Exporter implements Exporter {
  readonly #hash: HashAlgorithm;
  readonly #secret: Uint8Array;

  /** Takes ownership of `secret`. */
  constructor(hash: HashAlgorithm, secret: Uint8Array) {
    this.#hash = hash;
    this.#secret = secret;
  }

  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Uint8Array {
    const l = checkExportArgs(label, length);
    // RFC 8446 §7.1: HkdfLabel.label<7..255> holds "tls13 " + label, so at most 249 bytes;
    // HKDF-Expand gives at most 255 * HashLen bytes (RFC 5869 §2.3).
    if (l.length > 249) throw new TlsUsageError('ERR_TLS_USAGE', `exporter label of ${l.length} bytes: expected at most 249 (RFC 8446 §7.1)`);
    const max = Math.min(0xffff, 255 * this.#hash.outputLength);
    if (length > max) throw new TlsUsageError('ERR_TLS_USAGE', `exporter length ${length}: expected at most ${max} for ${this.#hash.name}`);
    return exportKeyingMaterial(this.#hash, this.#secret, l, context ?? new Uint8Array(0), length);
  }
}

/**
 * The exporter a connection state provides, or null. A state provides one by carrying an
 * `exporter` field (the established TLS 1.3 and TLS 1.2 states do).
 */
export function exporterOf(state: object): Exporter | null {
  const e = (state as { readonly exporter?: unknown }).exporter;
  if (e === null || e === undefined || typeof (e as Exporter).exportKeyingMaterial !== 'function') return null;
  return e as Exporter;
}

/** Shared argument checks; returns the label's bytes. */
export function checkExportArgs(label: string, length: number): Uint8Array {
  if (typeof label !== 'string' || label.length === 0) throw new TlsUsageError('ERR_TLS_USAGE', 'exporter label must be a non-empty string');
  if (!Number.isInteger(length) || length < 1) throw new TlsUsageError('ERR_TLS_USAGE', `exporter length ${String(length)}: expected a positive integer`);
  return utf8(label);
}
