/** Printing negotiated parameters and certificate subjects for the CLI. */
import type { CertificateCompressionInfo, NegotiatedParameters } from '../core/conn/api.ts';
import { isTlsError } from '../core/errors.ts';
import { nameToString, parseCertificate } from '../webpki/index.ts';

/** `name: value` lines for what a handshake agreed on (IANA names). */
export function describeNegotiated(n: NegotiatedParameters): string[] {
  return [
    `protocol: ${n.protocolVersion}`,
    `cipher suite: ${n.cipherSuite}`,
    `group: ${n.group ?? 'none'}`,
    `alpn: ${n.alpn ?? 'none'}`,
    `server name: ${n.serverName ?? 'none'}`,
    `resumed: ${n.resumed ? 'yes' : 'no'}`,
  ];
}

function compressionText(c: CertificateCompressionInfo | null | undefined): string {
  return c ? `${c.algorithmName} (${c.compressedLength} bytes, ${c.uncompressedLength} uncompressed)` : 'no';
}

/**
 * RFC 8879 and OCSP lines: `certificate compressed: brotli (1234 bytes, 2345 uncompressed)`,
 * `client certificate compressed: ...` (when one was sent), `ocsp response: 1520 bytes` / `none`.
 */
export function describeCertificateExtras(n: NegotiatedParameters): string[] {
  const lines = [`certificate compressed: ${compressionText(n.certificateCompression)}`];
  if (n.clientCertificateCompression) lines.push(`client certificate compressed: ${compressionText(n.clientCertificateCompression)}`);
  lines.push(`ocsp response: ${n.ocspResponse ? `${n.ocspResponse.length} bytes` : 'none'}`);
  return lines;
}

/** One short tail for the server's log line: `cert=brotli:1234/2345 ocsp=1520`. */
export function certificateExtrasSummary(n: NegotiatedParameters): string {
  const c = n.certificateCompression;
  return `cert=${c ? `${c.algorithmName}:${c.compressedLength}/${c.uncompressedLength}` : 'uncompressed'} ocsp=${n.ocspResponse ? n.ocspResponse.length : 'none'}`;
}

/** One short line: `TLSv1.3 TLS_AES_128_GCM_SHA256 x25519 alpn=h2`. */
export function summarizeNegotiated(n: NegotiatedParameters): string {
  return `${n.protocolVersion} ${n.cipherSuite} ${n.group ?? 'no-group'} alpn=${n.alpn ?? 'none'}${n.resumed ? ' resumed' : ''}`;
}

/** The subject of each certificate, end-entity first; unparseable ones say so. */
export function certificateSubjects(chain: readonly Uint8Array[]): string[] {
  return chain.map((der) => {
    try {
      return nameToString(parseCertificate(der).subject);
    } catch {
      return '<unparseable certificate>';
    }
  });
}

/** The single line the CLI prints for an error (no stack, no secrets). */
export function errorLine(e: unknown): string {
  if (isTlsError(e)) return `error: ${e.message} (${e.code})`;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `error: ${e.message}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
  }
  return `error: ${String(e)}`;
}
