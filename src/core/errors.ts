/**
 * The one error type of typetls (STYLE §5). Every error users see is a `TlsError` with a stable
 * `code`, a message that says what was seen and what was expected, and the alert we sent (or
 * `null`). Match on `code`; `isTlsError()` works across duplicate installs of the package.
 */
import { AlertDescription, type AlertDescriptionValue } from './codec/codepoints.ts';

const A = AlertDescription;

/**
 * Every error code and the alert it sends: the compiler keeps this table complete.
 * Prefixes: DECODE (malformed bytes from the peer), PEER (peer misbehaved or incompatible),
 * CERT (certificate verification), ALERT (alert received), USAGE (API misuse), CONFIG,
 * CRYPTO (provider), INTERNAL (a bug).
 */
export const errorAlerts = {
  // Malformed input: decode_error unless the RFC names another alert.
  ERR_TLS_DECODE_TRUNCATED: A.DecodeError,
  ERR_TLS_DECODE_TRAILING_DATA: A.DecodeError,
  ERR_TLS_DECODE_LENGTH: A.DecodeError,
  ERR_TLS_DECODE_BAD_VALUE: A.DecodeError,
  ERR_TLS_DECODE_ILLEGAL_VALUE: A.IllegalParameter,
  ERR_TLS_DECODE_DUPLICATE_EXTENSION: A.IllegalParameter,
  ERR_TLS_DECODE_PSK_NOT_LAST: A.IllegalParameter,
  // Record layer.
  ERR_TLS_RECORD_OVERFLOW: A.RecordOverflow,
  ERR_TLS_RECORD_BAD_TYPE: A.UnexpectedMessage,
  ERR_TLS_RECORD_BAD_VERSION: A.DecodeError,
  ERR_TLS_RECORD_EMPTY: A.UnexpectedMessage,
  ERR_TLS_RECORD_BAD_MAC: A.BadRecordMac,
  ERR_TLS_RECORD_NO_CONTENT_TYPE: A.UnexpectedMessage,
  ERR_TLS_RECORD_SEQUENCE_EXHAUSTED: A.InternalError,
  ERR_TLS_RECORD_HANDSHAKE_INTERLEAVED: A.UnexpectedMessage,
  ERR_TLS_RECORD_HANDSHAKE_OVERFLOW: A.UnexpectedMessage,
  ERR_TLS_RECORD_UNEXPECTED_CCS: A.UnexpectedMessage,
  ERR_TLS_RECORD_DATA_AFTER_CLOSE: A.UnexpectedMessage,
  ERR_TLS_RECORD_KEY_CHANGE_SPLIT: A.UnexpectedMessage,
  ERR_TLS_RECORD_AEAD_INTEGRITY_LIMIT: A.BadRecordMac,
  // The peer broke the protocol or offers nothing we support.
  ERR_TLS_PEER_UNEXPECTED_MESSAGE: A.UnexpectedMessage,
  ERR_TLS_PEER_DUPLICATE_EXTENSION: A.IllegalParameter,
  ERR_TLS_PEER_UNSOLICITED_EXTENSION: A.UnsupportedExtension,
  ERR_TLS_PEER_MISPLACED_EXTENSION: A.IllegalParameter,
  ERR_TLS_PEER_MISSING_EXTENSION: A.MissingExtension,
  ERR_TLS_PEER_ILLEGAL_PARAMETER: A.IllegalParameter,
  ERR_TLS_PEER_NO_COMMON_VERSION: A.ProtocolVersion,
  ERR_TLS_PEER_NO_COMMON_SUITE: A.HandshakeFailure,
  ERR_TLS_PEER_NO_COMMON_GROUP: A.HandshakeFailure,
  ERR_TLS_PEER_NO_COMMON_SIGNATURE_SCHEME: A.HandshakeFailure,
  ERR_TLS_PEER_NO_APPLICATION_PROTOCOL: A.NoApplicationProtocol,
  ERR_TLS_PEER_UNRECOGNIZED_NAME: A.UnrecognizedName,
  ERR_TLS_PEER_DOWNGRADE: A.IllegalParameter,
  ERR_TLS_PEER_BAD_KEY_SHARE: A.IllegalParameter,
  ERR_TLS_PEER_BAD_FINISHED: A.DecryptError,
  ERR_TLS_PEER_BAD_SIGNATURE: A.DecryptError,
  ERR_TLS_PEER_BAD_BINDER: A.DecryptError,
  ERR_TLS_PEER_SECOND_HRR: A.UnexpectedMessage,
  ERR_TLS_PEER_HRR_NO_CHANGE: A.IllegalParameter,
  ERR_TLS_PEER_CERTIFICATE_REQUIRED: A.CertificateRequired,
  ERR_TLS_PEER_EMPTY_CERTIFICATE: A.DecodeError,
  ERR_TLS_PEER_INSUFFICIENT_SECURITY: A.InsufficientSecurity,
  ERR_TLS_PEER_RENEGOTIATION: A.NoRenegotiation,
  ERR_TLS_PEER_EMS_REQUIRED: A.HandshakeFailure,
  // RFC 7627 §5.3: a resumption whose hello disagrees with the session about EMS.
  ERR_TLS_PEER_EMS_MISMATCH: A.HandshakeFailure,
  ERR_TLS_PEER_BAD_RENEGOTIATION_INFO: A.HandshakeFailure,
  ERR_TLS_PEER_INAPPROPRIATE_FALLBACK: A.InappropriateFallback,
  ERR_TLS_PEER_TOO_MANY_MESSAGES: A.UnexpectedMessage,
  ERR_TLS_PEER_POST_HANDSHAKE_AUTH: A.UnexpectedMessage,
  ERR_TLS_PEER_EARLY_DATA_OVERFLOW: A.UnexpectedMessage,
  // RFC 8879 §4: a CompressedCertificate that does not decompress to its uncompressed_length.
  ERR_TLS_PEER_BAD_COMPRESSED_CERTIFICATE: A.BadCertificate,
  // Certificate verification (webpki and the verifier callbacks).
  ERR_TLS_CERT_BAD_ENCODING: A.BadCertificate,
  ERR_TLS_CERT_UNKNOWN_ISSUER: A.UnknownCa,
  ERR_TLS_CERT_EXPIRED: A.CertificateExpired,
  ERR_TLS_CERT_NOT_VALID_YET: A.CertificateExpired,
  ERR_TLS_CERT_NOT_VALID_FOR_NAME: A.BadCertificate,
  ERR_TLS_CERT_REVOKED: A.CertificateRevoked,
  ERR_TLS_CERT_REVOCATION_UNKNOWN: A.CertificateUnknown,
  ERR_TLS_CERT_CRL_EXPIRED: A.CertificateUnknown,
  ERR_TLS_CERT_CRL_INVALID: A.CertificateUnknown,
  ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM: A.BadCertificate,
  ERR_TLS_CERT_BAD_SIGNATURE: A.BadCertificate,
  ERR_TLS_CERT_UNSUPPORTED_KEY: A.UnsupportedCertificate,
  ERR_TLS_CERT_WEAK_KEY: A.InsufficientSecurity,
  ERR_TLS_CERT_CA_USED_AS_END_ENTITY: A.BadCertificate,
  ERR_TLS_CERT_END_ENTITY_USED_AS_CA: A.UnknownCa,
  ERR_TLS_CERT_REQUIRED_EKU_NOT_FOUND: A.UnsupportedCertificate,
  ERR_TLS_CERT_KEY_USAGE: A.UnsupportedCertificate,
  ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION: A.BadCertificate,
  ERR_TLS_CERT_PATH_LEN_EXCEEDED: A.UnknownCa,
  ERR_TLS_CERT_PATH_BUDGET_EXCEEDED: A.BadCertificate,
  ERR_TLS_CERT_UNKNOWN_CRITICAL_EXTENSION: A.UnsupportedCertificate,
  ERR_TLS_CERT_POLICY: A.BadCertificate,
  ERR_TLS_CERT_REJECTED: A.BadCertificate,
  // Alerts the peer sent us: no alert goes back.
  ERR_TLS_ALERT_RECEIVED: null,
  ERR_TLS_CLOSED: null,
  // API misuse, configuration, providers.
  ERR_TLS_USAGE: null,
  ERR_TLS_USAGE_HANDSHAKING: null,
  ERR_TLS_USAGE_CLOSED: null,
  ERR_TLS_CONFIG: null,
  ERR_TLS_CONFIG_BAD_KEY: null,
  ERR_TLS_CONFIG_BAD_CERTIFICATE: null,
  // PKCS#12 (RFC 7292) files given as `pfx`: malformed, MAC mismatch (wrong passphrase),
  // decryption failure, an algorithm or limit typetls does not accept.
  ERR_TLS_CONFIG_PKCS12_MALFORMED: null,
  ERR_TLS_CONFIG_PKCS12_MAC_VERIFY: null,
  ERR_TLS_CONFIG_PKCS12_DECRYPT: null,
  ERR_TLS_CONFIG_PKCS12_UNSUPPORTED: null,
  ERR_TLS_CRYPTO_UNSUPPORTED: A.InternalError,
  ERR_TLS_CRYPTO_FAILURE: A.InternalError,
  ERR_TLS_CALLBACK_FAILED: A.InternalError,
  ERR_TLS_INTERNAL: A.InternalError,
} as const satisfies Record<string, AlertDescriptionValue | null>;

/** Every stable error code. */
export type TlsErrorCode = keyof typeof errorAlerts;

const brand = Symbol.for('typetls.error');

/** Who is to blame; subclasses only carry this and data, never behaviour. */
export type TlsErrorKind = 'decode' | 'protocol' | 'certificate' | 'alert-received' | 'usage' | 'internal';

/**
 * The error typetls throws and reports. `alert` is the alert description we send (or sent) to
 * the peer, `null` for none. Messages never contain secrets.
 */
export class TlsError extends Error {
  readonly code: TlsErrorCode;
  readonly alert: AlertDescriptionValue | null;
  readonly kind: TlsErrorKind;

  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown; alert?: AlertDescriptionValue | null; kind?: TlsErrorKind }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TlsError';
    this.code = code;
    this.alert = options?.alert !== undefined ? options.alert : errorAlerts[code];
    this.kind = options?.kind ?? kindOf(code);
  }

  /** `instanceof TlsError` survives duplicate installs; subclasses keep the prototype check. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    if (this === TlsError) return isTlsError(v);
    return Function.prototype[Symbol.hasInstance].call(this, v);
  }
}
Object.defineProperty(TlsError.prototype, brand, { value: true });

/** Malformed bytes from the peer. */
export class TlsDecodeError extends TlsError {
  constructor(code: TlsErrorCode, message: string) {
    super(code, message, { kind: 'decode' });
    this.name = 'TlsDecodeError';
  }
}

/** The peer misbehaved or offers nothing we can use. */
export class TlsProtocolError extends TlsError {
  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown; alert?: AlertDescriptionValue | null }) {
    super(code, message, { ...options, kind: 'protocol' });
    this.name = 'TlsProtocolError';
  }
}

/** Certificate verification failed. */
export class TlsCertificateError extends TlsError {
  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, kind: 'certificate' });
    this.name = 'TlsCertificateError';
  }
}

/** The peer sent a fatal alert (or close_notify where data was still expected). */
export class TlsAlertReceivedError extends TlsError {
  readonly received: number;
  constructor(description: number, name: string) {
    super('ERR_TLS_ALERT_RECEIVED', `peer sent fatal alert ${name} (${description})`, { kind: 'alert-received' });
    this.name = 'TlsAlertReceivedError';
    this.received = description;
  }
}

/** The API was used wrongly; no alert is sent. */
export class TlsUsageError extends TlsError {
  constructor(code: TlsErrorCode, message: string) {
    super(code, message, { kind: 'usage' });
    this.name = 'TlsUsageError';
  }
}

/** True for any typetls error, even from another copy of the package. */
export function isTlsError(v: unknown): v is TlsError {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[brand] === true;
}

/**
 * Wraps anything thrown inside the engine that is not a `TlsError` (a bug, or a provider
 * failure) as internal_error, keeping the original as `cause`.
 */
export function asTlsError(e: unknown): TlsError {
  if (isTlsError(e)) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TlsError('ERR_TLS_INTERNAL', `internal error: ${what}`, { cause: e, kind: 'internal' });
}

function kindOf(code: TlsErrorCode): TlsErrorKind {
  if (code.startsWith('ERR_TLS_DECODE_') || code.startsWith('ERR_TLS_RECORD_')) return 'decode';
  if (code.startsWith('ERR_TLS_CERT_')) return 'certificate';
  if (code.startsWith('ERR_TLS_ALERT_')) return 'alert-received';
  if (code.startsWith('ERR_TLS_USAGE') || code.startsWith('ERR_TLS_CONFIG')) return 'usage';
  if (code === 'ERR_TLS_INTERNAL') return 'internal';
  return 'protocol';
}

/** Shorthand for the codec: a decode error naming the field. */
export function decodeError(code: TlsErrorCode, message: string): TlsDecodeError {
  return new TlsDecodeError(code, message);
}
