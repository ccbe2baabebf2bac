/**
 * Trust anchors for the Node adapter, as DER certificates: Node's bundled Mozilla roots
 * (`tls.rootCertificates`, the default) or the platform store. Each source is parsed once and
 * cached (PLATFORM-NOTES: parse trust anchors once and share them).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import * as tls from 'node:tls';
import { decodePem } from './pem.ts';

/** Which trust anchors to use. */
export type TrustStoreName = 'bundled' | 'system';

/** The bundle files OpenSSL, Go and curl look for on Linux and the BSDs, first found wins. */
export const systemBundleFiles: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, macOS, the BSDs
];

/** Hashed certificate directories read when no bundle file names them. */
export const systemCertDirectories: readonly string[] = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

/** Where the platform store was read from, for diagnostics. */
export interface SystemRootsResult {
  readonly roots: readonly Uint8Array[];
  /** Files and directories (or `tls.getCACertificates('system')`) that contributed. */
  readonly sources: readonly string[];
}

/** Inputs of `loadSystemRoots`, injectable for tests. */
export interface SystemRootsOptions {
  /** Defaults to `process.env`: `SSL_CERT_FILE`, `SSL_CERT_DIR` (colon-separated). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly bundleFiles?: readonly string[];
  readonly directories?: readonly string[];
  /** Node's `tls.getCACertificates`, when the running Node has it (22.15+, 23.5+); null to skip. */
  readonly getCACertificates?: ((type: 'system') => string[]) | null;
}

// OpenSSL c_rehash names: <8 hex digits>.<n>; CRLs are <hash>.r<n> and skipped.
const hashedName = /^[0-9a-f]{8}\.[0-9]+$/;
// A bound on any one file we read: a certificate bundle, not an arbitrary file.
const maxFileSize = 16 * 1024 * 1024;

let bundledCache: readonly Uint8Array[] | null = null;
let systemCache: SystemRootsResult | null = null;

/**
 * Node's bundled Mozilla root certificates as DER, parsed once.
 * The returned array and its contents are shared: do not modify them.
 */
export function bundledRoots(): readonly Uint8Array[] {
  if (bundledCache === null) bundledCache = Object.freeze(parseAll(tls.rootCertificates));
  return bundledCache;
}

/**
 * The platform trust store as DER, read once (from `process.env` at the first call).
 * The returned array and its contents are shared: do not modify them.
 */
export function systemRoots(): readonly Uint8Array[] {
  if (systemCache === null) systemCache = loadSystemRoots();
  return systemCache.roots;
}

/** The named trust store (cached). */
export function trustAnchors(name: TrustStoreName): readonly Uint8Array[] {
  return name === 'bundled' ? bundledRoots() : systemRoots();
}

/**
 * Reads the platform store without caching. Order, as OpenSSL and Go do on Linux:
 * `SSL_CERT_FILE` replaces the list of bundle files and `SSL_CERT_DIR` the list of directories;
 * without either, `tls.getCACertificates('system')` is used when Node has it, otherwise the first
 * bundle file that exists plus every hashed directory (`*.pem`, `*.crt`, `<hash>.N`).
 * Unreadable files and blocks that are not certificates are skipped; duplicates are removed.
 */
export function loadSystemRoots(options: SystemRootsOptions = {}): SystemRootsResult {
  const env = options.env ?? process.env;
  const certFile = env['SSL_CERT_FILE'];
  const certDir = env['SSL_CERT_DIR'];
  const seen = new Set<string>();
  const roots: Uint8Array[] = [];
  const sources: string[] = [];
  const add = (ders: readonly Uint8Array[], source: string): void => {
    let added = 0;
    for (const der of ders) {
      const key = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      roots.push(der);
      added++;
    }
    if (added > 0) sources.push(source);
  };

  const overridden = (certFile !== undefined && certFile !== '') || (certDir !== undefined && certDir !== '');
  const getCA = options.getCACertificates !== undefined ? options.getCACertificates : nodeGetCACertificates();
  if (!overridden && getCA !== null) {
    add(parseAll(getCA('system')), "tls.getCACertificates('system')");
    return { roots: Object.freeze(roots), sources };
  }

  const files = certFile !== undefined && certFile !== '' ? [certFile] : (options.bundleFiles ?? systemBundleFiles);
  for (const file of files) {
    const text = readText(file);
    if (text === null) continue;
    add(parsePemText(text), file);
    break;
  }
  const dirs = certDir !== undefined && certDir !== '' ? certDir.split(':').filter((d) => d !== '') : (options.directories ?? systemCertDirectories);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!(name.endsWith('.pem') || name.endsWith('.crt') || hashedName.test(name))) continue;
      const text = readText(join(dir, name));
      if (text !== null) add(parsePemText(text), join(dir, name));
    }
  }
  return { roots: Object.freeze(roots), sources };
}

/** Forgets the cached stores (tests). */
export function clearTrustStoreCache(): void {
  bundledCache = null;
  systemCache = null;
}

function nodeGetCACertificates(): ((type: 'system') => string[]) | null {
  const f = (tls as unknown as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  return typeof f === 'function' ? f : null;
}

function readText(path: string): string | null {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > maxFileSize) return null;
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

function parsePemText(text: string): Uint8Array[] {
  try {
    const out: Uint8Array[] = [];
    for (const b of decodePem(text)) if (b.label === 'CERTIFICATE') out.push(b.der);
    return out;
  } catch {
    // A malformed file in a system directory must not take the whole store down.
    return [];
  }
}

function parseAll(pems: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const p of pems) out.push(...parsePemText(p));
  return out;
}
