/**
 * NameConstraints processing (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c)) in rustls-webpki's way:
 * a CA's constraints apply to the subjectAltName entries and the subject DN of every
 * certificate below it in the path. For each name form that appears in permittedSubtrees, a
 * name of that form must match at least one entry; a name matching any excludedSubtrees entry
 * is rejected. Supported forms: dNSName, iPAddress (address/mask), directoryName (RDN
 * prefix), rfc822Name. A name of any other form meeting a constraint of the same form is
 * rejected (RFC 5280: "process the constraint or reject the certificate").
 */
import { TlsCertificateError } from '../core/errors.ts';
import type { Budget } from './budget.ts';
import { parseName, type Certificate, type GeneralName, type NameConstraints } from './certificate.ts';
import { bytesEqual } from './der.ts';
import { dnsNameMatches } from './names.ts';

function violation(message: string): TlsCertificateError {
  return new TlsCertificateError('ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION', message);
}

function describe(n: GeneralName): string {
  switch (n.kind) {
    case 'dns': return `dNSName "${n.value}"`;
    case 'email': return `rfc822Name "${n.value}"`;
    case 'uri': return `URI "${n.value}"`;
    case 'ip': return `iPAddress of ${n.bytes.length} octets`;
    case 'directory': return 'directoryName';
    case 'other': return `GeneralName [${n.tag & 0x1f}]`;
  }
}

/**
 * RFC 5280 §4.2.1.10 iPAddress constraint: address then mask (8 octets for IPv4, 32 for IPv6);
 * the mask must be a contiguous prefix. A name of the other family does not match.
 */
function ipMatches(name: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== 8 && constraint.length !== 32) throw violation(`iPAddress constraint of ${constraint.length} octets, expected 8 or 32`);
  const half = constraint.length / 2;
  let seenZero = false;
  for (let i = half; i < constraint.length; i++) {
    const m = constraint[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      if ((m >> bit) & 1) {
        if (seenZero) throw violation('iPAddress constraint has a non-contiguous mask');
      } else {
        seenZero = true;
      }
    }
  }
  if (name.length !== 4 && name.length !== 16) throw violation(`iPAddress of ${name.length} octets, expected 4 or 16`);
  if (name.length !== half) return false;
  for (let i = 0; i < half; i++) {
    const m = constraint[half + i]!;
    if ((name[i]! & m) !== (constraint[i]! & m)) return false;
  }
  return true;
}

/** directoryName: the constraint's RDNs are a prefix of the name's (compared as DER). */
function directoryMatches(name: Uint8Array, constraint: Uint8Array): boolean {
  const n = parseName(name, 'directoryName');
  const c = parseName(constraint, 'directoryName constraint');
  if (c.length > n.length) return false;
  for (let i = 0; i < c.length; i++) {
    const a = n[i]!, b = c[i]!;
    if (a.length !== b.length) return false;
    for (let j = 0; j < a.length; j++) {
      if (a[j]!.oid !== b[j]!.oid || !bytesEqual(a[j]!.value.encoding, b[j]!.value.encoding)) return false;
    }
  }
  return true;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * rfc822Name (RFC 5280 §4.2.1.10): a constraint with '@' is one mailbox; a host name matches
 * every mailbox on that host; a leading '.' matches mailboxes on any subdomain.
 */
function emailMatches(name: string, constraint: string): boolean {
  const at = name.indexOf('@');
  // RFC 5280 §4.2.1.6 / RFC 5321 §4.1.2 Mailbox: exactly one '@' between non-empty parts.
  if (at <= 0 || at === name.length - 1 || name.indexOf('@', at + 1) !== -1) throw violation(`malformed rfc822Name "${name}"`);
  const host = asciiLower(name.slice(at + 1));
  if (constraint.includes('@')) {
    const cat = constraint.lastIndexOf('@');
    // The local part is case-sensitive (RFC 5321 §2.4), the host is not.
    return name.slice(0, at) === constraint.slice(0, cat) && host === asciiLower(constraint.slice(cat + 1));
  }
  const c = asciiLower(constraint);
  if (c.startsWith('.')) return host.endsWith(c) && host.length > c.length;
  return host === c;
}

/**
 * One comparison: true/false for the same form, null when the forms differ. `permitted`
 * decides how a wildcard dNSName counts: in excludedSubtrees it matches when some expansion
 * could match; in permittedSubtrees only when every expansion does (CVE-2025-61727: `*.example.com`
 * is not within `foo.example.com`).
 */
function matches(name: GeneralName, base: GeneralName, permitted: boolean): boolean | null {
  if (name.kind === 'dns' && base.kind === 'dns') {
    let r = dnsNameMatches(name.value, base.value, 'constraint');
    if (r === true && permitted && name.value.startsWith('*.')) {
      // Every expansion of `*.R` is within C iff R is within C (or equals C for a '.'-constraint).
      const rest = name.value.slice(2);
      r = base.value.startsWith('.') ? dnsNameMatches(rest, base.value.slice(1), 'constraint') === true : dnsNameMatches(rest, base.value, 'constraint') === true;
    }
    if (r === null) throw violation(`${describe(name)} or dNSName constraint "${base.value}" is malformed`);
    return r;
  }
  if (name.kind === 'ip' && base.kind === 'ip') return ipMatches(name.bytes, base.bytes);
  if (name.kind === 'directory' && base.kind === 'directory') return directoryMatches(name.bytes, base.bytes);
  if (name.kind === 'email' && base.kind === 'email') return emailMatches(name.value, base.value);
  if ((name.kind === 'uri' && base.kind === 'uri') || (name.kind === 'other' && base.kind === 'other' && name.tag === base.tag)) {
    throw violation(`${describe(name)} is subject to a name constraint of a form we do not process`);
  }
  return null;
}

function checkName(name: GeneralName, constraints: NameConstraints, budget: Budget, ca: string): void {
  if (constraints.permitted !== null) {
    let sameForm = false;
    let matched = false;
    for (const base of constraints.permitted) {
      budget.consumeNameConstraintComparison();
      const m = matches(name, base, true);
      if (m === null) continue;
      sameForm = true;
      if (m) {
        matched = true;
        break;
      }
    }
    if (sameForm && !matched) throw violation(`${describe(name)} is outside the permitted subtrees of ${ca}`);
  }
  if (constraints.excluded !== null) {
    for (const base of constraints.excluded) {
      budget.consumeNameConstraintComparison();
      if (matches(name, base, false) === true) throw violation(`${describe(name)} is in the excluded subtrees of ${ca}`);
    }
  }
}

/**
 * Checks `cert`'s names against `constraints` (set by the CA named `ca`, for messages).
 * @throws ERR_TLS_CERT_NAME_CONSTRAINT_VIOLATION, ERR_TLS_CERT_PATH_BUDGET_EXCEEDED.
 */
export function checkNameConstraints(constraints: NameConstraints, cert: Certificate, budget: Budget, ca: string): void {
  for (const name of cert.subjectAltName ?? []) checkName(name, constraints, budget, ca);
  // An empty subject (SEQUENCE {}) carries no name to constrain.
  if (cert.subject.length > 2) {
    checkName({ kind: 'directory', bytes: cert.subject }, constraints, budget, ca);
  }
}
