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
}

export const serverUsage = 'usage: typetls server --cert CHAIN.pem --key KEY.pem [--host 127.0.0.1] [--port 4433] [--alpn PROTO]... [--mode http|echo] [--client-ca CA.pem [--require-client-cert] [--crl CRL.pem]...] [--verbose]';
export const clientUsage = 'usage: typetls client HOST[:PORT] [--servername NAME] [--ca CA.pem] [--alpn PROTO]... [--http [PATH]] [--cert CHAIN.pem --key KEY.pem] [--verbose]';

function parse(argv: readonly string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], positionals: boolean): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: [...argv], options: options ?? {}, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
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

const versionOptions = {
  'min-version': { type: 'string' },
  'max-version': { type: 'string' },
} as const;

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
    ...versionOptions,
  }, false);
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
    ...(clientCa !== undefined ? { clientCa } : {}),
    ...(requireClientCert ? { requireClientCert: true as const } : {}),
    ...(crl.length > 0 ? { crl } : {}),
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
    ...versionOptions,
  }, true);
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
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  };
}

function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}
