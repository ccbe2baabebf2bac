/**
 * TLS code points as `as const` tables typed `number`, so unknown values round-trip.
 * Names are the RFC identifiers in PascalCase. Sources: RFC 8446 §4, §5, §6, B.3; RFC 5246; IANA.
 */

/** RFC 8446 §5.1 ContentType. */
export const ContentType = {
  Invalid: 0,
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;

/** RFC 8446 §4 HandshakeType (plus TLS 1.2 types from RFC 5246 §7.4). */
export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  NewSessionTicket: 4,
  EndOfEarlyData: 5,
  EncryptedExtensions: 8,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
  CertificateStatus: 22,
  KeyUpdate: 24,
  CompressedCertificate: 25,
  MessageHash: 254,
} as const;

/** RFC 8446 §6 AlertLevel. */
export const AlertLevel = { Warning: 1, Fatal: 2 } as const;

/** RFC 8446 §6 AlertDescription. */
export const AlertDescription = {
  CloseNotify: 0,
  UnexpectedMessage: 10,
  BadRecordMac: 20,
  RecordOverflow: 22,
  HandshakeFailure: 40,
  BadCertificate: 42,
  UnsupportedCertificate: 43,
  CertificateRevoked: 44,
  CertificateExpired: 45,
  CertificateUnknown: 46,
  IllegalParameter: 47,
  UnknownCa: 48,
  AccessDenied: 49,
  DecodeError: 50,
  DecryptError: 51,
  ProtocolVersion: 70,
  InsufficientSecurity: 71,
  InternalError: 80,
  InappropriateFallback: 86,
  UserCanceled: 90,
  NoRenegotiation: 100,
  MissingExtension: 109,
  UnsupportedExtension: 110,
  UnrecognizedName: 112,
  BadCertificateStatusResponse: 113,
  UnknownPskIdentity: 115,
  CertificateRequired: 116,
  NoApplicationProtocol: 120,
  EchRequired: 121,
} as const;
export type AlertDescriptionValue = (typeof AlertDescription)[keyof typeof AlertDescription];

/** Protocol versions on the wire (RFC 8446 §4.2.1, B.3.1.1). */
export const ProtocolVersion = {
  TLSv1_0: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
} as const;

/** RFC 8446 §4.2 ExtensionType, plus the IANA registry entries we handle. */
export const ExtensionType = {
  ServerName: 0,
  MaxFragmentLength: 1,
  StatusRequest: 5,
  SupportedGroups: 10,
  EcPointFormats: 11,
  SignatureAlgorithms: 13,
  UseSrtp: 14,
  Heartbeat: 15,
  ApplicationLayerProtocolNegotiation: 16,
  SignedCertificateTimestamp: 18,
  ClientCertificateType: 19,
  ServerCertificateType: 20,
  Padding: 21,
  EncryptThenMac: 22,
  ExtendedMasterSecret: 23,
  CompressCertificate: 27,
  RecordSizeLimit: 28,
  SessionTicket: 35,
  PreSharedKey: 41,
  EarlyData: 42,
  SupportedVersions: 43,
  Cookie: 44,
  PskKeyExchangeModes: 45,
  CertificateAuthorities: 47,
  OidFilters: 48,
  PostHandshakeAuth: 49,
  SignatureAlgorithmsCert: 50,
  KeyShare: 51,
  EncryptedClientHello: 0xfe0d,
  EchOuterExtensions: 0xfd00,
  RenegotiationInfo: 0xff01,
} as const;

/** RFC 8446 §4.2.7 NamedGroup, plus draft-ietf-tls-ecdhe-mlkem hybrids. */
export const NamedGroup = {
  Secp256r1: 0x0017,
  Secp384r1: 0x0018,
  Secp521r1: 0x0019,
  X25519: 0x001d,
  X448: 0x001e,
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
} as const;

/** RFC 8446 §4.2.3 SignatureScheme. */
export const SignatureScheme = {
  RsaPkcs1Sha256: 0x0401,
  RsaPkcs1Sha384: 0x0501,
  RsaPkcs1Sha512: 0x0601,
  EcdsaSecp256r1Sha256: 0x0403,
  EcdsaSecp384r1Sha384: 0x0503,
  EcdsaSecp521r1Sha512: 0x0603,
  RsaPssRsaeSha256: 0x0804,
  RsaPssRsaeSha384: 0x0805,
  RsaPssRsaeSha512: 0x0806,
  Ed25519: 0x0807,
  Ed448: 0x0808,
  RsaPssPssSha256: 0x0809,
  RsaPssPssSha384: 0x080a,
  RsaPssPssSha512: 0x080b,
} as const;

/** Cipher suites: TLS 1.3 (RFC 8446 B.4) and the TLS 1.2 AEAD suites (RFC 5289, RFC 7905). */
export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600,
} as const;

/** RFC 8446 §4.2.9 PskKeyExchangeMode. */
export const PskKeyExchangeMode = { PskKe: 0, PskDheKe: 1 } as const;

/** RFC 8446 §4.6.3 KeyUpdateRequest. */
export const KeyUpdateRequest = { UpdateNotRequested: 0, UpdateRequested: 1 } as const;

/** RFC 6066 §8 CertificateStatusType. */
export const CertificateStatusType = { Ocsp: 1 } as const;

/** RFC 8879 §3 CertificateCompressionAlgorithm. */
export const CertificateCompressionAlgorithm = { Zlib: 1, Brotli: 2, Zstd: 3 } as const;

/** RFC 8701: GREASE values are 0x?A?A for two-byte code points. */
export function isGrease16(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

/** Reverse lookup for messages and logs: the table key for a value, or `0x....`. */
export function codePointName(table: Readonly<Record<string, number>>, value: number): string {
  for (const k in table) if (table[k] === value) return k;
  return '0x' + value.toString(16).padStart(4, '0');
}
