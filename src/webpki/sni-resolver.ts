/**
 * A server certificate resolver that picks by SNI (RFC 6066 §3): the certificate whose
 * subjectAltName dNSNames match the client's server_name (wildcards as in verification),
 * among those whose key can sign with one of the client's signature schemes. Without SNI, or
 * when nothing matches, the first certificate whose key suits the client is used (as OpenSSL
 * and node:tls do with their default context).
 */
import type { CertificateResolver, CertifiedKey, ClientHelloInfo } from '../core/server/config.ts';
import { parseCertificate } from './certificate.ts';
import { dnsNameMatches } from './names.ts';

interface Entry {
  readonly key: CertifiedKey;
  readonly dnsNames: readonly string[];
}

/** TLS 1.3 handshake signature schemes (no rsa_pkcs1 or SHA-1: RFC 8446 §4.2.3). */
function usableIn13(scheme: number): boolean {
  return (scheme >= 0x0804 && scheme <= 0x080b) || scheme === 0x0403 || scheme === 0x0503 || scheme === 0x0603;
}

/**
 * Builds the resolver once; certificates are parsed here, not per handshake.
 * @throws TlsCertificateError ERR_TLS_CERT_BAD_ENCODING for an end-entity certificate that does not parse.
 */
export function createSniResolver(certificates: readonly CertifiedKey[]): CertificateResolver {
  const entries: Entry[] = certificates.map((key) => {
    const cert = parseCertificate(key.chain[0]!, { allowUnknownCriticalExtensions: true });
    const dnsNames: string[] = [];
    for (const n of cert.subjectAltName ?? []) if (n.kind === 'dns') dnsNames.push(n.value);
    return { key, dnsNames };
  });
  return (hello: ClientHelloInfo): CertifiedKey | null => {
    const schemes = hello.signatureSchemes.filter(usableIn13);
    const suits = (e: Entry) => e.key.key.chooseScheme(schemes) !== null;
    const name = hello.serverName;
    if (name !== null) {
      for (const e of entries) {
        if (suits(e) && e.dnsNames.some((d) => dnsNameMatches(d, name, 'reference') === true)) return e.key;
      }
    }
    for (const e of entries) if (suits(e)) return e.key;
    return null;
  };
}
