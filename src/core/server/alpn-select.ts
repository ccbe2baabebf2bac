/**
 * The server's ALPN choice through a user callback (`ServerConfig.selectAlpn`), shared by the
 * TLS 1.3 and TLS 1.2 ClientHello handlers (RFC 7301 §3.2).
 */
import { isTlsError, TlsError, TlsProtocolError } from '../errors.ts';
import { fromUtf8 } from '../util.ts';

/**
 * A server ALPN callback: gets the protocols the client offered (in its order, as strings) and
 * returns the one to use, `null` to continue without ALPN, or `undefined` to refuse the
 * handshake with no_application_protocol (as node:tls' `ALPNCallback`). Synchronous.
 */
export type AlpnSelector = (offered: string[]) => string | null | undefined;

/**
 * Runs `select` over the client's offer (RFC 7301 §3.2: the answer must be one the client offered).
 * @throws ERR_TLS_PEER_NO_APPLICATION_PROTOCOL when the callback returns undefined;
 *   ERR_TLS_CALLBACK_FAILED when it throws or returns a protocol the client did not offer.
 */
export function selectAlpnWith(select: AlpnSelector, offered: readonly Uint8Array[]): Uint8Array | null {
  const names = offered.map((o) => fromUtf8(o) ?? '');
  let chosen: string | null | undefined;
  try {
    chosen = select(names);
  } catch (e) {
    if (isTlsError(e)) throw e;
    throw new TlsError('ERR_TLS_CALLBACK_FAILED', `selectAlpn failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (chosen === null) return null;
  if (chosen === undefined) {
    throw new TlsProtocolError('ERR_TLS_PEER_NO_APPLICATION_PROTOCOL', `selectAlpn refused every protocol the client offers (${names.map((n) => JSON.stringify(n)).join(', ')})`);
  }
  const i = typeof chosen === 'string' ? names.indexOf(chosen) : -1;
  if (i < 0) {
    throw new TlsError('ERR_TLS_CALLBACK_FAILED', `selectAlpn returned ${JSON.stringify(chosen)}, which the client did not offer (${names.map((n) => JSON.stringify(n)).join(', ')})`);
  }
  return offered[i]!.slice(); // kept past this message: copy (the offer aliases the record buffer)
}
