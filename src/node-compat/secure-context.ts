/**
 * `SecureContext` / `createSecureContext`: node:tls' per-context options (keys and certificates,
 * trust anchors, CRLs, cipher/curve/sigalg lists, protocol range) parsed once into what the
 * typetls engine needs. Contexts are immutable and shared by every connection made with them.
 */
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import type { CertifiedKey } from '../core/client/config.ts';
import type { CryptoProvider, SigningKey } from '../core/crypto/provider.ts';
import { isTlsError } from '../core/errors.ts';
import { keyInput, readCertificates } from '../node/pem.ts';
import { readPkcs12 } from '../node/pkcs12.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import { bundledRoots } from '../node/trust-store.ts';
import type { RevocationChecker } from '../webpki/revocation-api.ts';
import { createCrlChecker } from '../webpki/revocation.ts';
import { parseCrl, parseCrlsFromPem, type CertRevocationList } from '../webpki/crl.ts';
import { trustAnchorFromCertificate, type TrustAnchor } from '../webpki/trust-anchor.ts';
import { parseCipherString, parseEcdhCurve, parseSigalgs } from './ciphers.ts';
import {
  EXPECT_BUFFER_LIKE, EXPECT_NUMBER, EXPECT_OBJECT, EXPECT_STRING, EXPECT_STRING_OR_BUFFER,
  invalidArgType, isStringOrBytes, nodeError, nodeTypeError,
} from './node-errors.ts';
import { moduleObject } from './binding.ts';

/** A key entry of node:tls' `key` option. */
export type KeyEntry = string | Uint8Array | { readonly pem: string | Uint8Array; readonly passphrase?: string };

/** A `pfx` entry of node:tls: a PKCS#12 file, or one with its own passphrase. */
export type PfxEntry = string | Uint8Array | { readonly buf: string | Uint8Array; readonly passphrase?: string };

/** The node:tls `createSecureContext` options typetls implements. */
export interface SecureContextOptions {
  ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  cert?: string | Uint8Array | readonly (string | Uint8Array)[];
  key?: KeyEntry | readonly KeyEntry[];
  passphrase?: string;
  /** PKCS#12 files: bytes, or a list of bytes / `{ buf, passphrase }` (see `readPkcs12`). */
  pfx?: PfxEntry | readonly PfxEntry[];
  crl?: string | Uint8Array | readonly (string | Uint8Array)[];
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  minVersion?: string;
  maxVersion?: string;
  secureProtocol?: string;
  /** Accepted for type compatibility; sessions are not issued yet (see README). */
  sessionTimeout?: number;
  ticketKeys?: Uint8Array;
  sessionIdContext?: string;
  honorCipherOrder?: boolean;
  /** OpenSSL `SSL_OP_*` bits (crypto.constants); see `secureOptionBits` for what typetls honours. */
  secureOptions?: number;
  dhparam?: unknown;
  privateKeyEngine?: unknown;
  privateKeyIdentifier?: unknown;
  clientCertEngine?: unknown;
  /** typetls extension: the crypto provider (default: node:crypto). */
  provider?: CryptoProvider;
}

type Version = 'TLSv1.2' | 'TLSv1.3';
const versionOrder: Readonly<Record<string, number>> = { 'TLSv1': 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

let bundledAnchors: readonly TrustAnchor[] | null = null;

function anchorsOf(roots: readonly Uint8Array[], lenientOnly: boolean): TrustAnchor[] {
  const out: TrustAnchor[] = [];
  for (const r of roots) {
    try {
      out.push(trustAnchorFromCertificate(r, { lenient: lenientOnly }));
    } catch (e) {
      if (!isTlsError(e)) throw e;
      // OpenSSL accepts roots webpki finds non-strict; use their subject and key as Node would.
      try {
        out.push(trustAnchorFromCertificate(r, { lenient: true }));
      } catch {
        if (!lenientOnly) throw e;
        // one unusable root in Node's bundle must not stop every connection
      }
    }
  }
  return out;
}

/** The parsed, shareable result of `createSecureContext`. */
export class SecureContext {
  /** Node programs read `secureContext.context`; here it is the context itself. */
  readonly context: SecureContext;
  readonly provider: CryptoProvider;
  /** Our certificates with their keys (end-entity first), in the order given. */
  readonly certificates: readonly CertifiedKey[];
  /** DER trust anchors from `ca`, or null for Node's bundled roots. */
  readonly roots: readonly Uint8Array[] | null;
  /** IANA suite names, or undefined for the provider's defaults. */
  readonly cipherSuites: readonly string[] | undefined;
  readonly groups: readonly string[] | undefined;
  /** Signature schemes to offer and accept, or undefined for all the provider verifies. */
  readonly sigalgs: readonly number[] | undefined;
  readonly minVersion: Version;
  readonly maxVersion: Version;
  readonly revocation: RevocationChecker | undefined;
  /** Kept so `getTicketKeys()` returns what was set (tickets are not issued yet). */
  ticketKeys: Uint8Array | undefined;
  /** `SSL_OP_NO_TICKET`: a client does not ask for TLS 1.2 session tickets (RFC 5077). */
  readonly noTicket: boolean;
  /** Self-signed CA certificates from `pfx` files: trusted as well, as Node adds them to its store. */
  readonly pfxRoots: readonly Uint8Array[];
  private anchorCache: readonly TrustAnchor[] | null = null;

  /** Use `createSecureContext`; `new SecureContext(options)` is the same. */
  constructor(options: SecureContextOptions = {}) {
    this.context = this;
    const o = options;
    const provider = o.provider ?? nodeCryptoProvider;
    this.provider = provider;
    const api = moduleObject();
    for (const unsupported of ['dhparam', 'privateKeyEngine', 'privateKeyIdentifier', 'clientCertEngine'] as const) {
      if (o[unsupported] !== undefined) throw unsupportedOption(unsupported, unsupportedReasons[unsupported] ?? 'not implemented');
    }
    // Versions: RFC 8446 / RFC 5246 only; lower minimums are clamped (nothing below TLS 1.2 is spoken).
    let [minVersion, maxVersion] = versionRange(o, api.DEFAULT_MIN_VERSION, api.DEFAULT_MAX_VERSION);
    // ciphers: node:tls' processCiphers; a list without TLS 1.3 names caps at TLS 1.2 and vice versa.
    const ciphers = o.ciphers ?? api.DEFAULT_CIPHERS;
    if (typeof ciphers !== 'string') throw invalidArgType('options.ciphers', EXPECT_STRING, ciphers);
    const sel = parseCipherString(ciphers, provider, 'ciphers');
    if (sel.noTls13 && maxVersion === 'TLSv1.3' && minVersion === 'TLSv1.2') maxVersion = 'TLSv1.2';
    if (sel.noTls12 && minVersion === 'TLSv1.2' && maxVersion === 'TLSv1.3') minVersion = 'TLSv1.3';
    const secureOptions = readSecureOptions(o.secureOptions);
    if (secureOptions & SSL_OP_NO_TLSv1_2) minVersion = 'TLSv1.3';
    if (secureOptions & SSL_OP_NO_TLSv1_3) maxVersion = 'TLSv1.2';
    if (versionOrder[minVersion]! > versionOrder[maxVersion]!) {
      throw unsupportedOption('secureOptions', 'SSL_OP_NO_TLSv1_2 and SSL_OP_NO_TLSv1_3 together (with the other options) leave no protocol version typetls speaks');
    }
    this.noTicket = (secureOptions & SSL_OP_NO_TICKET) !== 0;
    this.minVersion = minVersion;
    this.maxVersion = maxVersion;
    this.cipherSuites = sel.suites;
    const ecdhCurve = o.ecdhCurve ?? api.DEFAULT_ECDH_CURVE;
    if (typeof ecdhCurve !== 'string') throw invalidArgType('options.ecdhCurve', EXPECT_STRING, ecdhCurve);
    this.groups = parseEcdhCurve(ecdhCurve, provider) ?? undefined;
    if (o.sigalgs !== undefined && typeof o.sigalgs !== 'string') throw invalidArgType('options.sigalgs', EXPECT_STRING, o.sigalgs);
    if (o.sigalgs === '') throw nodeTypeError('ERR_INVALID_ARG_VALUE', "The property 'options.sigalgs' is invalid. Received ''");
    this.sigalgs = o.sigalgs === undefined ? undefined : parseSigalgs(o.sigalgs, provider.signatures.supportedSchemes);
    if (o.sessionTimeout !== undefined && typeof o.sessionTimeout !== 'number') throw invalidArgType('options.sessionTimeout', EXPECT_NUMBER, o.sessionTimeout);
    if (o.ticketKeys !== undefined) {
      if (!ArrayBuffer.isView(o.ticketKeys)) throw invalidArgType('options.ticketKeys', EXPECT_BUFFER_LIKE, o.ticketKeys);
      if (o.ticketKeys.byteLength !== 48) throw nodeTypeError('ERR_INVALID_ARG_VALUE', `The property 'options.ticketKeys' must be exactly 48 bytes. Received ${o.ticketKeys.byteLength} bytes`);
    }
    this.ticketKeys = o.ticketKeys;

    const ca = checkCertList(o.ca, 'options.ca');
    this.roots = ca === undefined ? null : readCertificates(ca, '"ca"');
    const certs = checkCertList(o.cert, 'options.cert');
    const keys = checkKeys(o.key);
    const pfx = checkPfx(o.pfx, o.passphrase);
    const fromPfx = pfx.map((entry) => loadPfx(entry, provider));
    // As node:tls: `key`/`cert` first, then each `pfx` (chains chosen per handshake by signature algorithms).
    // Node checks `passphrase` as a key passphrase only when there is a `key` (a pfx may take a Buffer).
    const keyPassphrase = keys.length > 0 ? o.passphrase : undefined;
    this.certificates = [...pairCertificates(certs, keys, keyPassphrase, provider), ...fromPfx.map((f) => f.certified)];
    this.pfxRoots = fromPfx.flatMap((f) => f.roots);
    const crl = checkCertList(o.crl, 'options.crl');
    this.revocation = crl === undefined ? undefined : createCrlChecker({
      // OpenSSL with a CRL (Node sets CRL_CHECK | CRL_CHECK_ALL): every certificate of the
      // chain needs a CRL, and one without is "unable to get certificate CRL".
      crls: readCrls(crl), signatures: provider.signatures, depth: 'chain', unknownStatus: 'deny',
    });
  }

  /** Trust anchors for verification (parsed once per context; Node's bundle once per process). */
  anchors(): readonly TrustAnchor[] {
    if (this.anchorCache !== null) return this.anchorCache;
    if (this.roots === null) {
      bundledAnchors ??= Object.freeze(anchorsOf(bundledRoots(), true));
      this.anchorCache = bundledAnchors;
    } else {
      this.anchorCache = Object.freeze(anchorsOf(this.roots, false));
    }
    if (this.pfxRoots.length > 0) this.anchorCache = Object.freeze([...this.anchorCache, ...anchorsOf(this.pfxRoots, true)]);
    return this.anchorCache;
  }

  /** DER root certificates used as anchors (for `getPeerCertificate(true)`'s issuer chain). */
  rootCertificates(): readonly Uint8Array[] {
    const roots = this.roots ?? bundledRoots();
    return this.pfxRoots.length > 0 ? [...roots, ...this.pfxRoots] : roots;
  }
}

const unsupportedReasons: Readonly<Record<string, string>> = {
  dhparam: 'typetls implements no finite-field DHE suites',
  privateKeyEngine: 'OpenSSL engines are not available',
  privateKeyIdentifier: 'OpenSSL engines are not available',
  clientCertEngine: 'OpenSSL engines are not available',
};

// OpenSSL SSL_OP_* values (node's crypto.constants; OpenSSL 3.0 ssl.h).
const SSL_OP_NO_TICKET = 0x4000;
const SSL_OP_NO_TLSv1_2 = 0x8000000;
const SSL_OP_NO_TLSv1_3 = 0x20000000;
/**
 * `secureOptions` bits typetls honours, or that describe what it does anyway: it speaks no
 * SSLv2/SSLv3/TLS 1.0/1.1 (RFC 8996), no compression, no renegotiation (and so no resumption on
 * one), no CBC (so no encrypt-then-MAC), no DTLS (cookie exchange, query MTU), and works around no
 * peer bugs (the bug-workaround bits change nothing for the versions it speaks). Every other bit
 * (e.g. SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION) is refused rather than ignored.
 */
const secureOptionBits =
  SSL_OP_NO_TICKET | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3 |
  0x2000000 /* NO_SSLv3 */ | 0x4000000 /* NO_TLSv1 */ | 0x10000000 /* NO_TLSv1_1 */ |
  0x20000 /* NO_COMPRESSION */ | 0x40000000 /* NO_RENEGOTIATION */ | 0x10000 /* NO_SESSION_RESUMPTION_ON_RENEGOTIATION */ |
  0x80000 /* NO_ENCRYPT_THEN_MAC */ | 0x2000 /* COOKIE_EXCHANGE */ | 0x1000 /* NO_QUERY_MTU */ |
  0x4 /* LEGACY_SERVER_CONNECT */ | 0x800 /* DONT_INSERT_EMPTY_FRAGMENTS */ | 0x800000 /* TLS_ROLLBACK_BUG */ |
  0x80000000 /* CRYPTOPRO_TLSEXT_BUG */ | 0x8000 /* CISCO_ANYCONNECT */;

/** Validates `secureOptions` as node does (a number) and refuses bits typetls cannot honour. */
function readSecureOptions(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number') throw invalidArgType('secureOptions', EXPECT_NUMBER, v);
  const bits = v >>> 0;
  const unknown = (bits & ~secureOptionBits) >>> 0;
  if (unknown !== 0) {
    throw unsupportedOption('secureOptions', `bits 0x${unknown.toString(16)} are not supported (typetls honours SSL_OP_NO_TICKET, SSL_OP_NO_TLSv1_2, SSL_OP_NO_TLSv1_3 and accepts the bits that describe what it does anyway, e.g. SSL_OP_NO_SSLv3, SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1, SSL_OP_NO_RENEGOTIATION)`);
  }
  return bits;
}

function unsupportedOption(name: string, why: string): Error & { code: string } {
  return nodeError('ERR_TYPETLS_UNSUPPORTED_OPTION', `typetls/node-compat: option "${name}" is not supported: ${why}`);
}

function versionRange(o: SecureContextOptions, defMin: string, defMax: string): [Version, Version] {
  if (o.secureProtocol !== undefined) {
    if (typeof o.secureProtocol !== 'string') throw invalidArgType('options.secureProtocol', EXPECT_STRING, o.secureProtocol);
    if (o.minVersion !== undefined || o.maxVersion !== undefined) {
      throw nodeTypeError('ERR_TLS_PROTOCOL_VERSION_CONFLICT', `TLS protocol version ${o.minVersion ?? o.maxVersion} conflicts with secureProtocol ${o.secureProtocol}`);
    }
    switch (o.secureProtocol) {
      case 'TLS_method': case 'SSLv23_method': case 'TLS_client_method': case 'TLS_server_method': return ['TLSv1.2', 'TLSv1.3'];
      case 'TLSv1_2_method': case 'TLSv1_2_client_method': case 'TLSv1_2_server_method': return ['TLSv1.2', 'TLSv1.2'];
      default: throw unsupportedOption('secureProtocol', `${JSON.stringify(o.secureProtocol)}: supported are TLS_method and TLSv1_2_method (TLS 1.2 and 1.3 only); use minVersion/maxVersion`);
    }
  }
  const min = o.minVersion ?? defMin;
  const max = o.maxVersion ?? defMax;
  for (const [v, what] of [[min, 'minimum'], [max, 'maximum']] as const) {
    if (typeof v !== 'string' || versionOrder[v] === undefined) {
      throw nodeTypeError('ERR_TLS_INVALID_PROTOCOL_VERSION', `${typeof v === 'string' ? JSON.stringify(v) : String(v)} is not a valid ${what} TLS protocol version`);
    }
  }
  if (versionOrder[max]! < 3) {
    throw unsupportedOption('maxVersion', `${max}: typetls speaks TLSv1.2 and TLSv1.3 only (RFC 8996 deprecates older versions)`);
  }
  // A lower minimum (TLSv1, TLSv1.1) only permits versions typetls never negotiates.
  const minV: Version = min === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2';
  const maxV: Version = max === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2';
  if (versionOrder[minV]! > versionOrder[maxV]!) {
    throw unsupportedOption('minVersion', `minVersion ${min} is above maxVersion ${max}`);
  }
  return [minV, maxV];
}

function checkCertList(v: unknown, name: string): string | Uint8Array | (string | Uint8Array)[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      if (!isStringOrBytes(item)) throw invalidArgType(`${name}[${i}]`, EXPECT_STRING_OR_BUFFER, item);
    });
    return v.map(bytesOrString);
  }
  if (!isStringOrBytes(v)) throw invalidArgType(name, EXPECT_STRING_OR_BUFFER, v);
  return bytesOrString(v);
}

function bytesOrString(v: string | ArrayBufferView): string | Uint8Array {
  return typeof v === 'string' ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

interface KeyItem { readonly key: string | Uint8Array; readonly passphrase: string | undefined }

function checkKeys(v: unknown): KeyItem[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((item: unknown, i): KeyItem => {
    const name = Array.isArray(v) ? `options.key[${i}]` : 'options.key';
    if (isStringOrBytes(item)) return { key: bytesOrString(item), passphrase: undefined };
    if (Array.isArray(v) && typeof item === 'object' && item !== null && 'pem' in item) {
      const pem = (item as { pem: unknown }).pem;
      const pass = (item as { passphrase?: unknown }).passphrase;
      if (!isStringOrBytes(pem)) throw invalidArgType(`${name}.pem`, EXPECT_STRING_OR_BUFFER, pem);
      if (pass !== undefined && typeof pass !== 'string') throw invalidArgType(`${name}.passphrase`, EXPECT_STRING, pass);
      return { key: bytesOrString(pem), passphrase: pass };
    }
    throw invalidArgType(name, EXPECT_STRING_OR_BUFFER, item);
  });
}

function spkiOfCertificate(der: Uint8Array): Buffer {
  return new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
}

/**
 * Pairs each certificate chain with the key whose public key matches its end-entity, as
 * OpenSSL does (one slot per key type: several chains, e.g. RSA and ECDSA, are all kept).
 */
function pairCertificates(certs: ReturnType<typeof checkCertList>, keys: KeyItem[], passphrase: string | undefined, provider: CryptoProvider): CertifiedKey[] {
  if (passphrase !== undefined && typeof passphrase !== 'string') throw invalidArgType('options.passphrase', EXPECT_STRING, passphrase);
  const certItems = certs === undefined ? [] : Array.isArray(certs) ? certs : [certs];
  if (certItems.length === 0 && keys.length === 0) return [];
  const signing: SigningKey[] = keys.map((k) => provider.loadSigningKey(keyInput(k.key), k.passphrase ?? passphrase));
  const used = new Set<number>();
  const out: CertifiedKey[] = [];
  for (const [i, item] of certItems.entries()) {
    const chain = readCertificates(item, certItems.length > 1 ? `"cert[${i}]"` : '"cert"');
    const spki = spkiOfCertificate(chain[0]!);
    const k = signing.findIndex((s, j) => !used.has(j) && Buffer.from(s.publicKeySpki()).equals(spki));
    if (k < 0) {
      throw nodeError('ERR_OSSL_X509_KEY_VALUES_MISMATCH', `key values mismatch: no "key" matches the public key of ${certItems.length > 1 ? `cert[${i}]` : '"cert"'}`);
    }
    used.add(k);
    out.push({ chain, key: signing[k]! });
  }
  if (used.size < signing.length) {
    throw nodeError('ERR_TYPETLS_UNSUPPORTED_OPTION', `${signing.length - used.size} "key" entr${signing.length - used.size === 1 ? 'y has' : 'ies have'} no matching "cert"; give each key its certificate chain`);
  }
  return out;
}

interface PfxItem { readonly buf: Uint8Array; readonly passphrase: string | undefined; readonly name: string }

function passphraseOf(v: unknown): string | undefined {
  if (!v) return undefined; // Node: `val.passphrase || passphrase`, then `if (passphrase)`
  if (typeof v === 'string') return v;
  // Node: `THROW_AND_RETURN_IF_NOT_BUFFER(env, args[1], "Pass phrase")`.
  if (!ArrayBuffer.isView(v)) throw nodeTypeError('ERR_INVALID_ARG_TYPE', 'Pass phrase must be a buffer');
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}

/**
 * node:tls `pfx` (lib/_tls_common.js): bytes or a string (UTF-8 encoded, as Node's `toBuf`),
 * or an array of those and `{ buf, passphrase }`; an entry's passphrase falls back to
 * `options.passphrase` (`val.passphrase || passphrase`).
 */
function checkPfx(v: unknown, passphrase: unknown): PfxItem[] {
  if (v === undefined || v === null) return [];
  const bytesOf = (raw: unknown, name: string): Uint8Array => {
    if (typeof raw === 'string') return new Uint8Array(Buffer.from(raw, 'utf8'));
    if (ArrayBuffer.isView(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    throw nodeError('ERR_CRYPTO_OPERATION_FAILED', `Unable to load PFX certificate: ${name} must be a Buffer, TypedArray, DataView or string (PKCS#12 DER)`);
  };
  if (!Array.isArray(v)) return [{ buf: bytesOf(v, 'options.pfx'), passphrase: passphraseOf(passphrase), name: 'options.pfx' }];
  return v.map((item: unknown, i): PfxItem => {
    const name = `options.pfx[${i}]`;
    // Node itself fails here with "Cannot read properties of null (reading 'buf')".
    if (item === null || item === undefined) throw invalidArgType(name, EXPECT_BUFFER_LIKE, item);
    const obj = item as { buf?: unknown; passphrase?: unknown };
    const raw = typeof item === 'object' && !ArrayBuffer.isView(item) && obj.buf ? obj.buf : item;
    const own = typeof item === 'object' && !ArrayBuffer.isView(item) ? obj.passphrase : undefined;
    return { buf: bytesOf(raw, name), passphrase: passphraseOf(own || passphrase), name };
  });
}

/** Reads one PKCS#12 file into a certified key (leaf first) and the self-signed CAs it carries. */
function loadPfx(entry: PfxItem, provider: CryptoProvider): { certified: CertifiedKey; roots: Uint8Array[] } {
  let contents: ReturnType<typeof readPkcs12>;
  try {
    contents = readPkcs12(entry.buf, entry.passphrase);
  } catch (e) {
    // Node: ERR_CRYPTO_UNSUPPORTED_OPERATION "Unsupported PKCS12 PFX data" (e.g. for RC2 on
    // OpenSSL 3); wrong passphrase and malformed files keep our TlsError, whose message starts
    // with OpenSSL's text ("mac verify failure: ...").
    if (isTlsError(e) && e.code === 'ERR_TLS_CONFIG_PKCS12_UNSUPPORTED') throw nodeError('ERR_CRYPTO_UNSUPPORTED_OPERATION', `Unsupported PKCS12 PFX data: ${e.message}`, e);
    throw e;
  }
  if (contents.key === null) throw nodeError('ERR_CRYPTO_OPERATION_FAILED', `Unable to load private key from PFX data: ${entry.name} holds no private key`);
  if (!contents.hasLeaf) {
    throw nodeError('ERR_CRYPTO_OPERATION_FAILED', `Unable to load certificate from PFX data: ${entry.name} holds no certificate for its private key (${contents.certificates.length} other certificates)`);
  }
  const [leaf, ...rest] = contents.certificates;
  const roots = rest.filter((der) => {
    const x = new X509Certificate(der);
    return x.ca && x.subject === x.issuer && x.checkIssued(x);
  });
  // Node's SSL_CTX_use_certificate_chain: the leaf, then every other certificate as the chain.
  return { certified: { chain: [leaf!, ...rest], key: provider.loadSigningKey(contents.key) }, roots };
}

function readCrls(input: string | Uint8Array | (string | Uint8Array)[]): CertRevocationList[] {
  const items = Array.isArray(input) ? input : [input];
  const out: CertRevocationList[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && item.length > 0 && item[0] === 0x30) out.push(parseCrl(new Uint8Array(item)));
    else out.push(...parseCrlsFromPem(typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.length).toString('latin1')));
  }
  return out;
}

/**
 * node:tls `createSecureContext(options)`.
 * @throws TypeError ERR_INVALID_ARG_TYPE (as Node) for options of the wrong type; Error
 *   ERR_SSL_NO_CIPHER_MATCH, ERR_CRYPTO_OPERATION_FAILED, ERR_TLS_INVALID_PROTOCOL_VERSION,
 *   ERR_TYPETLS_UNSUPPORTED_OPTION for values typetls cannot honour (never silently ignored).
 * @example const ctx = tls.createSecureContext({ ca: readFileSync('root.pem') });
 */
export function createSecureContext(options?: SecureContextOptions): SecureContext {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidArgType('options', EXPECT_OBJECT, options);
  return new SecureContext(options ?? {});
}
