/**
 * Server configuration: validated once, shared by any number of `ServerConnection`s.
 */
import { TlsUsageError } from '../errors.ts';
import type { ClientCertVerifier } from '../verify.ts';
import { validateCommon, type CommonConfig, type CommonConfigOptions } from '../config/common.ts';
import type { CertifiedKey } from '../client/config.ts';

export type { CertifiedKey } from '../client/config.ts';

/** What a certificate resolver sees of the ClientHello. */
export interface ClientHelloInfo {
  readonly serverName: string | null;
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
  readonly cipherSuites: readonly number[];
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
   * Send our supported_groups in EncryptedExtensions (RFC 8446 §4.2.7 allows it), so a client
   * can use our preferred group next time. Default false (as rustls; NSS sends them).
   */
  sendSupportedGroups?: boolean;
}

export interface ServerConfig extends CommonConfig {
  readonly side: 'server';
  readonly certificates: readonly CertifiedKey[];
  readonly resolveCertificate: CertificateResolver | null;
  readonly clientVerifier: ClientCertVerifier | null;
  readonly alpnMismatch: 'reject' | 'ignore';
  readonly sendSupportedGroups: boolean;
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
  return {
    ...common,
    side: 'server',
    certificates,
    resolveCertificate,
    clientVerifier: o.clientVerifier ?? null,
    alpnMismatch,
    sendSupportedGroups: o.sendSupportedGroups ?? false,
  };
}
