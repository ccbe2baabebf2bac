/**
 * Server identity: DNS names (RFC 5280 §4.2.1.6 / §7.2 syntax, RFC 6125 §6.4 matching) and
 * IP addresses (iPAddress SANs), the rules of rustls-webpki `subject_name/`:
 * - only subjectAltName is consulted: no fallback to the subject CN (RFC 6125 §6.4.4 allows
 *   it; the CA/B Forum and rustls-webpki do not);
 * - a wildcard is a whole left-most label `*`, matches exactly one non-empty label, and needs
 *   at least two labels after it (`*.com` is not a valid presented name, as in NSS);
 * - case-insensitive ASCII comparison; underscores allowed; presented names never absolute;
 *   a reference name may end in one dot.
 */
import { TlsCertificateError } from '../core/errors.ts';
import type { ServerName } from '../core/verify.ts';
import type { Certificate } from './certificate.ts';

/** Which side a DNS identifier comes from (they have different syntax rules). */
export type DnsIdRole = 'reference' | 'presented' | 'constraint';

function isDigit(c: number): boolean { return c >= 0x30 && c <= 0x39; }
function isAlpha(c: number): boolean { return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a); }

/**
 * Whether `name` is a syntactically valid DNS identifier for `role` (RFC 5280 §7.2 preferred
 * name syntax plus underscore; `*.` prefix only for presented names).
 */
export function isValidDnsId(name: string, role: DnsIdRole, allowWildcard: boolean): boolean {
  // https://blogs.msdn.microsoft.com/oldnewthing/20120412-00/?p=7873 (rustls-webpki's limit)
  if (name.length > 253) return false;
  if (role === 'constraint' && name.length === 0) return true;
  if (name.length === 0) return false;
  let i = 0;
  let dots = 0;
  let labelLength = 0;
  let allNumeric = false;
  let endsWithHyphen = false;
  const wildcard = allowWildcard && name.charCodeAt(0) === 0x2a;
  let first = !wildcard;
  if (wildcard) {
    if (name.charCodeAt(1) !== 0x2e) return false;
    i = 2;
    dots = 1;
    if (i >= name.length) return false;
  }
  for (; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2d) {
      if (labelLength === 0) return false; // label starts with a hyphen
      allNumeric = false;
      endsWithHyphen = true;
      if (++labelLength > 63) return false;
    } else if (isDigit(c)) {
      if (labelLength === 0) allNumeric = true;
      endsWithHyphen = false;
      if (++labelLength > 63) return false;
    } else if (isAlpha(c) || c === 0x5f) {
      allNumeric = false;
      endsWithHyphen = false;
      if (++labelLength > 63) return false;
    } else if (c === 0x2e) {
      dots++;
      // Only a name constraint may start with '.' (".example.com": subdomains only).
      if (labelLength === 0 && (role !== 'constraint' || !first)) return false;
      if (endsWithHyphen) return false;
      labelLength = 0;
    } else {
      return false;
    }
    first = false;
  }
  // Only reference identifiers may be absolute (end in '.').
  if (labelLength === 0 && role !== 'reference') return false;
  if (endsWithHyphen) return false;
  // The last label must not be all digits (it would read as an IPv4 address).
  if (allNumeric) return false;
  if (wildcard) {
    const labels = labelLength === 0 ? dots : dots + 1;
    // Like NSS and rustls-webpki: at least two labels after the wildcard label.
    if (labels < 3) return false;
  }
  return true;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * Whether the presented (certificate) DNS name matches `reference`: a host name when `role`
 * is 'reference', a dNSName constraint when 'constraint' (RFC 5280 §4.2.1.10: adding zero or
 * more labels on the left; a leading '.' means subdomains only; '' matches everything).
 * Returns null when either side is malformed.
 */
export function dnsNameMatches(presented: string, reference: string, role: 'reference' | 'constraint'): boolean | null {
  if (!isValidDnsId(presented, 'presented', true)) return null;
  if (!isValidDnsId(reference, role, false)) return null;
  let p = 0;
  let r = 0;
  if (role === 'constraint' && presented.length > reference.length) {
    if (reference.length === 0) return true;
    if (reference.charCodeAt(0) === 0x2e) {
      p = presented.length - reference.length;
    } else {
      p = presented.length - reference.length - 1;
      if (presented.charCodeAt(p) !== 0x2e) return false;
      p++;
    }
  }
  // RFC 6125 §6.4.3: the wildcard stands for exactly one non-empty left-most label.
  if (presented.charCodeAt(p) === 0x2a) {
    p++;
    if (r >= reference.length) return false;
    r++;
    while (r < reference.length && reference.charCodeAt(r) !== 0x2e) r++;
  }
  while (p < presented.length) {
    if (r >= reference.length) return false;
    if (lower(presented.charCodeAt(p)) !== lower(reference.charCodeAt(r))) return false;
    p++;
    r++;
  }
  if (r < reference.length) {
    // A relative presented name matches an absolute reference name (trailing '.').
    if (role === 'constraint') return false;
    if (reference.charCodeAt(r) !== 0x2e || r + 1 !== reference.length) return false;
  }
  return true;
}

/**
 * Parses an IPv4 dotted quad (no leading zeros, RFC 6943 §3.1.1 strict form) or an IPv6
 * address (RFC 4291 §2.2, with `::` and an embedded IPv4 tail; no zone) to its 4 or 16
 * octets. Returns null for anything else.
 */
export function parseIpAddress(text: string): Uint8Array | null {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const s = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(s)) return null;
    const n = Number(s);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Text form of a 4- or 16-octet address (IPv6 as eight groups with `::` compression). */
export function ipAddressToString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return `<${b.length}-octet address>`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952 §4.2: compress the longest run of two or more zero groups.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** Builds a `ServerName` from text: an IP literal becomes `{kind:'ip'}`, anything else DNS. */
export function serverNameFromString(text: string): ServerName {
  const address = parseIpAddress(text);
  if (address !== null) return { kind: 'ip', address, text };
  return { kind: 'dns', name: text };
}

/** The SAN names a certificate is valid for, as text (for error messages). */
export function certificateNames(cert: Certificate): string[] {
  const out: string[] = [];
  for (const n of cert.subjectAltName ?? []) {
    if (n.kind === 'dns') out.push(n.value);
    else if (n.kind === 'ip') out.push(ipAddressToString(n.bytes));
  }
  return out;
}

/**
 * Checks that the end-entity certificate is valid for `name`: a dNSName SAN for DNS names, an
 * iPAddress SAN (exact octets) for IP addresses (RFC 6125 §6.4; RFC 5280 §4.2.1.6). Malformed
 * presented dNSNames are skipped, never matched.
 * @throws TlsCertificateError ERR_TLS_CERT_NOT_VALID_FOR_NAME, listing the names it is valid for.
 */
export function verifyCertificateName(cert: Certificate, name: ServerName): void {
  const sans = cert.subjectAltName ?? [];
  let shown: string;
  if (name.kind === 'dns') {
    shown = name.name;
    if (!isValidDnsId(name.name, 'reference', false)) {
      throw new TlsCertificateError('ERR_TLS_CERT_NOT_VALID_FOR_NAME', `"${name.name}" is not a valid DNS name`);
    }
    for (const n of sans) {
      if (n.kind === 'dns' && dnsNameMatches(n.value, name.name, 'reference') === true) return;
    }
  } else {
    shown = name.text;
    for (const n of sans) {
      if (n.kind === 'ip' && n.bytes.length === name.address.length && n.bytes.every((b, i) => b === name.address[i])) return;
    }
  }
  const names = certificateNames(cert);
  const valid = names.length === 0 ? 'it has no DNS or IP subject alternative names' : `it is valid for ${names.map((n) => `"${n}"`).join(', ')}`;
  throw new TlsCertificateError('ERR_TLS_CERT_NOT_VALID_FOR_NAME', `certificate not valid for name "${shown}"; ${valid}`);
}

/**
 * Whether the certificate has an rfc822Name SAN equal to `email` (local part exact, domain
 * case-insensitive; RFC 5280 §4.2.1.6). For client certificates identified by mailbox.
 */
export function certificateHasEmail(cert: Certificate, email: string): boolean {
  const at = email.lastIndexOf('@');
  if (at <= 0) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  for (const n of cert.subjectAltName ?? []) {
    if (n.kind !== 'email') continue;
    const nat = n.value.lastIndexOf('@');
    if (nat > 0 && n.value.slice(0, nat) === local && n.value.slice(nat + 1).toLowerCase() === domain) return true;
  }
  return false;
}
