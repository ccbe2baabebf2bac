/**
 * Node-shaped errors for the node:tls compatibility layer: the `TypeError`s Node's argument
 * validators throw (same `code` and message format), the OpenSSL verify codes Node reports in
 * `authorizationError`, and a mapping of typetls' `TlsError`s to the `code`s node:tls programs
 * match on. The original `TlsError` is always kept as `cause`.
 */
import { inspect } from 'node:util';
import { AlertDescription } from '../core/codec/codepoints.ts';
import { isTlsError, TlsAlertReceivedError, type TlsError } from '../core/errors.ts';

/** An Error with Node's `code` convention (`err.code`, and `[code]` in `err.name` printing). */
export interface NodeError extends Error {
  code: string;
}

function withCode<E extends Error>(e: E, code: string): E & { code: string } {
  Object.defineProperty(e, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  return e as E & { code: string };
}

/** A `TypeError` with `code`, as `node:internal/errors` makes them. */
export function nodeTypeError(code: string, message: string): TypeError & { code: string } {
  return withCode(new TypeError(message), code);
}

/** An `Error` with `code`. */
export function nodeError(code: string, message: string, cause?: unknown): Error & { code: string } {
  return withCode(cause === undefined ? new Error(message) : new Error(message, { cause }), code);
}

/** Node's "Received ..." tail of ERR_INVALID_ARG_TYPE messages. */
function received(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) return ` Received an instance of ${ctor.name}`;
    return ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

/**
 * ERR_INVALID_ARG_TYPE exactly as Node words it: `The "options.ca" property must be of type
 * string or an instance of Buffer, TypedArray, or DataView. Received type number (1)`.
 */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const kind = name.includes('.') ? 'property' : 'argument';
  return nodeTypeError('ERR_INVALID_ARG_TYPE', `The "${name}" ${kind} must be ${expected}.${received(value)}`);
}

export const EXPECT_STRING = 'of type string';
export const EXPECT_FUNCTION = 'of type function';
export const EXPECT_NUMBER = 'of type number';
export const EXPECT_OBJECT = 'of type object';
export const EXPECT_BUFFER_LIKE = 'an instance of Buffer, TypedArray, or DataView';
export const EXPECT_STRING_OR_BUFFER = 'of type string or an instance of Buffer, TypedArray, or DataView';

/** A value for `ca` / `cert` / `key` entries: a string or bytes. */
export function isStringOrBytes(v: unknown): v is string | Uint8Array {
  return typeof v === 'string' || ArrayBuffer.isView(v);
}

// ---- certificate verification: OpenSSL's verify codes and texts, as Node reports them ----

/** OpenSSL 3 `X509_verify_cert_error_string` texts for the codes we produce. */
const verifyMessages: Readonly<Record<string, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CERT_REVOKED: 'certificate revoked',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  PERMITTED_VIOLATION: 'permitted subtree violation',
  UNHANDLED_CRITICAL_EXTENSION: 'unhandled critical extension',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  CRL_HAS_EXPIRED: 'CRL has expired',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CERT_UNTRUSTED: 'certificate not trusted',
  EE_KEY_TOO_SMALL: 'EE certificate key too weak',
  CERT_REJECTED: 'certificate rejected',
  INVALID_EXTENSION: 'invalid or inconsistent certificate extension',
};

/** typetls certificate codes with a fixed OpenSSL equivalent (issuer problems are decided by `issuerProblem`). */
const certCodeMap: Readonly<Record<string, string>> = {
  ERR_TLS_CERT_EXPIRED: 'CERT_HAS_EXPIRED',
  ERR_TLS_CERT_NOT_VALID_YET: 'CERT_NOT_YET_VALID',
  ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND: 'INVALID_PURPOSE',
  ERR_TLS_CERT_KEY_USAGE: 'INVALID_PURPOSE',
  ERR_TLS_CERT_REVOKED: 'CERT_REVOKED',
  ERR_TLS_CERT_BAD_SIGNATURE: 'CERT_SIGNATURE_FAILURE',
  ERR_TLS_CERT_END_ENTITY_USED_AS_CA: 'INVALID_CA',
  ERR_TLS_CERT_PATH_LEN_EXCEEDED: 'PATH_LENGTH_EXCEEDED',
  ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION: 'PERMITTED_VIOLATION',
  ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION: 'UNHANDLED_CRITICAL_EXTENSION',
  ERR_TLS_CERT_REVOCATION_UNKNOWN: 'UNABLE_TO_GET_CRL',
  ERR_TLS_CERT_CRL_EXPIRED: 'CRL_HAS_EXPIRED',
  ERR_TLS_CERT_CRL_INVALID: 'CRL_SIGNATURE_FAILURE',
  ERR_TLS_CERT_WEAK_KEY: 'EE_KEY_TOO_SMALL',
  ERR_TLS_CERT_BAD_ENCODING: 'INVALID_EXTENSION',
  ERR_TLS_CERT_POLICY: 'CERT_REJECTED',
  ERR_TLS_CERT_REJECTED: 'CERT_REJECTED',
  ERR_TLS_CERT_PATH_BUDGET_EXCEEDED: 'CERT_UNTRUSTED',
  ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM: 'CERT_SIGNATURE_FAILURE',
  ERR_TLS_CERT_UNSUPPORTED_KEY: 'CERT_SIGNATURE_FAILURE',
};

/** How the presented chain ends, for OpenSSL's choice among its "no issuer" codes. */
export type IssuerProblem = 'self-signed-leaf' | 'self-signed-in-chain' | 'leaf-only' | 'issuer-missing';

const issuerCodes: Readonly<Record<IssuerProblem, string>> = {
  'self-signed-leaf': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'self-signed-in-chain': 'SELF_SIGNED_CERT_IN_CHAIN',
  'leaf-only': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'issuer-missing': 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
};

/** A verify error as Node makes it (`Error` with `code`, OpenSSL's text as the message). */
export function verifyError(code: string, cause?: unknown): NodeError {
  return nodeError(code, verifyMessages[code] ?? code.toLowerCase().replace(/_/g, ' '), cause);
}

/**
 * The Node `authorizationError` code for a typetls certificate error. An unknown issuer becomes
 * one of OpenSSL's four codes depending on how the presented chain ends (`problem`).
 * Codes with no OpenSSL equivalent keep typetls' code.
 */
export function nodeVerifyCode(e: TlsError, problem: () => IssuerProblem): string {
  // OpenSSL looks for the issuer first: a CA certificate as end-entity under an unknown issuer
  // (e.g. an untrusted `openssl req -x509` certificate) fails there.
  if (e.code === 'ERR_TLS_CERT_UNKNOWN_ISSUER' || e.code === 'ERR_TLS_CERT_CA_USED_AS_END_ENTITY') return issuerCodes[problem()];
  return certCodeMap[e.code] ?? e.code;
}

// ---- engine errors as Node codes ----

/** OpenSSL's reason codes for received alerts (`ERR_SSL_<reason>` in Node). */
const alertReasons: Readonly<Record<number, string>> = {
  [AlertDescription.UnexpectedMessage]: 'SSLV3_ALERT_UNEXPECTED_MESSAGE',
  [AlertDescription.BadRecordMac]: 'SSLV3_ALERT_BAD_RECORD_MAC',
  [AlertDescription.RecordOverflow]: 'TLSV1_ALERT_RECORD_OVERFLOW',
  [AlertDescription.HandshakeFailure]: 'SSLV3_ALERT_HANDSHAKE_FAILURE',
  [AlertDescription.BadCertificate]: 'SSLV3_ALERT_BAD_CERTIFICATE',
  [AlertDescription.UnsupportedCertificate]: 'SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  [AlertDescription.CertificateRevoked]: 'SSLV3_ALERT_CERTIFICATE_REVOKED',
  [AlertDescription.CertificateExpired]: 'SSLV3_ALERT_CERTIFICATE_EXPIRED',
  [AlertDescription.CertificateUnknown]: 'SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  [AlertDescription.IllegalParameter]: 'SSLV3_ALERT_ILLEGAL_PARAMETER',
  [AlertDescription.UnknownCa]: 'TLSV1_ALERT_UNKNOWN_CA',
  [AlertDescription.AccessDenied]: 'TLSV1_ALERT_ACCESS_DENIED',
  [AlertDescription.DecodeError]: 'TLSV1_ALERT_DECODE_ERROR',
  [AlertDescription.DecryptError]: 'TLSV1_ALERT_DECRYPT_ERROR',
  [AlertDescription.ProtocolVersion]: 'TLSV1_ALERT_PROTOCOL_VERSION',
  [AlertDescription.InsufficientSecurity]: 'TLSV1_ALERT_INSUFFICIENT_SECURITY',
  [AlertDescription.InternalError]: 'TLSV1_ALERT_INTERNAL_ERROR',
  [AlertDescription.UnsupportedExtension]: 'TLSV1_ALERT_UNSUPPORTED_EXTENSION',
  [AlertDescription.UnrecognizedName]: 'TLSV1_UNRECOGNIZED_NAME',
  [AlertDescription.CertificateRequired]: 'TLSV13_ALERT_CERTIFICATE_REQUIRED',
  [AlertDescription.MissingExtension]: 'TLSV13_ALERT_MISSING_EXTENSION',
  [AlertDescription.NoApplicationProtocol]: 'TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
};

/**
 * The error a node:tls program sees for an engine failure: a received alert becomes
 * `ERR_SSL_<OpenSSL reason>`, a transport closed during the handshake `ECONNRESET` (Node's
 * wording); everything else keeps its typetls code. The TlsError is the `cause`, and
 * `typetlsCode` carries its code.
 */
export function toNodeError(e: Error, handshaking: boolean): Error {
  if (!isTlsError(e)) return e;
  // A transport error (ECONNREFUSED, ECONNRESET, ...) is what node:tls reports as is.
  if (e.code === 'ERR_TLS_CLOSED' && e.cause instanceof Error && typeof (e.cause as { code?: unknown }).code === 'string') return e.cause;
  let out: Error & { code: string };
  if (e instanceof TlsAlertReceivedError || (e.code === 'ERR_TLS_ALERT_RECEIVED' && typeof (e as { received?: unknown }).received === 'number')) {
    const reason = alertReasons[(e as TlsAlertReceivedError).received] ?? 'TLSV1_ALERT_UNKNOWN';
    out = nodeError(`ERR_SSL_${reason}`, `${reason.toLowerCase().replace(/_/g, ' ')} (${e.message})`, e);
  } else if (e.code === 'ERR_TLS_CLOSED' && handshaking) {
    out = nodeError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established', e);
  } else {
    return e;
  }
  Object.defineProperty(out, 'typetlsCode', { value: e.code, enumerable: false });
  return out;
}
