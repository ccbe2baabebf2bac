/**
 * Argument parsing for the `typetls` subcommands (node:util parseArgs), kept apart from I/O so
 * it can be unit-tested. Every failure is a `UsageError` whose message is printed as one line.
 */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';

/** A command-line mistake: printed as `error: <message>` with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type ServerMode = 'http' | 'echo';

export interface ServerArgs {
  readonly kind: 'server';
  readonly cert: string;
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly alpn: readonly string[];
  readonly mode: ServerMode;
  readonly verbose: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3' | null;
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3' | null;
  // mTLS options are present only when given (absent keys keep older callers' objects unchanged).
  /** `--client-ca FILE`: ask clients for a certificate issued under these roots. */
  readonly clientCa?: string;
  /** `--require-client-cert`: refuse clients without one (certificate_required). */
  readonly requireClientCert?: true;
  /** `--crl FILE`...: CRLs checked for client certificates. */
  readonly crl?: readonly string[];
  /** `--suite NAME`...: IANA cipher suite names in preference order (present only when given). */
  readonly cipherSuites?: readonly string[];
  /** `--group NAME`...: key-exchange groups in preference order (present only when given). */
  readonly groups?: readonly string[];
  /** `--compress zlib,brotli,zstd|none`: RFC 8879 algorithms in preference order (present only when given). */
  readonly compress?: readonly number[] | 'none';
  /** `--ocsp FILE`: a DER OCSP response to staple (present only when given). */
  readonly ocsp?: string;
  /** `--tickets N`: TLS 1.3 NewSessionTickets per handshake (default 2; 0 disables resumption). */
  readonly tickets?: number;
  /** `--session-cache N`: single-use server-side sessions instead of stateless tickets. */
  readonly sessionCache?: number;
  /** `--max-early-data BYTES`: accept 0-RTT data (needs single-use sessions). */
  readonly maxEarlyData?: number;
}

export interface ClientArgs {
  readonly kind: 'client';
  readonly host: string;
  readonly port: number;
  readonly servername: string | null;
  readonly ca: string | null;
  readonly alpn: readonly string[];
  /** The path of `--http [PATH]`, or null without `--http`. */
  readonly http: string | null;
  readonly verbose: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3' | null;
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3' | null;
  /** `--cert CHAIN.pem --key KEY.pem`: the client certificate, sent when the server asks (present only when given). */
  readonly cert?: string;
  readonly key?: string;
  /** `--suite NAME`...: IANA cipher suite names in preference order (present only when given). */
  readonly cipherSuites?: readonly string[];
  /** `--group NAME`...: key-exchange groups in preference order (present only when given). */
  readonly groups?: readonly string[];
  /** `--compress zlib,brotli,zstd|none` (present only when given). */
  readonly compress?: readonly number[] | 'none';
  /** `--status`: ask for a stapled OCSP response (present only when given). */
  readonly status?: true;
  /** `--resume N`: connect N+1 times, resuming TLS 1.3 or TLS 1.2 sessions (present only when given). */
  readonly resume?: number;
  /** `--early-data FILE`: send FILE as 0-RTT data on resumed connections (present only when given). */
  readonly earlyData?: string;
}

export const serverUsage = 'usage: typetls server --cert CHAIN.pem --key KEY.pem [--host 127.0.0.1] [--port 4433] [--alpn PROTO]... [--mode http|echo] [--client-ca CA.pem [--require-client-cert] [--crl CRL.pem]...] [--compress zlib,brotli,zstd|none] [--ocsp RESPONSE.der] [--tickets N] [--session-cache N] [--max-early-data BYTES] [--min-version 1.2|1.3] [--max-version 1.2|1.3] [--suite NAME]... [--group NAME]... [--verbose]';
export const clientUsage = 'usage: typetls client HOST[:PORT] [--servername NAME] [--ca CA.pem] [--alpn PROTO]... [--http [PATH]] [--cert CHAIN.pem --key KEY.pem] [--compress zlib,brotli,zstd|none] [--status] [--resume N] [--early-data FILE] [--min-version 1.2|1.3] [--max-version 1.2|1.3] [--suite NAME]... [--group NAME]... [--verbose]';

function parse(argv: readonly string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], positionals: boolean): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...argv], options: options ?? {}, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

/** A non-negative integer option, present only when given. */
function count(v: unknown, flag: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > max) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number in 0..${max}`);
  return Number(text);
}

function port(text: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`${what} ${JSON.stringify(text)} is not a port number (0..65535)`);
  return Number(text);
}

function version(v: unknown, flag: string): 'TLSv1.2' | 'TLSv1.3' | null {
  if (v === undefined) return null;
  if (v === '1.2' || v === 'TLSv1.2') return 'TLSv1.2';
  if (v === '1.3' || v === 'TLSv1.3') return 'TLSv1.3';
  throw new UsageError(`${flag} ${JSON.stringify(v)} is not TLSv1.2 or TLSv1.3`);
}

/** `--suite NAME`... (IANA names, repeatable, preference order): present only when given. */
function suites(v: unknown): { cipherSuites?: readonly string[] } {
  const list = (v as string[] | undefined) ?? [];
  for (const name of list) {
    if (!/^TLS_[A-Z0-9_]+$/.test(name)) throw new UsageError(`--suite ${JSON.stringify(name)} is not an IANA cipher suite name such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`);
  }
  return list.length > 0 ? { cipherSuites: list } : {};
}

const compressionNames: Readonly<Record<string, number>> = { zlib: 1, brotli: 2, zstd: 3 };

/** `--compress zlib,brotli,zstd` (RFC 8879 code points, in that order) or `none`. */
function compression(v: unknown): readonly number[] | 'none' | undefined {
  if (v === undefined) return undefined;
  const text = String(v).trim().toLowerCase();
  if (text === 'none') return 'none';
  const out: number[] = [];
  for (const name of text.split(',')) {
    const a = compressionNames[name.trim()];
    if (a === undefined) throw new UsageError(`--compress ${JSON.stringify(String(v))}: ${JSON.stringify(name)} is not zlib, brotli, zstd or none`);
    if (out.includes(a)) throw new UsageError(`--compress ${JSON.stringify(String(v))}: ${name.trim()} is listed twice`);
    out.push(a);
  }
  return out;
}

const versionOptions = {
  'min-version': { type: 'string' },
  'max-version': { type: 'string' },
  suite: { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
} as const;

/** `--group NAME`... (X25519MLKEM768, x25519, secp256r1, ...; repeatable, preference order): present only when given. */
function groups(v: unknown): { groups?: readonly string[] } {
  const list = (v as string[] | undefined) ?? [];
  for (const name of list) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) throw new UsageError(`--group ${JSON.stringify(name)} is not a group name such as X25519MLKEM768, x25519 or secp256r1`);
  }
  return list.length > 0 ? { groups: list } : {};
}

/** Parses `typetls server ...` (argv after the subcommand). */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  const { values } = parse(argv, {
    cert: { type: 'string' },
    key: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4433' },
    alpn: { type: 'string', multiple: true },
    mode: { type: 'string', default: 'http' },
    verbose: { type: 'boolean', short: 'v', default: false },
    'client-ca': { type: 'string' },
    'require-client-cert': { type: 'boolean', default: false },
    crl: { type: 'string', multiple: true },
    compress: { type: 'string' },
    ocsp: { type: 'string' },
    tickets: { type: 'string' },
    'session-cache': { type: 'string' },
    'max-early-data': { type: 'string' },
    ...versionOptions,
  }, false);
  const tickets = count(values['tickets'], '--tickets', 16);
  const sessionCache = count(values['session-cache'], '--session-cache', 1_000_000);
  const maxEarlyData = count(values['max-early-data'], '--max-early-data', 0xffffffff);
  if (maxEarlyData !== undefined && maxEarlyData > 0 && sessionCache === 0) throw new UsageError('--max-early-data needs single-use sessions: drop --session-cache 0');
  if (maxEarlyData !== undefined && maxEarlyData > 0 && tickets === 0) throw new UsageError('--max-early-data needs tickets: drop --tickets 0');
  const serverCompress = compression(values['compress']);
  const ocsp = values['ocsp'] as string | undefined;
  const clientCa = values['client-ca'] as string | undefined;
  const requireClientCert = values['require-client-cert'] === true;
  const crl = (values['crl'] as string[] | undefined) ?? [];
  if (clientCa === undefined && requireClientCert) throw new UsageError('--require-client-cert needs --client-ca CA.pem');
  if (clientCa === undefined && crl.length > 0) throw new UsageError('--crl needs --client-ca CA.pem');
  if (typeof values['cert'] !== 'string') throw new UsageError(`--cert is required; ${serverUsage}`);
  if (typeof values['key'] !== 'string') throw new UsageError(`--key is required; ${serverUsage}`);
  const mode = values['mode'];
  if (mode !== 'http' && mode !== 'echo') throw new UsageError(`--mode ${JSON.stringify(mode)} is not http or echo`);
  return {
    kind: 'server',
    cert: values['cert'],
    key: values['key'],
    host: values['host'] as string,
    port: port(values['port'] as string, '--port'),
    alpn: (values['alpn'] as string[] | undefined) ?? [],
    mode,
    verbose: values['verbose'] === true,
    minVersion: version(values['min-version'], '--min-version'),
    maxVersion: version(values['max-version'], '--max-version'),
    ...suites(values['suite']),
    ...groups(values['group']),
    ...(clientCa !== undefined ? { clientCa } : {}),
    ...(requireClientCert ? { requireClientCert: true as const } : {}),
    ...(crl.length > 0 ? { crl } : {}),
    ...(serverCompress !== undefined ? { compress: serverCompress } : {}),
    ...(ocsp !== undefined ? { ocsp } : {}),
    ...(tickets !== undefined ? { tickets } : {}),
    ...(sessionCache !== undefined ? { sessionCache } : {}),
    ...(maxEarlyData !== undefined ? { maxEarlyData } : {}),
  };
}

/**
 * Splits `HOST[:PORT]`: `example.com`, `example.com:8443`, `127.0.0.1:4433`, `[::1]:4433`,
 * and a bare IPv6 literal `::1` (no port). The default port is 443.
 */
export function parseHostPort(text: string): { host: string; port: number } {
  if (text === '') throw new UsageError('HOST is empty');
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new UsageError(`${JSON.stringify(text)}: "[" without "]"`);
    const host = text.slice(1, close);
    if (isIP(host) !== 6) throw new UsageError(`${JSON.stringify(host)} in brackets is not an IPv6 address`);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: 443 };
    if (!rest.startsWith(':')) throw new UsageError(`${JSON.stringify(text)}: expected ":PORT" after "]"`);
    return { host, port: port(rest.slice(1), 'port') };
  }
  if (isIP(text) === 6) return { host: text, port: 443 };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: 443 };
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new UsageError(`${JSON.stringify(text)}: put an IPv6 address in brackets, e.g. [::1]:443`);
  if (host === '') throw new UsageError(`${JSON.stringify(text)}: HOST is empty`);
  return { host, port: port(text.slice(colon + 1), 'port') };
}

/** Parses `typetls client ...` (argv after the subcommand). `--http` takes an optional PATH. */
export function parseClientArgs(argv: readonly string[]): ClientArgs {
  // parseArgs has no optional option values: rewrite `--http [PATH]` to `--http=PATH`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--http') {
      const next = argv[i + 1];
      if (next !== undefined && next.startsWith('/')) {
        args.push(`--http=${next}`);
        i++;
      } else {
        args.push('--http=/');
      }
    } else {
      args.push(a);
    }
  }
  const { values, positionals } = parse(args, {
    servername: { type: 'string' },
    ca: { type: 'string' },
    alpn: { type: 'string', multiple: true },
    http: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
    cert: { type: 'string' },
    key: { type: 'string' },
    compress: { type: 'string' },
    status: { type: 'boolean', default: false },
    resume: { type: 'string' },
    'early-data': { type: 'string' },
    ...versionOptions,
  }, true);
  const resume = count(values['resume'], '--resume', 100);
  const earlyData = values['early-data'] as string | undefined;
  if (earlyData !== undefined && (resume === undefined || resume === 0)) throw new UsageError('--early-data needs --resume N (0-RTT is sent on resumed connections)');
  const clientCompress = compression(values['compress']);
  const cert = values['cert'] as string | undefined;
  const key = values['key'] as string | undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together, expected both');
  if (positionals.length !== 1) throw new UsageError(`expected one HOST[:PORT], got ${positionals.length}; ${clientUsage}`);
  const { host, port: p } = parseHostPort(positionals[0]!);
  const http = values['http'];
  if (typeof http === 'string' && !http.startsWith('/')) throw new UsageError(`--http path ${JSON.stringify(http)} must start with "/"`);
  if (typeof http === 'string' && hasSpaceOrControl(http)) throw new UsageError('--http path must not contain spaces or control characters');
  return {
    kind: 'client',
    host,
    port: p,
    servername: (values['servername'] as string | undefined) ?? null,
    ca: (values['ca'] as string | undefined) ?? null,
    alpn: (values['alpn'] as string[] | undefined) ?? [],
    http: (http as string | undefined) ?? null,
    verbose: values['verbose'] === true,
    minVersion: version(values['min-version'], '--min-version'),
    maxVersion: version(values['max-version'], '--max-version'),
    ...suites(values['suite']),
    ...groups(values['group']),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...(clientCompress !== undefined ? { compress: clientCompress } : {}),
    ...(values['status'] === true ? { status: true as const } : {}),
    ...(resume !== undefined ? { resume } : {}),
    ...(earlyData !== undefined ? { earlyData } : {}),
  };
}

function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}
