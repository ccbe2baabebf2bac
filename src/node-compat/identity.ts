/**
 * `checkServerIdentity(hostname, cert)`: node:tls' JavaScript name check, reproduced so the
 * same certificates pass and fail with the same `reason` (lib/tls.js). It matches the
 * subjectaltname string of the legacy certificate object: DNS names with a leftmost-label
 * wildcard, IP addresses canonicalized; the subject CN only when the certificate has no DNS SAN.
 */
import { isIP } from 'node:net';
import type { PeerCertificate } from './binding.ts';

function unfqdn(host: string): string {
  return host.replace(/[.]$/, '');
}

function splitHost(host: string): string[] {
  return unfqdn(host).toLowerCase().split('.');
}

function check(hostParts: string[], pattern: string | undefined, wildcards: boolean): boolean {
  if (!pattern) return false;
  const patternParts = splitHost(pattern);
  if (hostParts.length !== patternParts.length) return false;
  if (patternParts.includes('')) return false;
  // Non-ASCII and control characters never match (Node: /[^\u0021-\u007F]/u).
  if (patternParts.some((s) => /[^\u0021-\u007F]/u.test(s))) return false;
  for (let i = hostParts.length - 1; i > 0; i -= 1) {
    if (hostParts[i] !== patternParts[i]) return false;
  }
  const hostSubdomain = hostParts[0]!;
  const patternSubdomain = patternParts[0]!;
  const patternSubdomainParts = patternSubdomain.split('*');
  if (patternSubdomainParts.length === 1 || patternSubdomain.includes('xn--')) return hostSubdomain === patternSubdomain;
  if (!wildcards) return false;
  if (patternSubdomainParts.length > 2) return false;
  if (patternParts.length <= 2) return false; // no "*.com"
  const prefix = patternSubdomainParts[0]!;
  const suffix = patternSubdomainParts[1]!;
  if (prefix.length + suffix.length > hostSubdomain.length) return false;
  return hostSubdomain.startsWith(prefix) && hostSubdomain.endsWith(suffix);
}

/** IPv6 in its canonical text form (as node's internal canonicalizeIP); IPv4 unchanged. */
function canonicalizeIP(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** Splits a subjectaltname string that quotes entries with `"` (Node's splitEscapedAltNames). */
function splitEscapedAltNames(altNames: string): string[] {
  const result: string[] = [];
  let currentToken = '';
  let offset = 0;
  while (offset !== altNames.length) {
    const nextSep = altNames.indexOf(',', offset);
    const nextQuote = altNames.indexOf('"', offset);
    if (nextQuote !== -1 && (nextSep === -1 || nextQuote < nextSep)) {
      currentToken += altNames.substring(offset, nextQuote);
      const match = /^"((?:[^"\\]|\\.)*)"/.exec(altNames.substring(nextQuote));
      if (!match) throw new Error('ERR_TLS_CERT_ALTNAME_FORMAT: Invalid subject alternative name string');
      currentToken += JSON.parse(match[0]) as string;
      offset = nextQuote + match[0].length;
    } else if (nextSep !== -1) {
      currentToken += altNames.substring(offset, nextSep);
      result.push(currentToken);
      currentToken = '';
      offset = nextSep + 2;
    } else {
      currentToken += altNames.substring(offset);
      offset = altNames.length;
    }
  }
  result.push(currentToken);
  return result;
}

/** ERR_TLS_CERT_ALTNAME_INVALID as Node makes it: `reason`, `host` and `cert` properties. */
export class CertAltnameInvalidError extends Error {
  readonly code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  readonly reason: string;
  readonly host: string;
  readonly cert: PeerCertificate;
  constructor(reason: string, host: string, cert: PeerCertificate) {
    super(`Hostname/IP does not match certificate's altnames: ${reason}`);
    this.name = 'Error';
    this.reason = reason;
    this.host = host;
    this.cert = cert;
  }
}

/**
 * node:tls `checkServerIdentity`: returns an `Error` (code ERR_TLS_CERT_ALTNAME_INVALID) when
 * `cert` is not valid for `hostname`, undefined when it is.
 * @example const err = checkServerIdentity('example.com', socket.getPeerCertificate());
 */
export function checkServerIdentity(hostname: string, cert: PeerCertificate): Error | undefined {
  const subject = cert.subject;
  const altNames = cert.subjectaltname;
  const dnsNames: string[] = [];
  const ips: string[] = [];
  hostname = `${hostname}`;
  if (altNames) {
    const split = altNames.includes('"') ? splitEscapedAltNames(altNames) : altNames.split(', ');
    for (const name of split) {
      if (name.startsWith('DNS:')) dnsNames.push(name.slice(4));
      else if (name.startsWith('IP Address:')) ips.push(canonicalizeIP(name.slice(11)));
    }
  }
  let valid = false;
  let reason = 'Unknown reason';
  hostname = unfqdn(hostname);
  if (isIP(hostname)) {
    valid = ips.includes(canonicalizeIP(hostname));
    if (!valid) reason = `IP: ${hostname} is not in the cert's list: ${ips.join(', ')}`;
  } else if (dnsNames.length > 0 || subject?.['CN']) {
    const hostParts = splitHost(hostname);
    const wildcard = (pattern: string): boolean => check(hostParts, pattern, true);
    if (dnsNames.length > 0) {
      valid = dnsNames.some(wildcard);
      if (!valid) reason = `Host: ${hostname}. is not in the cert's altnames: ${altNames}`;
    } else {
      // Match against the Common Name only if no supported identifiers exist.
      const cn = subject!['CN']!;
      if (Array.isArray(cn)) valid = cn.some(wildcard);
      else if (cn) valid = wildcard(cn);
      if (!valid) reason = `Host: ${hostname}. is not cert's CN: ${String(cn)}`;
    }
  } else {
    reason = 'Cert does not contain a DNS name';
  }
  if (!valid) return new CertAltnameInvalidError(reason, hostname, cert);
  return undefined;
}
