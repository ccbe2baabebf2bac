/**
 * The standard certificate verifiers (`ServerCertVerifier`, `ClientCertVerifier` from
 * `core/verify.ts`) over webpki path building, and `verifyCertificateChain`, the one call the
 * CLI and tests use. Roots are parsed once, at construction (PLATFORM-NOTES: parse trust
 * anchors once and share them).
 */
import { SignatureScheme } from '../core/codec/codepoints.ts';
import { TlsCertificateError, TlsProtocolError, TlsUsageError } from '../core/errors.ts';
import type { SignatureVerifier } from '../core/crypto/provider.ts';
import {
  ClientCertVerified, HandshakeSignatureValid, ServerCertVerified,
  type ClientCertificateInput, type ClientCertVerifier, type ServerCertificateInput, type ServerCertVerifier, type ServerName,
} from '../core/verify.ts';
import type { Budget } from './budget.ts';
import { ExtendedKeyUsageOid, parseCertificate, type Certificate } from './certificate.ts';
import { serverNameFromString, verifyCertificateName } from './names.ts';
import { buildPath, type VerifiedPath } from './path.ts';
import { CertificateParseCache } from './parse-cache.ts';
import { cachingSignatureVerifier } from './signature-cache.ts';
import type { RevocationChecker } from './revocation-api.ts';
import { trustAnchorFromCertificate, type TrustAnchor } from './trust-anchor.ts';

/** Our preference order for signature_algorithms (as rustls), filtered by the provider. */
const SCHEME_PREFERENCE: readonly number[] = [
  SignatureScheme.EcdsaSecp384r1Sha384, SignatureScheme.EcdsaSecp256r1Sha256, SignatureScheme.EcdsaSecp521r1Sha512,
  SignatureScheme.Ed25519,
  SignatureScheme.RsaPssRsaeSha512, SignatureScheme.RsaPssRsaeSha384, SignatureScheme.RsaPssRsaeSha256,
  SignatureScheme.RsaPssPssSha512, SignatureScheme.RsaPssPssSha384, SignatureScheme.RsaPssPssSha256,
  SignatureScheme.RsaPkcs1Sha512, SignatureScheme.RsaPkcs1Sha384, SignatureScheme.RsaPkcs1Sha256,
];

const RSA_PKCS1: ReadonlySet<number> = new Set([SignatureScheme.RsaPkcs1Sha256, SignatureScheme.RsaPkcs1Sha384, SignatureScheme.RsaPkcs1Sha512]);

/** What the end-entity is for: its EKU. */
export type CertificateUsage = 'server' | 'client' | { readonly eku: string; readonly required?: boolean };

/** Options of `verifyCertificateChain`. */
export interface ChainVerificationOptions {
  /** DER end-entity certificate. */
  readonly endEntity: Uint8Array;
  /** DER certificates that may help build the path (any order). */
  readonly intermediates?: readonly Uint8Array[];
  /** DER root certificates; or give `anchors`. */
  readonly roots?: readonly Uint8Array[];
  readonly anchors?: readonly TrustAnchor[];
  readonly signatures: SignatureVerifier;
  /** Verification time, ms since the Unix epoch. */
  readonly now: number;
  readonly usage: CertificateUsage;
  /** The name the end-entity must be valid for (text: IP literals become IP names). */
  readonly serverName?: ServerName | string;
  readonly revocation?: RevocationChecker;
  /** Most intermediates in the path (at most 6). */
  readonly maxIntermediates?: number;
  /** keyUsage bits the end-entity must assert (`KeyUsageBit` masks). */
  readonly endEntityKeyUsage?: number;
  readonly budget?: Budget;
}

function ekuFor(usage: CertificateUsage): { eku: string; required: boolean } {
  if (usage === 'server') return { eku: ExtendedKeyUsageOid.ServerAuth, required: false };
  if (usage === 'client') return { eku: ExtendedKeyUsageOid.ClientAuth, required: false };
  return { eku: usage.eku, required: usage.required ?? false };
}

/**
 * Parses and verifies a certificate chain: path building to a root, then the name.
 * @returns the verified path.
 * @throws TlsCertificateError (any ERR_TLS_CERT_* code); TlsUsageError when no roots are given.
 * @example verifyCertificateChain({ endEntity, intermediates, roots, signatures: nodeCryptoProvider.signatures, now: Date.now(), usage: 'server', serverName: 'example.com' })
 */
export function verifyCertificateChain(opts: ChainVerificationOptions): VerifiedPath {
  return verifyChainWith(opts, null);
}

/**
 * `verifyCertificateChain`, parsing through `cache` when given (the standard verifiers: a
 * repeat peer's chain is parsed once). Intermediates that do not parse go to `buildPath` as
 * bytes, which records their error as before.
 */
function verifyChainWith(opts: ChainVerificationOptions, cache: CertificateParseCache | null): VerifiedPath {
  const anchors = opts.anchors ?? (opts.roots ?? []).map((r) => trustAnchorFromCertificate(r));
  if (opts.anchors === undefined && opts.roots === undefined) throw new TlsUsageError('ERR_TLS_USAGE', 'verifyCertificateChain: give roots or anchors');
  const endEntity = cache === null ? parseCertificate(opts.endEntity) : cache.parse(opts.endEntity);
  const raw = opts.intermediates ?? [];
  let intermediates: readonly (Uint8Array | Certificate)[] = raw;
  if (cache !== null && raw.length > 0) {
    intermediates = raw.map((der) => {
      try {
        return cache.parse(der);
      } catch {
        return der;
      }
    });
  }
  const { eku, required } = ekuFor(opts.usage);
  const path = buildPath(endEntity, {
    anchors, intermediates, signatures: opts.signatures, now: opts.now, eku, ekuRequired: required,
    ...(opts.revocation !== undefined ? { revocation: opts.revocation } : {}),
    ...(opts.maxIntermediates !== undefined ? { maxIntermediates: opts.maxIntermediates } : {}),
    ...(opts.endEntityKeyUsage !== undefined ? { endEntityKeyUsage: opts.endEntityKeyUsage } : {}),
    ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
  });
  if (opts.serverName !== undefined) {
    const name = typeof opts.serverName === 'string' ? serverNameFromString(opts.serverName) : opts.serverName;
    verifyCertificateName(endEntity, name);
  }
  return path;
}

function pathDer(p: VerifiedPath): Uint8Array[] {
  // Copies: the certificates may live in the verifier's parse cache.
  const out = [p.endEntity.der.slice(), ...p.intermediates.map((c) => c.der.slice())];
  if (p.anchor.certificate !== null) out.push(p.anchor.certificate.der.slice());
  return out;
}

/** A scheme code point as text, for error messages only. */
function schemeHex(scheme: number): string {
  return '0x' + scheme.toString(16).padStart(4, '0');
}

/** Shared handshake-signature logic of both verifiers. */
class HandshakeSignatures {
  readonly signatures: SignatureVerifier;
  readonly schemes: readonly number[];
  /** Shared with the chain check: the end-entity is parsed once per handshake (or not at all for a repeat peer). */
  readonly parsed: CertificateParseCache;

  constructor(signatures: SignatureVerifier) {
    this.signatures = signatures;
    this.schemes = SCHEME_PREFERENCE.filter((s) => signatures.supportedSchemes.includes(s));
    this.parsed = new CertificateParseCache();
  }

  private parse(der: Uint8Array): Certificate {
    return this.parsed.parse(der);
  }

  verify(message: Uint8Array, endEntity: Uint8Array, scheme: number, signature: Uint8Array, tls13: boolean): HandshakeSignatureValid {
    // RFC 8446 §4.4.3: RSA signatures in TLS 1.3 must be PSS; rsa_pkcs1 only for certificates.
    if (tls13 && RSA_PKCS1.has(scheme)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `TLS 1.3 CertificateVerify with rsa_pkcs1 scheme ${schemeHex(scheme)}, expected RSASSA-PSS`);
    }
    if (!this.schemes.includes(scheme)) {
      throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `signature scheme ${schemeHex(scheme)} was not offered`);
    }
    const cert = this.parse(endEntity);
    if (cert.publicKey.kind === 'rsa' && cert.publicKey.modulusBits < 2048) {
      throw new TlsCertificateError('ERR_TLS_CERT_WEAK_KEY', `end-entity RSA key of ${cert.publicKey.modulusBits} bits, expected at least 2048`);
    }
    // RFC 5246 §7.4.1.4.1: in TLS 1.2 an ECDSA SignatureAndHashAlgorithm names the hash only;
    // the curve is the certificate's. OpenSSL signs with P-256/SHA-384 when offered; rustls
    // accepts P-256/SHA-384 and P-384/SHA-256 there too.
    if (!tls13 && cert.publicKey.kind === 'ec') {
      const own = cert.publicKey.curve === 'P-256' ? SignatureScheme.EcdsaSecp256r1Sha256 : cert.publicKey.curve === 'P-384' ? SignatureScheme.EcdsaSecp384r1Sha384 : null;
      const hash = scheme === SignatureScheme.EcdsaSecp256r1Sha256 ? 'sha256' : scheme === SignatureScheme.EcdsaSecp384r1Sha384 ? 'sha384' : null;
      if (own !== null && hash !== null && scheme !== own && this.signatures.verifyEcdsaWithHash !== undefined) {
        if (!this.signatures.verifyEcdsaWithHash(hash, cert.spki, message, signature)) {
          throw new TlsProtocolError('ERR_TLS_PEER_BAD_SIGNATURE', `handshake signature (scheme ${schemeHex(scheme)}) does not verify with the certificate's key`);
        }
        return HandshakeSignatureValid.assertion();
      }
    }
    if (!this.signatures.verify(scheme, cert.spki, message, signature)) {
      throw new TlsProtocolError('ERR_TLS_PEER_BAD_SIGNATURE', `handshake signature (scheme ${schemeHex(scheme)}) does not verify with the certificate's key`);
    }
    return HandshakeSignatureValid.assertion();
  }
}

/** Options of `createServerVerifier`. */
export interface ServerVerifierOptions {
  /** DER root certificates. */
  readonly roots: readonly Uint8Array[];
  readonly signatures: SignatureVerifier;
  readonly revocation?: RevocationChecker;
  /** Fixed verification time (ms since the epoch) instead of the handshake's `now`. */
  readonly now?: number;
  /**
   * Accept roots whose extensions are not strict DER, using only their subject and key (for
   * platform and bundled stores; see `trustAnchorFromCertificate`). Default false.
   */
  readonly lenientRoots?: boolean;
}

/**
 * A `ServerCertVerifier` that builds a path to `roots` (serverAuth EKU), checks the server
 * name against the subjectAltName, and verifies handshake signatures with the provider.
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING at construction for a malformed root.
 */
export function createServerVerifier(options: ServerVerifierOptions): ServerCertVerifier {
  const lenient = options.lenientRoots === true;
  const anchors = options.roots.map((r) => trustAnchorFromCertificate(r, { lenient }));
  const sigs = new HandshakeSignatures(options.signatures);
  // Certificate signatures seen before (same bytes) are not checked again (signature-cache.ts).
  const chainSignatures = cachingSignatureVerifier(options.signatures);
  return {
    verifyServerCertificate(input: ServerCertificateInput): ServerCertVerified {
      const path = verifyChainWith({
        endEntity: input.endEntity, intermediates: input.intermediates, anchors, signatures: chainSignatures,
        now: options.now ?? input.now, usage: 'server', serverName: input.serverName,
        ...(options.revocation !== undefined ? { revocation: options.revocation } : {}),
      }, sigs.parsed);
      return ServerCertVerified.assertion(pathDer(path));
    },
    verifyTls13Signature: (m, ee, scheme, sig) => sigs.verify(m, ee, scheme, sig, true),
    verifyTls12Signature: (m, ee, scheme, sig) => sigs.verify(m, ee, scheme, sig, false),
    supportedSchemes: () => sigs.schemes,
  };
}

/** Options of `createClientVerifier`. */
export interface ClientVerifierOptions {
  readonly roots: readonly Uint8Array[];
  readonly signatures: SignatureVerifier;
  /** Refuse clients without a certificate (default true). */
  readonly mandatory?: boolean;
  readonly revocation?: RevocationChecker;
  readonly now?: number;
  /** Send the roots' subjects in certificate_authorities (default true). */
  readonly sendRootHints?: boolean;
}

/**
 * A `ClientCertVerifier` that builds a path to `roots` with the clientAuth EKU.
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING at construction for a malformed root.
 */
export function createClientVerifier(options: ClientVerifierOptions): ClientCertVerifier {
  const anchors = options.roots.map((r) => trustAnchorFromCertificate(r));
  const hints = options.sendRootHints === false ? [] : anchors.map((a) => a.subject);
  const sigs = new HandshakeSignatures(options.signatures);
  const chainSignatures = cachingSignatureVerifier(options.signatures);
  const mandatory = options.mandatory ?? true;
  return {
    offerClientAuth: () => true,
    clientAuthMandatory: () => mandatory,
    rootHintSubjects: () => hints,
    verifyClientCertificate(input: ClientCertificateInput): ClientCertVerified {
      const path = verifyChainWith({
        endEntity: input.endEntity, intermediates: input.intermediates, anchors, signatures: chainSignatures,
        now: options.now ?? input.now, usage: 'client',
        ...(options.revocation !== undefined ? { revocation: options.revocation } : {}),
      }, sigs.parsed);
      return ClientCertVerified.assertion(pathDer(path));
    },
    verifyTls13Signature: (m, ee, scheme, sig) => sigs.verify(m, ee, scheme, sig, true),
    verifyTls12Signature: (m, ee, scheme, sig) => sigs.verify(m, ee, scheme, sig, false),
    supportedSchemes: () => sigs.schemes,
  };
}
