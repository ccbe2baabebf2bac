/**
 * Server configuration: validated once, shared by any number of `ServerConnection`s.
 */
import { TlsUsageError } from '../errors.ts';
import type { ClientCertVerifier } from '../verify.ts';
import { validateCommon, type CommonConfig, type CommonConfigOptions } from '../config/common.ts';
import type { CertifiedKey } from '../client/config.ts';
import type { CertificateCompressor } from '../crypto/provider.ts';
import { validateCompression } from '../compression.ts';

import type { Ticketer } from './ticketer.ts';
import type { ServerSessionStore } from './session-store.ts';
import type { AlpnSelector } from './alpn-select.ts';

export type { CertifiedKey } from '../client/config.ts';

/** What a certificate resolver sees of the ClientHello. */
export interface ClientHelloInfo {
  readonly serverName: string | null;
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
  readonly cipherSuites: readonly number[];
  /** The client asked for a stapled OCSP response (status_request, RFC 6066 §8); absent means false. */
  readonly ocspRequested?: boolean;
}

/** Picks the certificate for a ClientHello; may return a Promise (async selection). */
export type CertificateResolver = (hello: ClientHelloInfo) => CertifiedKey | null | Promise<CertifiedKey | null>;

export interface ServerConfigOptions extends CommonConfigOptions {
  /** Certificates to choose from by SNI and signature schemes (the default resolver). */
  certificates?: readonly CertifiedKey[];
  /** A custom resolver; takes precedence over `certificates`. */
  resolveCertificate?: CertificateResolver;
  /** Verifies client certificates; null or absent: no client authentication. */
  clientVerifier?: ClientCertVerifier | null;
  /**
   * When the client's ALPN list shares nothing with ours: 'reject' sends no_application_protocol
   * (RFC 7301 §3.2, the default); 'ignore' continues without ALPN.
   */
  alpnMismatch?: 'reject' | 'ignore';
  /**
   * Chooses the ALPN protocol from the client's offer instead of `alpnProtocols` (RFC 7301 §3.2):
   * return one of `offered`, null for none, or undefined to refuse with no_application_protocol.
   * Called only when the client offers ALPN, for TLS 1.3 and TLS 1.2. Synchronous.
   */
  selectAlpn?: AlpnSelector | null;
  /**
   * Send our supported_groups in EncryptedExtensions (RFC 8446 §4.2.7 allows it), so a client
   * can use our preferred group next time. Default false (as rustls; NSS sends them).
   */
  sendSupportedGroups?: boolean;
  /**
   * Stateless TLS 1.3 tickets (`createTicketer`). Replayable, so never used for 0-RTT. When
   * `sessionStore` is set too, new tickets go to the store and the ticketer only opens old ones.
   */
  ticketer?: Ticketer | null;
  /** Stateful, single-use TLS 1.3 sessions (`createServerSessionStore`): required for 0-RTT. */
  sessionStore?: ServerSessionStore | null;
  /**
   * Whether TLS 1.3 tickets use `sessionStore` (default true). False: TLS 1.3 tickets stay
   * stateless (`ticketer`) and `sessionStore` keeps only TLS 1.2 session ids, as node:tls'
   * external session cache does ('newSession'/'resumeSession').
   */
  tls13SessionStore?: boolean;
  /**
   * Whether `ticketer` also serves TLS 1.2 session tickets (RFC 5077; default true). False (as
   * OpenSSL's SSL_OP_NO_TICKET): TLS 1.2 resumes only by session id through `sessionStore`.
   */
  tls12Tickets?: boolean;
  /**
   * NewSessionTickets sent after each handshake when `ticketer` or `sessionStore` is set; 0
   * disables. Default 2, as OpenSSL (SSL_CTX_set_num_tickets) and rustls (send_tls13_tickets):
   * one ticket per later parallel connection, since clients use each once (RFC 8446 C.4).
   */
  ticketsToSend?: number;
  /**
   * NewSessionTickets sent after a *resumed* TLS 1.3 handshake; default `ticketsToSend`.
   * OpenSSL (and so node:tls) sends none when a ticket opened (it does not renew it); clients
   * that use each ticket once (RFC 8446 §C.4) then fall back to a full handshake sooner.
   */
  ticketsAfterResumption?: number;
  /** ticket_lifetime in seconds, 1..604800 (RFC 8446 §4.6.1). Default 7200 (OpenSSL's). */
  ticketLifetimeSeconds?: number;
  /**
   * RFC 8446 §4.2.10 max_early_data_size: 0-RTT data we accept per connection; 0 (default)
   * disables 0-RTT. Needs `sessionStore` (single-use tickets against replay, §8.1).
   */
  maxEarlyDataSize?: number;
  /**
   * RFC 8879 certificate compression: algorithm code points (zlib 1, brotli 2, zstd 3) in
   * preference order. We compress our Certificate with the first one the client offers (each
   * chain is compressed once per algorithm and cached), and offer them in CertificateRequest
   * for the client's. 'none' turns it off. Default: brotli, zlib (rustls' order), as far as
   * the provider has them. TLS 1.3 only (RFC 8879 §4).
   */
  certificateCompression?: readonly number[] | 'none';
  /** Largest decompressed client Certificate we accept (uncompressed_length), 4..2^24-1; default 65536. */
  maxDecompressedCertificateSize?: number;
}

export interface ServerConfig extends CommonConfig {
  readonly side: 'server';
  readonly certificates: readonly CertifiedKey[];
  readonly resolveCertificate: CertificateResolver | null;
  readonly clientVerifier: ClientCertVerifier | null;
  readonly alpnMismatch: 'reject' | 'ignore';
  readonly selectAlpn: AlpnSelector | null;
  readonly sendSupportedGroups: boolean;
  readonly ticketer: Ticketer | null;
  readonly sessionStore: ServerSessionStore | null;
  /** `sessionStore` serves TLS 1.3 tickets (false: TLS 1.2 session ids only). */
  readonly tls13SessionStore: boolean;
  /** `ticketer` serves TLS 1.2 session tickets too. */
  readonly tls12Tickets: boolean;
  readonly ticketsToSend: number;
  readonly ticketsAfterResumption: number;
  readonly ticketLifetimeSeconds: number;
  readonly maxEarlyDataSize: number;
  /** Our RFC 8879 algorithms in preference order; empty: off. */
  readonly certificateCompression: readonly CertificateCompressor[];
  readonly maxDecompressedCertificateSize: number;
}

/**
 * Validates server options.
 * @throws TlsUsageError ERR_TLS_CONFIG naming the bad option.
 */
export function createServerConfig(o: ServerConfigOptions): ServerConfig {
  const common = validateCommon(o, 'server');
  const certificates = o.certificates ?? [];
  for (const c of certificates) {
    if (!c || !Array.isArray(c.chain) || c.chain.length === 0 || !c.key || typeof c.key.sign !== 'function') {
      throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: each entry of "certificates" needs a non-empty DER chain and a SigningKey');
    }
  }
  const resolveCertificate = o.resolveCertificate ?? null;
  if (certificates.length === 0 && resolveCertificate === null) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: give "certificates" or "resolveCertificate"');
  }
  const alpnMismatch = o.alpnMismatch ?? 'reject';
  if (alpnMismatch !== 'reject' && alpnMismatch !== 'ignore') {
    throw new TlsUsageError('ERR_TLS_CONFIG', `server config: alpnMismatch ${JSON.stringify(alpnMismatch)} is not "reject" or "ignore"`);
  }
  const selectAlpn = o.selectAlpn ?? null;
  if (selectAlpn !== null && typeof selectAlpn !== 'function') throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: "selectAlpn" must be a function');
  const compression = validateCompression(common.provider, o.certificateCompression, o.maxDecompressedCertificateSize, 'server');
  const ticketer = o.ticketer ?? null;
  if (ticketer !== null && (typeof ticketer.encrypt !== 'function' || typeof ticketer.decrypt !== 'function')) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: "ticketer" must have encrypt() and decrypt() (e.g. createTicketer())');
  }
  const sessionStore = o.sessionStore ?? null;
  if (sessionStore !== null && (typeof sessionStore.put !== 'function' || typeof sessionStore.take !== 'function')) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: "sessionStore" must have put() and take() (e.g. createServerSessionStore())');
  }
  const ticketsToSend = o.ticketsToSend ?? 2;
  if (!Number.isInteger(ticketsToSend) || ticketsToSend < 0 || ticketsToSend > 16) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `server config: ticketsToSend ${String(ticketsToSend)}: expected an integer 0..16`);
  }
  const ticketsAfterResumption = o.ticketsAfterResumption ?? ticketsToSend;
  if (!Number.isInteger(ticketsAfterResumption) || ticketsAfterResumption < 0 || ticketsAfterResumption > 16) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `server config: ticketsAfterResumption ${String(ticketsAfterResumption)}: expected an integer 0..16`);
  }
  const ticketLifetimeSeconds = o.ticketLifetimeSeconds ?? 7200;
  if (!Number.isInteger(ticketLifetimeSeconds) || ticketLifetimeSeconds < 1 || ticketLifetimeSeconds > 604800) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `server config: ticketLifetimeSeconds ${String(ticketLifetimeSeconds)}: expected 1..604800 (RFC 8446 §4.6.1)`);
  }
  const maxEarlyDataSize = o.maxEarlyDataSize ?? 0;
  if (!Number.isInteger(maxEarlyDataSize) || maxEarlyDataSize < 0 || maxEarlyDataSize > 0xffffffff) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `server config: maxEarlyDataSize ${String(maxEarlyDataSize)}: expected an integer 0..2^32-1`);
  }
  const tls13SessionStore = o.tls13SessionStore ?? true;
  if (maxEarlyDataSize > 0 && (sessionStore === null || !tls13SessionStore)) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'server config: maxEarlyDataSize needs a "sessionStore": 0-RTT is accepted only with single-use tickets (RFC 8446 §8.1)');
  }
  return {
    ...common,
    ticketer,
    sessionStore,
    tls13SessionStore,
    tls12Tickets: o.tls12Tickets ?? true,
    ticketsToSend,
    ticketsAfterResumption,
    ticketLifetimeSeconds,
    maxEarlyDataSize,
    ...compression,
    side: 'server',
    certificates,
    resolveCertificate,
    clientVerifier: o.clientVerifier ?? null,
    alpnMismatch,
    selectAlpn,
    sendSupportedGroups: o.sendSupportedGroups ?? false,
  };
}
