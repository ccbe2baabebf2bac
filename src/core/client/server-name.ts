/**
 * Turning the name a user connects to into a `ServerName`: an IP literal (verified against
 * iPAddress SANs, never sent as SNI: RFC 6066 §3) or a DNS name.
 */
import { TlsUsageError } from '../errors.ts';
import type { ServerName } from '../verify.ts';

/** Parses dotted-quad IPv4 (no leading zeros, RFC 6943 style strictness). */
export function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parses an IPv6 literal (RFC 4291 §2.2 text forms, optional brackets, no zone id). */
export function parseIpv6(input: string): Uint8Array | null {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':') || s.includes('%')) return null;
  const out = new Uint8Array(16);
  let tail = s;
  let v4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = tail.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h === '') return [];
    const gs = h.split(':');
    const res: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      res.push(parseInt(g, 16));
    }
    return res;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  if (v4 !== null) out.set(v4, 12);
  return out;
}

/**
 * Classifies `name`: an IPv4/IPv6 literal becomes `{kind:'ip'}`, anything else must be a DNS
 * name (letters, digits, hyphens, dots; a trailing dot is removed).
 * @throws ERR_TLS_USAGE for an empty or malformed name.
 */
export function toServerName(name: string): ServerName {
  // A client connects to the same few names again and again: classify each once (issue 5:
  // ~1 µs in a hot loop, 10-17 µs per connection inside a busy client). The results are shared,
  // so nothing may modify them (they are only read: SNI, the verifier's name check).
  const known = recent.get(name);
  if (known !== undefined) return known;
  const sn = classify(name);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(name, sn);
  return sn;
}

/** Names classified lately (bounded: emptied when full; a failure is never kept). */
const recent = new Map<string, ServerName>();
const RECENT_MAX = 64;

function classify(name: string): ServerName {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TlsUsageError('ERR_TLS_USAGE', 'server name must be a non-empty string');
  }
  const v4 = parseIpv4(name);
  if (v4 !== null) return { kind: 'ip', address: v4, text: name };
  const v6 = parseIpv6(name);
  if (v6 !== null) return { kind: 'ip', address: v6, text: name.replace(/^\[|\]$/g, '') };
  const dns = name.endsWith('.') ? name.slice(0, -1) : name;
  if (dns.length > 253 || !/^[A-Za-z0-9_*]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*$/.test(dns)) {
    throw new TlsUsageError('ERR_TLS_USAGE', `server name ${JSON.stringify(name)} is neither a DNS name nor an IP address`);
  }
  return { kind: 'dns', name: dns.toLowerCase() };
}
