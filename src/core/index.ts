/**
 * `typetls/core`: the runtime-agnostic engine. Everything here runs in any JavaScript runtime;
 * cryptography comes from a provider, certificate checks from a verifier.
 */
export { ClientConnection } from './client/connection.ts';
export { ServerConnection } from './server/connection.ts';
export { createClientConfig, type ClientConfig, type ClientConfigOptions, type CertifiedKey, type ClientCertificateRequest, type ClientCertificateResolver } from './client/config.ts';
export { createServerConfig, type ServerConfig, type ServerConfigOptions, type ClientHelloInfo, type CertificateResolver } from './server/config.ts';
export type { TlsConnection, IoState, NegotiatedParameters, ProtocolVersionName } from './conn/api.ts';
export {
  TlsError,
  TlsDecodeError,
  TlsProtocolError,
  TlsCertificateError,
  TlsAlertReceivedError,
  TlsUsageError,
  isTlsError,
  errorAlerts,
  type TlsErrorCode,
  type TlsErrorKind,
} from './errors.ts';
export {
  ServerCertVerified,
  ClientCertVerified,
  HandshakeSignatureValid,
  type ServerName,
  type ServerCertVerifier,
  type ClientCertVerifier,
  type ServerCertificateInput,
  type ClientCertificateInput,
} from './verify.ts';
export type * from './crypto/provider.ts';
export {
  AlertDescription,
  CipherSuite,
  NamedGroup,
  SignatureScheme,
  ProtocolVersion,
  codePointName,
} from './codec/codepoints.ts';
export { toServerName } from './client/server-name.ts';
