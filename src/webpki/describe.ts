/**
 * `describeCertificate`: the fields of a certificate an application usually wants after a
 * handshake (who the peer is), e.g. for a client certificate on the server side
 * (`negotiated.peerCertificates[0]`). Parsing only: it verifies nothing.
 */
import type { HashAlgorithm } from '../core/crypto/provider.ts';
import { toHex } from '../core/util.ts';
import { nameToString, parseCertificate } from './certificate.ts';
import { ipAddressToString } from './names.ts';

/** The subjectAltName entries of a certificate by kind, in certificate order. */
export interface CertificateSans {
  readonly dns: readonly string[];
  /** IP addresses as text (IPv6 in RFC 5952 form). */
  readonly ip: readonly string[];
  readonly uri: readonly string[];
  readonly email: readonly string[];
}

/** What `describeCertificate` returns. */
export interface CertificateDescription {
  /** RFC 4514-style subject, encoding order (`CN=client.test, O=Example`). */
  readonly subject: string;
  readonly issuer: string;
  readonly sans: CertificateSans;
  /** Serial number as lowercase hex, without the DER sign octet (`openssl x509 -serial`, lowercased). */
  readonly serial: string;
  /** Validity bounds, milliseconds since the Unix epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** SHA-256 of the DER SubjectPublicKeyInfo as lowercase hex (a key pin, RFC 7469 §2.4). */
  readonly spkiSha256: string;
}

/**
 * Parses a DER certificate into printable facts about it.
 *
 * @param der the certificate (borrowed during the call; the result holds no views into it).
 * @param sha256 hashes the SPKI; pass the provider's `hashes.sha256` (webpki calls no crypto library).
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING (or another ERR_TLS_CERT_* parse code) for a malformed certificate.
 * @example
 * const who = describeCertificate(socket.negotiated.peerCertificates[0], nodeCryptoProvider.hashes.sha256);
 * console.log(who.subject, who.sans.dns);
 */
export function describeCertificate(der: Uint8Array, sha256: Pick<HashAlgorithm, 'digest'>): CertificateDescription {
  // Client certificates may carry extensions we do not process; describing is not trusting.
  const cert = parseCertificate(der, { allowUnknownCriticalExtensions: true });
  const dns: string[] = [];
  const ip: string[] = [];
  const uri: string[] = [];
  const email: string[] = [];
  for (const n of cert.subjectAltName ?? []) {
    switch (n.kind) {
      case 'dns': dns.push(n.value); break;
      case 'ip': ip.push(ipAddressToString(n.bytes)); break;
      case 'uri': uri.push(n.value); break;
      case 'email': email.push(n.value); break;
      default: break; // directoryName, otherName...: not described
    }
  }
  // DER INTEGER: a leading 0x00 only keeps a positive serial positive (X.690 §8.3.2).
  let start = 0;
  while (start < cert.serial.length - 1 && cert.serial[start] === 0) start++;
  return {
    subject: nameToString(cert.subject),
    issuer: nameToString(cert.issuer),
    sans: { dns, ip, uri, email },
    serial: toHex(cert.serial.subarray(start)),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    spkiSha256: toHex(sha256.digest(cert.spki)),
  };
}
