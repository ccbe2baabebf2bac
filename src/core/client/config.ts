/**
 * Client configuration: validated once, shared by any number of `ClientConnection`s.
 */
import { TlsUsageError } from '../errors.ts';
import type { SigningKey } from '../crypto/provider.ts';
import type { ServerCertVerifier } from '../verify.ts';
import { validateCommon, type CommonConfig, type CommonConfigOptions } from '../config/common.ts';

/** A certificate chain (DER, end-entity first) and its private key. */
export interface CertifiedKey {
  readonly chain: readonly Uint8Array[];
  readonly key: SigningKey;
  /** A DER OCSP response to staple (server side), or null. */
  readonly ocspResponse?: Uint8Array | null;
}

/** What a client certificate resolver learns from the server's CertificateRequest (RFC 8446 §4.3.2). */
export interface ClientCertificateRequest {
  /**
   * DER distinguished names from certificate_authorities (§4.2.4), or empty when the server
   * sent none. Copies: the resolver owns them.
   */
  readonly acceptableIssuers: readonly Uint8Array[];
  /** The TLS 1.3 signature schemes the server offered in signature_algorithms, its order. */
  readonly signatureSchemes: readonly number[];
}

/**
 * Picks the client certificate for a CertificateRequest; null sends an empty Certificate
 * (the server then decides: certificate_required or an anonymous client). May return a Promise.
 */
export type ClientCertificateResolver = (request: ClientCertificateRequest) => CertifiedKey | null | Promise<CertifiedKey | null>;

export interface ClientConfigOptions extends CommonConfigOptions {
  /** Verifies the server's certificate; required (there is no unverified default). */
  verifier: ServerCertVerifier;
  /** Send server_name (never for IP literals). Default true. */
  enableSni?: boolean;
  /** Send GREASE values (RFC 8701). Default true. */
  grease?: boolean;
  /** A client certificate to present when asked. */
  clientCertificate?: CertifiedKey | null;
  /**
   * Chooses the client certificate per CertificateRequest; takes precedence over
   * `clientCertificate`. A result whose key has none of the offered schemes is not sent.
   */
  resolveClientCertificate?: ClientCertificateResolver | null;
  /**
   * RFC 8446 D.4 middlebox compatibility mode: a random 32-byte legacy_session_id and a
   * change_cipher_spec before our second flight. Default true (as OpenSSL, Go, rustls);
   * false sends an empty legacy_session_id and no CCS (as NSS and RFC 8448's traces).
   */
  middleboxCompat?: boolean;
  /**
   * Offer RFC 5077 session tickets to TLS 1.2 servers (an empty session_ticket extension).
   * Default false. Sent only while TLS 1.2 is enabled; TLS 1.3 servers ignore it (RFC 8446 §4.2).
   */
  tls12SessionTickets?: boolean;
}

export interface ClientConfig extends CommonConfig {
  readonly side: 'client';
  readonly verifier: ServerCertVerifier;
  readonly enableSni: boolean;
  readonly grease: boolean;
  readonly clientCertificate: CertifiedKey | null;
  readonly resolveClientCertificate: ClientCertificateResolver | null;
  readonly middleboxCompat: boolean;
  readonly tls12SessionTickets: boolean;
}

/**
 * Validates client options.
 * @throws TlsUsageError ERR_TLS_CONFIG naming the bad option.
 * @example
 * const config = createClientConfig({ provider: nodeCryptoProvider, verifier: createServerVerifier({ roots, signatures: nodeCryptoProvider.signatures }) });
 */
export function createClientConfig(o: ClientConfigOptions): ClientConfig {
  const common = validateCommon(o, 'client');
  const v = o.verifier;
  if (!v || typeof v.verifyServerCertificate !== 'function' || typeof v.verifyTls13Signature !== 'function') {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "verifier" must be a ServerCertVerifier (e.g. createServerVerifier from typetls/webpki)');
  }
  const cc = o.clientCertificate ?? null;
  if (cc !== null && (!Array.isArray(cc.chain) || cc.chain.length === 0 || !cc.key)) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "clientCertificate" needs a non-empty chain and a key');
  }
  const resolveClientCertificate = o.resolveClientCertificate ?? null;
  if (resolveClientCertificate !== null && typeof resolveClientCertificate !== 'function') {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "resolveClientCertificate" must be a function');
  }
  return {
    ...common,
    side: 'client',
    verifier: v,
    enableSni: o.enableSni ?? true,
    grease: o.grease ?? true,
    clientCertificate: cc,
    resolveClientCertificate,
    middleboxCompat: o.middleboxCompat ?? true,
    tls12SessionTickets: o.tls12SessionTickets ?? false,
  };
}
