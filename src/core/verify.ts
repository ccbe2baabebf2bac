/**
 * The verifier interfaces the engine calls (ARCHITECTURE: "core reaches webpki only through
 * its verifier interface"). `typetls/webpki` provides the standard implementations; users may
 * supply their own. Every method may return a Promise: the engine then parks the handshake
 * until it settles. Failures are thrown (or rejected) as `TlsError`s, usually
 * `TlsCertificateError`s whose code decides the alert.
 */

/** The name the client expects the server's certificate to carry. */
export type ServerName =
  | { readonly kind: 'dns'; readonly name: string }
  | { readonly kind: 'ip'; readonly address: Uint8Array; readonly text: string };

const proof = Symbol('typetls.verified');

/** Proof that a certificate chain was verified. Only verifiers make one (`ServerCertVerified.assertion()`). */
export class ServerCertVerified {
  private readonly [proof] = true;
  /** The verified path, end-entity first, trust anchor's certificate (if any) last. */
  readonly path: readonly Uint8Array[];
  private constructor(path: readonly Uint8Array[]) { this.path = path; }
  /** For verifier implementations only. */
  static assertion(path: readonly Uint8Array[] = []): ServerCertVerified { return new ServerCertVerified(path); }
}

/** Proof that a client certificate chain was verified. */
export class ClientCertVerified {
  private readonly [proof] = true;
  readonly path: readonly Uint8Array[];
  private constructor(path: readonly Uint8Array[]) { this.path = path; }
  static assertion(path: readonly Uint8Array[] = []): ClientCertVerified { return new ClientCertVerified(path); }
}

/** Proof that a handshake signature (CertificateVerify, ServerKeyExchange) was checked. */
export class HandshakeSignatureValid {
  private readonly [proof] = true;
  private constructor() {}
  static assertion(): HandshakeSignatureValid { return new HandshakeSignatureValid(); }
}

export interface ServerCertificateInput {
  /** DER of the end-entity certificate. */
  readonly endEntity: Uint8Array;
  /** DER of the other certificates the server sent, in the order sent. */
  readonly intermediates: readonly Uint8Array[];
  readonly serverName: ServerName;
  /** A stapled OCSP response, or null. */
  readonly ocspResponse: Uint8Array | null;
  /** Verification time, milliseconds since the Unix epoch. */
  readonly now: number;
}

/** Verifies the server's certificate chain and its handshake signatures (client side). */
export interface ServerCertVerifier {
  verifyServerCertificate(input: ServerCertificateInput): ServerCertVerified | Promise<ServerCertVerified>;
  /**
   * Verifies a TLS 1.3 CertificateVerify signature (`message` is the RFC 8446 §4.4.3 content)
   * by the end-entity certificate `endEntity` (DER).
   */
  verifyTls13Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid>;
  /** Verifies a TLS 1.2 signature (ServerKeyExchange, CertificateVerify). */
  verifyTls12Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid>;
  /** The signature schemes to offer in signature_algorithms, preference order. */
  supportedSchemes(): readonly number[];
}

export interface ClientCertificateInput {
  readonly endEntity: Uint8Array;
  readonly intermediates: readonly Uint8Array[];
  readonly now: number;
}

/** Verifies client certificates (server side). */
export interface ClientCertVerifier {
  /** Whether to send a CertificateRequest at all. */
  offerClientAuth(): boolean;
  /** Whether a client that sends no certificate is refused (certificate_required). */
  clientAuthMandatory(): boolean;
  /** DER-encoded distinguished names for certificate_authorities, or an empty list for none. */
  rootHintSubjects(): readonly Uint8Array[];
  verifyClientCertificate(input: ClientCertificateInput): ClientCertVerified | Promise<ClientCertVerified>;
  verifyTls13Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid>;
  verifyTls12Signature(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid>;
  supportedSchemes(): readonly number[];
}
