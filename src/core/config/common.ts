/**
 * Validation shared by the client and server configs: versions, suites, groups, ALPN, fragment
 * size. Config errors are `TlsUsageError`s with code ERR_TLS_CONFIG that name the bad value and
 * list what is accepted.
 */
import { TlsUsageError } from '../errors.ts';
import type { CipherSuiteDefinition, CryptoProvider, KeyExchangeGroup } from '../crypto/provider.ts';
import type { ProtocolVersionName } from '../conn/api.ts';
import { utf8 } from '../util.ts';

export type VersionName = ProtocolVersionName;

/** Options both sides share. */
export interface CommonConfigOptions {
  provider: CryptoProvider;
  alpnProtocols?: readonly string[];
  /** IANA suite names in preference order; default: the provider's list. */
  cipherSuites?: readonly string[];
  /** Group names in preference order (`x25519`, `secp256r1`, `secp384r1`, ...); default: the provider's. */
  groups?: readonly string[];
  minVersion?: VersionName;
  maxVersion?: VersionName;
  /** Receives NSS key log lines (`CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>`). Secrets! */
  keyLog?: ((line: string) => void) | null;
  /** Current time in milliseconds since the Unix epoch. */
  now?: () => number;
  /** Largest plaintext per record we send, 64..16384 (RFC 8446 §5.1). */
  maxFragmentSize?: number;
  /**
   * RFC 8449 record_size_limit to advertise, 64..16385 (TLS 1.3 counts the inner content
   * type, so 16385 means "full-size records"); null (default) sends no extension. Whether or
   * not we send it, the peer's limit is honoured when it sends one.
   */
  recordSizeLimit?: number | null;
  /**
   * TLS 1.2: refuse peers without the extended master secret (RFC 7627) with handshake_failure.
   * Default true (as rustls); false accepts them (their sessions are open to the triple
   * handshake attack, and exporters are refused on them).
   */
  requireExtendedMasterSecret?: boolean;
  /**
   * FOR TESTS ONLY: lower the AEAD limits of RFC 8446 §5.5 (records per key before it must be
   * replaced, failed decryptions per key before the connection fails), to watch the engine act
   * on them: TLS 1.3 sends a KeyUpdate before `confidentiality`; TLS 1.2, which cannot rekey,
   * sends close_notify. Limits can only go down: the AEAD's own limits still apply. Default null.
   */
  aeadLimitsForTesting?: AeadLimitsForTesting | null;
}

/** Lowered AEAD limits for tests (`aeadLimitsForTesting`); positive integers, in records. */
export interface AeadLimitsForTesting {
  readonly confidentiality?: number;
  readonly integrity?: number;
}

/** The validated common part of a config. */
export interface CommonConfig {
  readonly provider: CryptoProvider;
  readonly alpnProtocols: readonly Uint8Array[];
  readonly cipherSuites: readonly CipherSuiteDefinition[];
  readonly groups: readonly KeyExchangeGroup[];
  readonly minVersion: VersionName;
  readonly maxVersion: VersionName;
  readonly keyLog: ((line: string) => void) | null;
  readonly now: () => number;
  readonly maxFragmentSize: number;
  readonly recordSizeLimit: number | null;
  readonly requireExtendedMasterSecret: boolean;
  readonly aeadLimitsForTesting: AeadLimitsForTesting | null;
}

const groupAliases: Readonly<Record<string, string>> = {
  'x25519': 'x25519',
  'p-256': 'secp256r1',
  'prime256v1': 'secp256r1',
  'secp256r1': 'secp256r1',
  'p-384': 'secp384r1',
  'secp384r1': 'secp384r1',
  'p-521': 'secp521r1',
  'secp521r1': 'secp521r1',
};

function canonicalGroupName(name: string): string {
  const lower = name.toLowerCase();
  return groupAliases[lower] ?? lower;
}

/**
 * Finds a provider group by IANA name (case-insensitive) or a common alias (`P-256`,
 * `prime256v1`), among every group it supports (`allKeyExchangeGroups`), default or not.
 */
export function findGroup(provider: CryptoProvider, name: string): KeyExchangeGroup | null {
  const want = canonicalGroupName(name);
  for (const g of provider.allKeyExchangeGroups ?? provider.keyExchangeGroups) if (canonicalGroupName(g.name) === want) return g;
  return null;
}

function isVersion(v: unknown): v is VersionName {
  return v === 'TLSv1.2' || v === 'TLSv1.3';
}

export function validateCommon(o: CommonConfigOptions, side: 'client' | 'server'): CommonConfig {
  if (!o || typeof o !== 'object') throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: expected an options object`);
  const provider = o.provider;
  if (!provider || typeof provider.fillRandom !== 'function') {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: "provider" must be a CryptoProvider (e.g. nodeCryptoProvider)`);
  }
  const minVersion = o.minVersion ?? 'TLSv1.2';
  const maxVersion = o.maxVersion ?? 'TLSv1.3';
  if (!isVersion(minVersion)) throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: minVersion ${JSON.stringify(minVersion)} is not one of "TLSv1.2", "TLSv1.3"`);
  if (!isVersion(maxVersion)) throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: maxVersion ${JSON.stringify(maxVersion)} is not one of "TLSv1.2", "TLSv1.3"`);
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: minVersion TLSv1.3 is above maxVersion TLSv1.2`);
  }

  let cipherSuites: CipherSuiteDefinition[];
  if (o.cipherSuites === undefined) {
    cipherSuites = provider.cipherSuites.slice();
  } else {
    cipherSuites = [];
    for (const name of o.cipherSuites) {
      const s = provider.cipherSuites.find((c) => c.name === name);
      if (!s) {
        throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: cipher suite ${JSON.stringify(name)} is not supported; supported: ${provider.cipherSuites.map((c) => c.name).join(', ')}`);
      }
      if (!cipherSuites.includes(s)) cipherSuites.push(s);
    }
  }
  cipherSuites = cipherSuites.filter((s) => versionInRange(s.version, minVersion, maxVersion));
  if (cipherSuites.length === 0) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: no cipher suite left for versions ${minVersion}..${maxVersion}`);
  }
  if (maxVersion === 'TLSv1.3' && minVersion === 'TLSv1.3' && !cipherSuites.some((s) => s.version === 'TLSv1.3')) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: TLS 1.3 is enabled but no TLS 1.3 cipher suite is`);
  }

  let groups: KeyExchangeGroup[];
  if (o.groups === undefined) {
    groups = provider.keyExchangeGroups.slice();
  } else {
    groups = [];
    for (const name of o.groups) {
      const g = findGroup(provider, name);
      if (!g) {
        throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: group ${JSON.stringify(name)} is not supported; supported: ${(provider.allKeyExchangeGroups ?? provider.keyExchangeGroups).map((x) => x.name).join(', ')}`);
      }
      if (!groups.includes(g)) groups.push(g);
    }
  }
  if (groups.length === 0) throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: "groups" is empty`);

  const alpnProtocols: Uint8Array[] = [];
  for (const p of o.alpnProtocols ?? []) {
    if (typeof p !== 'string') throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: ALPN protocols must be strings`);
    const b = utf8(p);
    // RFC 7301 §3.1: ProtocolName opaque<1..2^8-1>
    if (b.length < 1 || b.length > 255) {
      throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: ALPN protocol ${JSON.stringify(p)} must be 1..255 bytes`);
    }
    alpnProtocols.push(b);
  }

  const maxFragmentSize = o.maxFragmentSize ?? 16384;
  if (!Number.isInteger(maxFragmentSize) || maxFragmentSize < 64 || maxFragmentSize > 16384) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: maxFragmentSize ${maxFragmentSize} is outside 64..16384`);
  }

  const aeadLimitsForTesting = o.aeadLimitsForTesting ?? null;
  if (aeadLimitsForTesting !== null) {
    for (const k of ['confidentiality', 'integrity'] as const) {
      const v = aeadLimitsForTesting[k];
      // Integrity 0 is allowed: the first failed decryption then ends the connection.
      if (v !== undefined && (!Number.isSafeInteger(v) || v < (k === 'integrity' ? 0 : 1))) {
        throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: aeadLimitsForTesting.${k} ${v} is not an integer >= ${k === 'integrity' ? 0 : 1}`);
      }
    }
  }

  const recordSizeLimit = o.recordSizeLimit ?? null;
  // RFC 8449 §4: at least 64; at most 2^14 + 1 in TLS 1.3.
  if (recordSizeLimit !== null && (!Number.isInteger(recordSizeLimit) || recordSizeLimit < 64 || recordSizeLimit > 16385)) {
    throw new TlsUsageError('ERR_TLS_CONFIG', `${side} config: recordSizeLimit ${recordSizeLimit} is outside 64..16385`);
  }

  return {
    provider,
    alpnProtocols,
    cipherSuites,
    groups,
    minVersion,
    maxVersion,
    keyLog: o.keyLog ?? null,
    now: o.now ?? Date.now,
    maxFragmentSize,
    recordSizeLimit,
    requireExtendedMasterSecret: o.requireExtendedMasterSecret ?? true,
    aeadLimitsForTesting,
  };
}

function versionInRange(v: VersionName, min: VersionName, max: VersionName): boolean {
  const n = (x: VersionName) => (x === 'TLSv1.3' ? 4 : 3);
  return n(v) >= n(min) && n(v) <= n(max);
}
