/**
 * typetls/webpki: DER, X.509, names, path building and the standard certificate verifiers.
 * Runtime-agnostic: signatures go through the provider's `SignatureVerifier`.
 */
export { DerReader, Tag, tlv, oidToString, oidFromString, type DerElement } from './der.ts';
export { decodeTime, readTime } from './time.ts';
export {
  parseCertificate, parseSpki, parseName, nameToString, KeyUsageBit, ExtendedKeyUsageOid,
  type Certificate, type GeneralName, type NameConstraints, type BasicConstraints, type Extension, type PublicKeyInfo,
} from './certificate.ts';
export { trustAnchorFromCertificate, trustAnchorFromParts, type TrustAnchor } from './trust-anchor.ts';
export { verifyCertificateName, certificateHasEmail, dnsNameMatches, isValidDnsId, parseIpAddress, ipAddressToString, serverNameFromString, certificateNames } from './names.ts';
export { checkNameConstraints } from './name-constraints.ts';
export { signatureSchemeFor, verifySignedData, MIN_RSA_BITS } from './signature-algorithms.ts';
export { Budget, DEFAULT_SIGNATURE_BUDGET, DEFAULT_BUILD_CHAIN_BUDGET, DEFAULT_NAME_CONSTRAINT_BUDGET } from './budget.ts';
export { buildPath, MAX_INTERMEDIATES, type PathOptions, type VerifiedPath } from './path.ts';
export type { RevocationChecker, RevocationIssuer } from './revocation-api.ts';
export {
  verifyCertificateChain, createServerVerifier, createClientVerifier,
  type ChainVerificationOptions, type CertificateUsage, type ServerVerifierOptions, type ClientVerifierOptions,
} from './verifiers.ts';
export { createSniResolver } from './sni-resolver.ts';
export { parseCrl, parseCrlsFromPem, RevocationReason, revocationReasonName, type CertRevocationList, type RevokedCertificate, type IssuingDistributionPoint } from './crl.ts';
export { createCrlChecker } from './revocation.ts';
export { describeCertificate, type CertificateDescription, type CertificateSans } from './describe.ts';
