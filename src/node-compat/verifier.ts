/**
 * The compat layer's certificate verifiers. node:tls completes a handshake whatever the
 * certificate and then decides (`authorized`, `authorizationError`, `rejectUnauthorized`);
 * typetls verifies during the handshake. These verifiers do both: they run webpki path
 * building, then the late-bound `checkServerIdentity` (as node:tls: only when the chain is
 * good), record the first failure as Node's error, and
 * - with `rejectUnauthorized` (the default) throw, so the engine sends the alert and no
 *   application data ever reaches an unverified peer;
 * - without it, let the handshake go on. The handshake signature is still verified against the
 *   presented certificate in both cases (the peer must hold the key it shows).
 */
import { TlsCertificateError, TlsProtocolError, isTlsError, type TlsError } from '../core/errors.ts';
import {
  ClientCertVerified, ServerCertVerified, type ClientCertificateInput, type ClientCertVerifier,
  type HandshakeSignatureValid, type ServerCertificateInput, type ServerCertVerifier,
} from '../core/verify.ts';
import { createServerVerifier, verifyCertificateChain } from '../webpki/verifiers.ts';
import type { PeerCertificate } from './binding.ts';
import { nodeVerifyCode, verifyError, type IssuerProblem } from './node-errors.ts';
import { legacyCertificate, presentedChainEnd, x509 } from './peer-certificate.ts';
import type { SecureContext } from './secure-context.ts';

/** Where a verifier records its outcome for the socket. */
export interface VerifyOutcome {
  /** Node's error for the first failure, or null. */
  failure: Error | null;
  /** The engine's error for it (what was thrown when rejecting). */
  engineError: TlsError | null;
  /** The certificate path was checked (false: no certificate was presented). */
  checked: boolean;
}

function issuerProblem(chain: readonly Uint8Array[]): IssuerProblem {
  const end = presentedChainEnd(chain);
  if (end.selfSigned) return end.length === 1 ? 'self-signed-leaf' : 'self-signed-in-chain';
  return end.length === 1 ? 'leaf-only' : 'issuer-missing';
}

/** Handshake signatures (CertificateVerify, ServerKeyExchange), limited to `sigalgs` when set. */
class SignatureChecks {
  private readonly inner: ServerCertVerifier;
  readonly schemes: readonly number[];
  constructor(context: SecureContext) {
    this.inner = createServerVerifier({ roots: [], signatures: context.provider.signatures });
    const all = this.inner.supportedSchemes();
    this.schemes = context.sigalgs === undefined ? all : context.sigalgs.filter((s) => all.includes(s));
  }
  check(tls13: boolean, m: Uint8Array, ee: Uint8Array, scheme: number, sig: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
    if (!this.schemes.includes(scheme)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `signature scheme 0x${scheme.toString(16).padStart(4, '0')} is not in sigalgs, expected one we offered`);
    }
    return tls13 ? this.inner.verifyTls13Signature(m, ee, scheme, sig) : this.inner.verifyTls12Signature(m, ee, scheme, sig);
  }
}

function chainFailure(e: unknown, chain: readonly Uint8Array[], outcome: VerifyOutcome): void {
  if (!isTlsError(e)) throw e;
  outcome.failure = verifyError(nodeVerifyCode(e, () => issuerProblem(chain)), e);
  outcome.engineError = e;
}

/**
 * OpenSSL trusts a certificate that is itself in the trust store (`ca: selfSignedCert`, common
 * with `openssl req -x509` certificates, which are CA:TRUE): only its validity period is then
 * checked. webpki would refuse a CA certificate as end-entity, so this case is decided here.
 */
function directlyTrusted(context: SecureContext, endEntity: Uint8Array, now: number, outcome: VerifyOutcome): boolean {
  if (context.roots === null || !context.roots.some((r) => equalBytes(r, endEntity))) return false;
  const cert = x509(endEntity);
  const code = now > Date.parse(cert.validTo) ? 'ERR_TLS_CERT_EXPIRED' : now < Date.parse(cert.validFrom) ? 'ERR_TLS_CERT_NOT_VALID_YET' : null;
  if (code !== null) {
    const e = new TlsCertificateError(code, `trusted certificate is outside its validity period (${cert.validFrom} .. ${cert.validTo})`);
    chainFailure(e, [endEntity], outcome);
  }
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Options of `CompatServerVerifier`. */
export interface CompatServerVerifierOptions {
  readonly context: SecureContext;
  /** The name checked by `checkServerIdentity` (node:tls: servername, else host). */
  readonly hostname: string;
  readonly checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
  readonly rejectUnauthorized: boolean;
  readonly outcome: VerifyOutcome;
}

/** Client side: verifies the server's chain and name the way node:tls reports them. */
export class CompatServerVerifier implements ServerCertVerifier {
  private readonly o: CompatServerVerifierOptions;
  private readonly sigs: SignatureChecks;
  constructor(o: CompatServerVerifierOptions) {
    this.o = o;
    this.sigs = new SignatureChecks(o.context);
  }

  verifyServerCertificate(input: ServerCertificateInput): ServerCertVerified {
    const { context, outcome } = this.o;
    const chain = [input.endEntity, ...input.intermediates];
    outcome.checked = true;
    if (!directlyTrusted(context, input.endEntity, input.now, outcome)) {
      try {
        verifyCertificateChain({
          endEntity: input.endEntity, intermediates: input.intermediates, anchors: context.anchors(),
          signatures: context.provider.signatures, now: input.now, usage: 'server',
          ...(context.revocation !== undefined ? { revocation: context.revocation } : {}),
        });
      } catch (e) {
        chainFailure(e, chain, outcome);
      }
    }
    if (outcome.failure === null) {
      // lib/_tls_wrap.js onConnectSecure: checkServerIdentity(hostname, getPeerCertificate(true)).
      const cert = legacyCertificate(chain, context.rootCertificates(), true)!;
      const err = this.o.checkServerIdentity(this.o.hostname, cert);
      if (err) {
        outcome.failure = err;
        outcome.engineError = new TlsCertificateError('ERR_TLS_CERT_NOT_VALID_FOR_NAME', `server certificate is not valid for ${JSON.stringify(this.o.hostname)} (checkServerIdentity: ${err.message})`);
      }
    }
    if (outcome.engineError !== null && this.o.rejectUnauthorized) throw outcome.engineError;
    return ServerCertVerified.assertion(chain);
  }

  verifyTls13Signature(m: Uint8Array, ee: Uint8Array, scheme: number, sig: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
    return this.sigs.check(true, m, ee, scheme, sig);
  }

  verifyTls12Signature(m: Uint8Array, ee: Uint8Array, scheme: number, sig: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
    return this.sigs.check(false, m, ee, scheme, sig);
  }

  supportedSchemes(): readonly number[] {
    return this.sigs.schemes;
  }
}

/** Server side (`requestCert`): verifies client certificates against the context's `ca`. */
export class CompatClientVerifier implements ClientCertVerifier {
  private readonly context: SecureContext;
  private readonly reject: boolean;
  private readonly outcome: VerifyOutcome;
  private readonly sigs: SignatureChecks;
  private readonly hints: readonly Uint8Array[];
  constructor(context: SecureContext, rejectUnauthorized: boolean, outcome: VerifyOutcome) {
    this.context = context;
    this.reject = rejectUnauthorized;
    this.outcome = outcome;
    this.sigs = new SignatureChecks(context);
    // Node sends the `ca` subjects as certificate_authorities; none for the default roots.
    this.hints = context.roots === null ? [] : context.anchors().map((a) => a.subject);
  }
  offerClientAuth(): boolean { return true; }
  clientAuthMandatory(): boolean { return this.reject; }
  rootHintSubjects(): readonly Uint8Array[] { return this.hints; }

  verifyClientCertificate(input: ClientCertificateInput): ClientCertVerified {
    const chain = [input.endEntity, ...input.intermediates];
    this.outcome.checked = true;
    try {
      verifyCertificateChain({
        endEntity: input.endEntity, intermediates: input.intermediates, anchors: this.context.anchors(),
        signatures: this.context.provider.signatures, now: input.now, usage: 'client',
        ...(this.context.revocation !== undefined ? { revocation: this.context.revocation } : {}),
      });
    } catch (e) {
      chainFailure(e, chain, this.outcome);
      if (this.reject) throw e;
    }
    return ClientCertVerified.assertion(chain);
  }

  verifyTls13Signature(m: Uint8Array, ee: Uint8Array, scheme: number, sig: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
    return this.sigs.check(true, m, ee, scheme, sig);
  }

  verifyTls12Signature(m: Uint8Array, ee: Uint8Array, scheme: number, sig: Uint8Array): HandshakeSignatureValid | Promise<HandshakeSignatureValid> {
    return this.sigs.check(false, m, ee, scheme, sig);
  }

  supportedSchemes(): readonly number[] {
    return this.sigs.schemes;
  }
}
