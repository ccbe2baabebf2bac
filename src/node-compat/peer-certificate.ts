/**
 * node:tls' legacy certificate objects (`getPeerCertificate()`, `getCertificate()`), built with
 * node:crypto's `X509Certificate.toLegacyObject()` (the same C++ code node:tls uses), plus the
 * `issuerCertificate` chain and `infoAccess` parsing node:tls adds in JavaScript.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from './binding.ts';

/** A DER certificate as node:crypto's `X509Certificate`. */
export function x509(der: Uint8Array): X509Certificate {
  return new X509Certificate(der);
}

function legacy(cert: X509Certificate): PeerCertificate {
  const c = cert.toLegacyObject() as unknown as PeerCertificate;
  // lib/_tls_common.js translatePeerCertificate: "key:value\n" lines become arrays per key.
  if (typeof c.infoAccess === 'string') {
    const info: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    for (const m of c.infoAccess.matchAll(/([^\n:]*):([^\n]*)(?:\n|$)/g)) {
      const key = m[1]!;
      const val = m[2]!;
      if (key === '' && val === '') continue;
      if (key in info) info[key]!.push(val);
      else info[key] = [val];
    }
    c.infoAccess = info;
  }
  return c;
}

/**
 * The legacy object for `chain[0]`. With `detailed`, `issuerCertificate` links follow issuers
 * found among the presented chain and then `roots` (as node:tls does with the trust store);
 * a self-signed certificate is its own `issuerCertificate`; when no issuer is found the
 * property is absent.
 */
export function legacyCertificate(chain: readonly Uint8Array[], roots: readonly Uint8Array[], detailed: boolean): PeerCertificate | null {
  if (chain.length === 0) return null;
  const presented = chain.map(x509);
  const leaf = presented[0]!;
  const top = legacy(leaf);
  if (!detailed) return top;
  let cur = leaf;
  let curObj = top;
  const pool = presented.slice(1);
  let rootPool: X509Certificate[] | null = null;
  const seen = new Set<X509Certificate>([leaf]);
  for (let depth = 0; depth < 10; depth++) {
    if (selfSigned(cur)) {
      curObj.issuerCertificate = curObj; // self-signed: node:tls links it to itself
      break;
    }
    let issuer = pool.find((c) => !seen.has(c) && cur.checkIssued(c));
    if (issuer === undefined) {
      rootPool ??= roots.map(x509);
      issuer = rootPool.find((c) => !seen.has(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
    }
    if (issuer === undefined) break;
    seen.add(issuer);
    const next = legacy(issuer);
    curObj.issuerCertificate = next;
    cur = issuer;
    curObj = next;
  }
  return top;
}

/** OpenSSL's "self-signed": issuer name equals subject and the signature verifies with its own key (keyUsage is not consulted). */
function selfSigned(c: X509Certificate): boolean {
  try {
    return c.subject === c.issuer && c.verify(c.publicKey);
  } catch {
    return false;
  }
}

/** How the presented chain ends when no trust anchor was reached (OpenSSL's choice of code). */
export function presentedChainEnd(chain: readonly Uint8Array[]): { length: number; selfSigned: boolean } {
  const presented = chain.map(x509);
  let cur = presented[0]!;
  const seen = new Set<X509Certificate>([cur]);
  let length = 1;
  for (;;) {
    if (selfSigned(cur)) return { length, selfSigned: true };
    const issuer = presented.find((c) => !seen.has(c) && cur.checkIssued(c));
    if (issuer === undefined) return { length, selfSigned: false };
    seen.add(issuer);
    cur = issuer;
    length++;
  }
}
