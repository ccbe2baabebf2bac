/**
 * Certificate signature algorithms: the allow-list of AlgorithmIdentifier encodings (compared
 * byte for byte, as rustls-webpki does) and their mapping to TLS SignatureScheme code points,
 * which the provider's `SignatureVerifier` understands. The issuer's key decides between
 * schemes that share an AlgorithmIdentifier (PSS with an rsaEncryption or an RSASSA-PSS key)
 * and must suit the scheme (ECDSA curve tied to the hash as in TLS 1.3).
 */
import { SignatureScheme } from '../core/codec/codepoints.ts';
import { TlsCertificateError } from '../core/errors.ts';
import type { SignatureVerifier } from '../core/crypto/provider.ts';
import type { Budget } from './budget.ts';
import type { PublicKeyInfo } from './certificate.ts';
import { Tag, bytesEqual, contextConstructed, oidFromString, tlv } from './der.ts';

const oid = (s: string): Uint8Array => tlv(Tag.Oid, oidFromString(s));
const NULL = tlv(Tag.Null);
const algorithm = (o: string, ...params: Uint8Array[]): Uint8Array => tlv(Tag.Sequence, oid(o), ...params);

// RFC 4055 §3.1 RSASSA-PSS-params with SHA-2, MGF1 with the same hash, salt = hash length.
function pss(hashOid: string, saltLength: number): Uint8Array {
  const hash = algorithm(hashOid, NULL);
  return algorithm('1.2.840.113549.1.1.10', tlv(Tag.Sequence,
    tlv(contextConstructed(0), hash),
    tlv(contextConstructed(1), algorithm('1.2.840.113549.1.1.8', hash)),
    tlv(contextConstructed(2), tlv(Tag.Integer, [saltLength])),
  ));
}

type Family = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'ed25519';

interface AlgorithmEntry {
  readonly name: string;
  readonly encoding: Uint8Array;
  readonly family: Family;
  /** Scheme for an rsaEncryption/EC/Ed25519 issuer key. */
  readonly scheme: number;
  /** Scheme when the issuer key is id-RSASSA-PSS (PSS only). */
  readonly pssKeyScheme: number | null;
  /** Required curve of an ECDSA issuer key. */
  readonly curve: 'P-256' | 'P-384' | 'P-521' | null;
}

/** The allow-list (RFC 4055, RFC 5758 §3.2, RFC 8410). No SHA-1, no DSA. */
const ALGORITHMS: readonly AlgorithmEntry[] = [
  // RFC 4055 §5: sha*WithRSAEncryption with NULL parameters.
  { name: 'sha256WithRSAEncryption', encoding: algorithm('1.2.840.113549.1.1.11', NULL), family: 'rsa-pkcs1', scheme: SignatureScheme.RsaPkcs1Sha256, pssKeyScheme: null, curve: null },
  { name: 'sha384WithRSAEncryption', encoding: algorithm('1.2.840.113549.1.1.12', NULL), family: 'rsa-pkcs1', scheme: SignatureScheme.RsaPkcs1Sha384, pssKeyScheme: null, curve: null },
  { name: 'sha512WithRSAEncryption', encoding: algorithm('1.2.840.113549.1.1.13', NULL), family: 'rsa-pkcs1', scheme: SignatureScheme.RsaPkcs1Sha512, pssKeyScheme: null, curve: null },
  { name: 'RSASSA-PSS SHA-256', encoding: pss('2.16.840.1.101.3.4.2.1', 32), family: 'rsa-pss', scheme: SignatureScheme.RsaPssRsaeSha256, pssKeyScheme: SignatureScheme.RsaPssPssSha256, curve: null },
  { name: 'RSASSA-PSS SHA-384', encoding: pss('2.16.840.1.101.3.4.2.2', 48), family: 'rsa-pss', scheme: SignatureScheme.RsaPssRsaeSha384, pssKeyScheme: SignatureScheme.RsaPssPssSha384, curve: null },
  { name: 'RSASSA-PSS SHA-512', encoding: pss('2.16.840.1.101.3.4.2.3', 64), family: 'rsa-pss', scheme: SignatureScheme.RsaPssRsaeSha512, pssKeyScheme: SignatureScheme.RsaPssPssSha512, curve: null },
  // RFC 5758 §3.2: ecdsa-with-SHA* with absent parameters.
  { name: 'ecdsa-with-SHA256', encoding: algorithm('1.2.840.10045.4.3.2'), family: 'ecdsa', scheme: SignatureScheme.EcdsaSecp256r1Sha256, pssKeyScheme: null, curve: 'P-256' },
  { name: 'ecdsa-with-SHA384', encoding: algorithm('1.2.840.10045.4.3.3'), family: 'ecdsa', scheme: SignatureScheme.EcdsaSecp384r1Sha384, pssKeyScheme: null, curve: 'P-384' },
  { name: 'ecdsa-with-SHA512', encoding: algorithm('1.2.840.10045.4.3.4'), family: 'ecdsa', scheme: SignatureScheme.EcdsaSecp521r1Sha512, pssKeyScheme: null, curve: 'P-521' },
  // RFC 8410 §3: id-Ed25519, parameters absent.
  { name: 'Ed25519', encoding: algorithm('1.3.101.112'), family: 'ed25519', scheme: SignatureScheme.Ed25519, pssKeyScheme: null, curve: null },
];

/** Smallest RSA modulus accepted for signatures (rustls-webpki: RSA_PKCS1_2048_8192_*). */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus accepted (bounds the verification cost a peer can cause). */
export const MAX_RSA_BITS = 8192;

/**
 * Maps a certificate signature AlgorithmIdentifier (TLV) plus the issuer's key to a TLS
 * SignatureScheme.
 * @throws ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM (not on the allow-list, or the key does
 *   not suit it), ERR_TLS_CERT_WEAK_KEY (RSA under 2048 bits), ERR_TLS_CERT_UNSUPPORTED_KEY.
 */
export function signatureSchemeFor(algorithmId: Uint8Array, issuerKey: PublicKeyInfo): number {
  return schemeForEntry(algorithmEntry(algorithmId), issuerKey);
}

/** The allow-list entry whose encoding equals `algorithmId` byte for byte, or undefined. */
function algorithmEntry(algorithmId: Uint8Array): AlgorithmEntry | undefined {
  for (const a of ALGORITHMS) if (bytesEqual(a.encoding, algorithmId)) return a;
  return undefined;
}

/** The error for an algorithm the issuer's key does not suit (built only on failure). */
function mismatch(entry: AlgorithmEntry, issuerKey: PublicKeyInfo): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM', `signature algorithm ${entry.name} does not suit the issuer's ${issuerKey.kind} key`);
}

function schemeForEntry(entry: AlgorithmEntry | undefined, issuerKey: PublicKeyInfo): number {
  if (entry === undefined) {
    throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM', 'certificate signature algorithm is not supported (allowed: RSA PKCS#1 and PSS with SHA-2, ECDSA with SHA-2, Ed25519)');
  }
  switch (entry.family) {
    case 'rsa-pkcs1':
    case 'rsa-pss': {
      if (issuerKey.kind !== 'rsa' && !(issuerKey.kind === 'rsa-pss' && entry.family === 'rsa-pss')) throw mismatch(entry, issuerKey);
      if (issuerKey.modulusBits < MIN_RSA_BITS) {
        throw new TlsCertificateError('ERR_TLS_CERT_WEAK_KEY', `issuer RSA key of ${issuerKey.modulusBits} bits, expected at least ${MIN_RSA_BITS}`);
      }
      if (issuerKey.modulusBits > MAX_RSA_BITS) {
        throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_KEY', `issuer RSA key of ${issuerKey.modulusBits} bits, expected at most ${MAX_RSA_BITS}`);
      }
      return issuerKey.kind === 'rsa-pss' ? entry.pssKeyScheme! : entry.scheme;
    }
    case 'ecdsa':
      if (issuerKey.kind !== 'ec' || issuerKey.curve !== entry.curve) throw mismatch(entry, issuerKey);
      return entry.scheme;
    case 'ed25519':
      if (issuerKey.kind !== 'ed25519') throw mismatch(entry, issuerKey);
      return entry.scheme;
  }
}

/**
 * rustls-webpki's ECDSA_P256_SHA384 and ECDSA_P384_SHA256 (RFC 5758 §3.2 does not tie the hash
 * to the curve): the hash for such a pair, or null for every other algorithm/key combination.
 */
function crossedEcdsaHash(entry: AlgorithmEntry | undefined, issuerKey: PublicKeyInfo): 'sha256' | 'sha384' | null {
  if (issuerKey.kind !== 'ec') return null;
  if (entry === undefined || entry.family !== 'ecdsa') return null;
  if (entry.curve === 'P-256' && issuerKey.curve === 'P-384') return 'sha256';
  if (entry.curve === 'P-384' && issuerKey.curve === 'P-256') return 'sha384';
  return null;
}

/**
 * Verifies a certificate (or CRL) signature: `signed` over `message` with algorithm
 * `algorithmId`, by the issuer key `issuerSpki`/`issuerKey`. Consumes one signature from the
 * budget when one is given.
 * @throws ERR_TLS_CERT_BAD_SIGNATURE and the codes of `signatureSchemeFor`.
 */
export function verifySignedData(
  signatures: SignatureVerifier, algorithmId: Uint8Array, message: Uint8Array, signature: Uint8Array,
  issuerSpki: Uint8Array, issuerKey: PublicKeyInfo, budget: Budget | null,
): void {
  if (budget !== null) budget.consumeSignature();
  // One allow-list lookup serves both the crossed-ECDSA test and the scheme mapping.
  const entry = algorithmEntry(algorithmId);
  const crossed = crossedEcdsaHash(entry, issuerKey);
  if (crossed !== null) {
    // No TLS code point for these pairs: the provider's hash-explicit ECDSA check.
    if (signatures.verifyEcdsaWithHash === undefined) {
      throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM', `ECDSA ${issuerKey.kind === 'ec' ? issuerKey.curve : ''} with ${crossed} is not supported by the crypto provider`);
    }
    if (!signatures.verifyEcdsaWithHash(crossed, issuerSpki, message, signature)) {
      throw new TlsCertificateError('ERR_TLS_CERT_BAD_SIGNATURE', 'certificate signature does not verify with the issuer\'s key');
    }
    return;
  }
  const scheme = schemeForEntry(entry, issuerKey);
  if (!signatures.supportedSchemes.includes(scheme)) {
    throw new TlsCertificateError('ERR_TLS_CERT_UNSUPPORTED_SIGNATURE_ALGORITHM', `signature scheme 0x${scheme.toString(16).padStart(4, '0')} is not supported by the crypto provider`);
  }
  if (!signatures.verify(scheme, issuerSpki, message, signature)) {
    throw new TlsCertificateError('ERR_TLS_CERT_BAD_SIGNATURE', 'certificate signature does not verify with the issuer\'s key');
  }
}
