/**
 * node:tls `ciphers`, `ecdhCurve` and `sigalgs` strings mapped onto typetls' suites, groups and
 * signature schemes. Node splits `ciphers` as OpenSSL does: names starting `TLS_` are TLS 1.3
 * suites, the rest is an OpenSSL cipher list for TLS 1.2 (names, aliases like `HIGH` or
 * `ECDHE+AESGCM`, and `!`/`-`/`+` operators). A list that leaves no suite typetls implements is
 * an error naming what typetls supports: a cipher string is never silently ignored.
 */
import { SignatureScheme } from '../core/codec/codepoints.ts';
import type { CryptoProvider } from '../core/crypto/provider.ts';
import { nodeError } from './node-errors.ts';

/** One TLS 1.2 suite typetls implements, with its OpenSSL name and the aliases that select it. */
interface Tls12SuiteInfo {
  readonly openssl: string;
  readonly iana: string;
  readonly aliases: readonly string[];
}

// OpenSSL ciphers(1) aliases for each suite (kECDHE/ECDHE/EECDH key exchange, aECDSA/aRSA
// authentication, AESGCM/AES/AES128/AES256/CHACHA20 encryption, SHA256/SHA384 MAC, HIGH, ...).
const common12 = ['ALL', 'DEFAULT', 'HIGH', 'TLSv1.2', 'kECDHE', 'ECDHE', 'EECDH', 'kEECDH', 'AEAD'];
const tls12Suites: readonly Tls12SuiteInfo[] = [
  { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', aliases: [...common12, 'aECDSA', 'ECDSA', 'AESGCM', 'AES', 'AES256', 'SHA384'] },
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', aliases: [...common12, 'aECDSA', 'ECDSA', 'AESGCM', 'AES', 'AES128', 'SHA256'] },
  { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', aliases: [...common12, 'aECDSA', 'ECDSA', 'CHACHA20', 'SHA256'] },
  { openssl: 'ECDHE-RSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', aliases: [...common12, 'aRSA', 'RSA', 'AESGCM', 'AES', 'AES256', 'SHA384'] },
  { openssl: 'ECDHE-RSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', aliases: [...common12, 'aRSA', 'RSA', 'AESGCM', 'AES', 'AES128', 'SHA256'] },
  { openssl: 'ECDHE-RSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', aliases: [...common12, 'aRSA', 'RSA', 'CHACHA20', 'SHA256'] },
];

const tls13Names: readonly string[] = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

/** The OpenSSL name of an IANA suite name (TLS 1.3 names are the same), or the IANA name. */
export function opensslCipherName(iana: string): string {
  return tls12Suites.find((s) => s.iana === iana)?.openssl ?? iana;
}

/** The suites of `provider` that the compat layer can name, as node:tls `getCiphers()` spells them. */
export function supportedCipherNames(provider: CryptoProvider): string[] {
  const have = new Set(provider.cipherSuites.map((s) => s.name));
  const out: string[] = [];
  for (const n of tls13Names) if (have.has(n)) out.push(n);
  for (const s of tls12Suites) if (have.has(s.iana)) out.push(s.openssl);
  return out;
}

/** What a `ciphers` string selects, and the version limits Node derives from it. */
export interface CipherSelection {
  /** IANA names, TLS 1.3 first (each version keeps its own order). */
  readonly suites: readonly string[];
  /** The string named no TLS 1.3 suite: Node then caps the context at TLS 1.2. */
  readonly noTls13: boolean;
  /** The string named no TLS 1.2 suite: Node then raises the minimum to TLS 1.3. */
  readonly noTls12: boolean;
}

function err(message: string): Error & { code: string } {
  return nodeError('ERR_SSL_NO_CIPHER_MATCH', message);
}

/**
 * Parses a node:tls `ciphers` string (OpenSSL syntax) into typetls suites.
 * @throws Error with code ERR_SSL_NO_CIPHER_MATCH (as Node) when nothing typetls implements
 *   is selected; the message lists the supported names.
 */
export function parseCipherString(ciphers: string, provider: CryptoProvider, optionName: string): CipherSelection {
  const have = new Set(provider.cipherSuites.map((s) => s.name));
  const parts = ciphers.split(':').filter((p) => p.length > 0);
  const tls13 = parts.filter((p) => p.startsWith('TLS_'));
  const list = parts.filter((p) => !p.startsWith('TLS_'));
  const suites13: string[] = [];
  for (const n of tls13) if (have.has(n) && !suites13.includes(n)) suites13.push(n);
  const suites12 = list.length > 0 ? parseOpensslList(list.join(':')).filter((n) => have.has(n)) : [];
  if (suites13.length === 0 && suites12.length === 0) {
    throw err(`${optionName} ${JSON.stringify(ciphers)} selects no cipher suite typetls implements; supported: ${supportedCipherNames(provider).join(', ')}`);
  }
  if (tls13.length > 0 && suites13.length === 0 && list.length === 0) {
    throw err(`${optionName}: none of ${tls13.join(', ')} is implemented; TLS 1.3 suites supported: ${tls13Names.filter((n) => have.has(n)).join(', ')}`);
  }
  return { suites: [...suites13, ...suites12], noTls13: tls13.length === 0, noTls12: list.length === 0 || suites12.length === 0 };
}

/**
 * OpenSSL cipher-list semantics over the suites typetls knows (ciphers(1) "CIPHER LIST FORMAT"):
 * items separated by `:`, `,` or spaces; `A+B` intersects aliases; `!` deletes for good, `-`
 * deletes, `+` moves to the end; `@STRENGTH`/`@SECLEVEL=n` are accepted and do not reorder.
 * Names of suites typetls does not implement (CBC, DHE, ...) select nothing.
 */
function parseOpensslList(list: string): string[] {
  const out: Tls12SuiteInfo[] = [];
  const banned = new Set<Tls12SuiteInfo>();
  for (const raw of list.split(/[:, ]+/)) {
    if (raw === '' || raw.startsWith('@')) continue;
    let op = '';
    let item = raw;
    if (item[0] === '!' || item[0] === '-' || item[0] === '+') {
      op = item[0];
      item = item.slice(1);
    }
    const terms = item.split('+');
    const matched = tls12Suites.filter((s) => s.openssl === item || terms.every((t) => s.aliases.includes(t)));
    for (const s of matched) {
      const i = out.indexOf(s);
      if (op === '!') {
        banned.add(s);
        if (i >= 0) out.splice(i, 1);
      } else if (op === '-') {
        if (i >= 0) out.splice(i, 1);
      } else if (op === '+') {
        if (i >= 0) {
          out.splice(i, 1);
          out.push(s);
        }
      } else if (i < 0 && !banned.has(s)) {
        out.push(s);
      }
    }
  }
  return out.map((s) => s.iana);
}

// ---- ecdhCurve ----

const curveNames: Readonly<Record<string, string>> = {
  x25519: 'x25519',
  'p-256': 'secp256r1', prime256v1: 'secp256r1', secp256r1: 'secp256r1',
  'p-384': 'secp384r1', secp384r1: 'secp384r1',
  'p-521': 'secp521r1', secp521r1: 'secp521r1',
  x25519mlkem768: 'X25519MLKEM768',
};

/**
 * Maps a node:tls `ecdhCurve` (`auto`, or `:`-separated OpenSSL/NIST names) to typetls group
 * names; null for `auto` (the provider's default order).
 * @throws Error with code ERR_CRYPTO_OPERATION_FAILED (Node's code) naming the unknown curve and the supported ones.
 */
export function parseEcdhCurve(ecdhCurve: string, provider: CryptoProvider): string[] | null {
  if (ecdhCurve === 'auto') return null;
  const groups = provider.allKeyExchangeGroups ?? provider.keyExchangeGroups;
  const available = new Map(groups.map((g) => [g.name.toLowerCase(), g.name]));
  const out: string[] = [];
  for (const name of ecdhCurve.split(':')) {
    const canonical = curveNames[name.toLowerCase()] ?? name;
    const g = available.get(canonical.toLowerCase());
    if (g === undefined) {
      throw nodeError('ERR_CRYPTO_OPERATION_FAILED', `Failed to set ECDH curve: ${JSON.stringify(name)} is not implemented by typetls; supported: auto, ${groups.map((x) => x.name).join(', ')}`);
    }
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

// ---- sigalgs ----

const S = SignatureScheme;
const schemeNames: ReadonlyArray<readonly [number, readonly string[]]> = [
  [S.EcdsaSecp256r1Sha256, ['ecdsa_secp256r1_sha256', 'ECDSA+SHA256']],
  [S.EcdsaSecp384r1Sha384, ['ecdsa_secp384r1_sha384', 'ECDSA+SHA384']],
  [S.EcdsaSecp521r1Sha512, ['ecdsa_secp521r1_sha512', 'ECDSA+SHA512']],
  [S.Ed25519, ['ed25519']],
  [S.Ed448, ['ed448']],
  [S.RsaPssRsaeSha256, ['rsa_pss_rsae_sha256', 'RSA-PSS+SHA256', 'PSS+SHA256']],
  [S.RsaPssRsaeSha384, ['rsa_pss_rsae_sha384', 'RSA-PSS+SHA384', 'PSS+SHA384']],
  [S.RsaPssRsaeSha512, ['rsa_pss_rsae_sha512', 'RSA-PSS+SHA512', 'PSS+SHA512']],
  [S.RsaPssPssSha256, ['rsa_pss_pss_sha256']],
  [S.RsaPssPssSha384, ['rsa_pss_pss_sha384']],
  [S.RsaPssPssSha512, ['rsa_pss_pss_sha512']],
  [S.RsaPkcs1Sha256, ['rsa_pkcs1_sha256', 'RSA+SHA256']],
  [S.RsaPkcs1Sha384, ['rsa_pkcs1_sha384', 'RSA+SHA384']],
  [S.RsaPkcs1Sha512, ['rsa_pkcs1_sha512', 'RSA+SHA512']],
];

/** The name node:tls' `getSharedSigalgs()` prints for a scheme (OpenSSL's `ALG+HASH`), or hex. */
export function sigalgName(scheme: number): string {
  const e = schemeNames.find(([s]) => s === scheme);
  if (e === undefined) return `0x${scheme.toString(16).padStart(4, '0')}`;
  const iana = e[1][0]!;
  if (iana === 'ed25519') return 'Ed25519+UNDEF';
  if (iana === 'ed448') return 'Ed448+UNDEF';
  const hash = `SHA${iana.slice(-3)}`;
  if (iana.startsWith('ecdsa_')) return `ECDSA+${hash}`;
  if (iana.startsWith('rsa_pss_')) return `RSA-PSS+${hash}`;
  return `RSA+${hash}`;
}

/**
 * Maps a node:tls `sigalgs` string (`:`-separated TLS 1.3 names or `ALG+HASH`) to scheme code
 * points, keeping only those the provider verifies.
 * @throws Error with code ERR_TLS_INVALID_SIGALGS naming the unknown entry, or when none is usable.
 */
export function parseSigalgs(sigalgs: string, supported: readonly number[]): number[] {
  const out: number[] = [];
  for (const name of sigalgs.split(':')) {
    const e = schemeNames.find(([, names]) => names.includes(name));
    if (e === undefined) {
      throw nodeError('ERR_TLS_INVALID_SIGALGS', `sigalgs: ${JSON.stringify(name)} is not a signature algorithm typetls knows; supported: ${schemeNames.filter(([s]) => supported.includes(s)).map(([, n]) => n[0]).join(', ')}`);
    }
    if (supported.includes(e[0]) && !out.includes(e[0])) out.push(e[0]);
  }
  if (out.length === 0) throw nodeError('ERR_TLS_INVALID_SIGALGS', `sigalgs ${JSON.stringify(sigalgs)} names no signature algorithm the crypto provider verifies`);
  return out;
}
