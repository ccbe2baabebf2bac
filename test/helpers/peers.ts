/**
 * Real peers for interop tests: `openssl s_server` / `s_client` child processes, node:tls
 * servers and clients, and a byte-at-a-time TCP proxy. Everything listens on 127.0.0.1 with an
 * ephemeral port, and everything started here is tracked and torn down:
 *   - each handle has `stop()`; tests should call it (in `after()` or `finally`);
 *   - a root-level `after()` hook registered when this module loads stops whatever is left;
 *   - a process 'exit' / SIGTERM / SIGINT safety net SIGKILLs leftover children and removes
 *     temp dirs; where `setpriv` exists, children also get PDEATHSIG=KILL so a crashed test
 *     process cannot leave an openssl behind.
 * Children run under `stdbuf -o0` (coreutils) where present, so their reports arrive unbuffered.
 *
 * Port discovery for `openssl s_server`: OpenSSL 3.0 prints `ACCEPT 127.0.0.1:<port>` on stdout
 * for `-accept 127.0.0.1:0` (measured), so non-quiet servers bind port 0 and parse that line.
 * `-quiet` suppresses that line; quiet servers get a port from a probe socket bound to port 0
 * and closed, are ready once /proc/net/tcp lists the port as LISTEN, and are restarted on a new
 * port when the bind fails (EADDRINUSE race).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import * as tls from 'node:tls';

// ---------------------------------------------------------------------------------------------
// Tracking and cleanup

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const stoppers = new Set<() => Promise<void>>();

/** Stops every peer, proxy and temp dir this module started that is still alive. */
export async function cleanupPeers(): Promise<void> {
  const pending = [...stoppers];
  stoppers.clear();
  await Promise.allSettled(pending.map((s) => s()));
  for (const c of children) killHard(c);
  children.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function killHard(c: ChildProcess): void {
  if (c.exitCode === null && c.signalCode === null) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function syncCleanup(): void {
  for (const c of children) killHard(c);
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
}

// Root-level hook: this module is imported before any test runs, so the hook attaches to the
// file's root and runs after every test of the file.
after(cleanupPeers);
process.once('exit', syncCleanup);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    syncCleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/** A temp dir removed at cleanup (or at process exit). */
export function makeTempDir(prefix = 'typetls-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** Adds a temp dir made elsewhere (say by `OpenSslPki`) to the cleanup and exit safety net. */
export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

/** Removes a temp dir made by `makeTempDir` now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
const STDBUF = existsSync('/usr/bin/stdbuf') ? '/usr/bin/stdbuf' : null;

function spawnTracked(cmd: string, args: readonly string[]): ChildProcess {
  // stdbuf -o0: s_client writes its reports through a stdio FILE that is block-buffered on a
  // pipe, so a waiter could miss a report (say a traced KeyUpdate) forever (seen here).
  // setpriv --pdeathsig: the kernel kills the child if this process dies without cleaning up.
  let argv = [cmd, ...args];
  if (STDBUF) argv = [STDBUF, '-o0', ...argv];
  if (SETPRIV) argv = [SETPRIV, '--pdeathsig', 'SIGKILL', '--', ...argv];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // A peer that exits closes its stdin: never let EPIPE crash the test process.
  child.stdin?.on('error', () => {});
  return child;
}

const DEFAULT_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// A tracked openssl child with captured output

/** A running `openssl s_server` or `s_client` child with its output captured. */
export class OpensslProcess {
  readonly child: ChildProcess;
  readonly args: readonly string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  private readonly outChunks: Buffer[] = [];
  private outLength = 0;
  private readonly errChunks: Buffer[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(child: ChildProcess, args: readonly string[]) {
    this.child = child;
    this.args = args;
    child.stdout?.on('data', (b: Buffer) => {
      this.outChunks.push(b);
      this.outLength += b.length;
      this.notify();
    });
    child.stderr?.on('data', (b: Buffer) => {
      this.errChunks.push(b);
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => {
        this.notify();
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** True until the child exits. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stdout so far, as latin1 text (byte-exact). */
  output(): string {
    return this.stdoutBytes().toString('latin1');
  }

  /** Stdout so far as bytes (with `-quiet`, exactly the application data received). */
  stdoutBytes(): Buffer {
    if (this.outChunks.length > 1) {
      const all = Buffer.concat(this.outChunks);
      this.outChunks.length = 0;
      this.outChunks.push(all);
    }
    return this.outChunks[0] ?? Buffer.alloc(0);
  }

  /** Number of stdout bytes so far. */
  stdoutLength(): number {
    return this.outLength;
  }

  stderr(): string {
    return Buffer.concat(this.errChunks).toString('latin1');
  }

  /** Writes to the child's stdin (the peer sends it as application data / reads it as a command). */
  write(data: string | Uint8Array): Promise<void> {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error('openssl stdin is closed'));
    return new Promise((resolve, reject) => {
      stdin.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes the child's stdin. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /**
   * Waits until `pred` holds for the output (checked on every stdout/stderr chunk and at exit).
   * Rejects on timeout or when the child exits first, with the output in the message.
   */
  waitFor(pred: (p: OpensslProcess) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err: Error | null): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (pred(this)) done(null);
        else if (!this.running) done(new Error(`openssl exited before ${what}\n${this.describe()}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`)), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until stdout matches `pattern`. */
  waitForOutput(pattern: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const test = typeof pattern === 'string' ? (s: string) => s.includes(pattern) : (s: string) => pattern.test(s);
    return this.waitFor((p) => test(p.output()), `output ${String(pattern)}`, timeoutMs);
  }

  /** Waits until at least `n` bytes arrived on stdout. */
  waitForBytes(n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.waitFor((p) => p.stdoutLength() >= n, `${n} stdout bytes`, timeoutMs);
  }

  /** Kills the child (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => killHard(this.child), 2000);
      await this.exited;
      clearTimeout(t);
    } else {
      await this.exited;
    }
  }

  /** The command line and captured output, for assertion messages. */
  describe(): string {
    const out = this.output();
    const clip = (s: string): string => (s.length > 4000 ? `${s.slice(0, 2000)}\n...\n${s.slice(-2000)}` : s);
    return `$ openssl ${this.args.join(' ')}\n--- stdout ---\n${clip(out)}\n--- stderr ---\n${clip(this.stderr())}`;
  }
}

// ---------------------------------------------------------------------------------------------
// openssl s_server

/** Options for `startOpensslServer`. */
export interface OpensslServerOptions {
  certFile: string;
  keyFile: string;
  /** Intermediates sent after the end-entity certificate (`-cert_chain`). */
  chainFile?: string;
  /**
   * A second certificate chosen when the client's SNI equals `servername` (`-servername -cert2
   * -key2`). s_server has no `-cert_chain` for cert2 and ignores `-chainCAfile` for it
   * (measured): `chainFile` here becomes `-CAfile` (unless `caFile` is set), the store OpenSSL
   * auto-builds the chain from.
   */
  sni?: { servername: string; certFile: string; keyFile: string; chainFile?: string };
  /** `-tls1_3` (default true). */
  tls13Only?: boolean;
  /** `-groups`, colon-separated OpenSSL names (`X25519:P-256`). */
  groups?: string;
  /** `-ciphersuites` (TLS 1.3 suites, colon-separated). */
  ciphersuites?: string;
  /** `-alpn`, protocols in preference order. */
  alpn?: readonly string[];
  /**
   * 'relay' (default): plain s_server, stdin is sent to the client and received data goes to
   * stdout; 'www': answers `GET /` with a status page; 'rev': echoes each line reversed.
   */
  mode?: 'relay' | 'www' | 'rev';
  /** `-quiet`: stdout carries only the received application data (byte-exact); relay mode only. */
  quiet?: boolean;
  /** `-trace`: print every handshake message (used to see HRR and the chosen key share). */
  trace?: boolean;
  /** `-naccept n`: exit after n connections. */
  naccept?: number;
  /** `-keylogfile`. */
  keylogFile?: string;
  /** Trust anchors for client certificates (`-CAfile`, with `-Verify 1` when `requireClientCert`). */
  caFile?: string;
  requireClientCert?: boolean;
  extraArgs?: readonly string[];
  /** How long to wait for the server to listen (default 10 s). */
  timeoutMs?: number;
}

/** A running `openssl s_server`. */
export interface OpensslServer {
  readonly port: number;
  readonly process: OpensslProcess;
  /** Stdout so far (latin1). */
  output(): string;
  stderr(): string;
  /** Sends `data` to the connected client (relay mode) or issues a command line (`'k\n'`). */
  write(data: string | Uint8Array): Promise<void>;
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function serverArgs(o: OpensslServerOptions, accept: string): string[] {
  const a = ['s_server', '-accept', accept, '-cert', o.certFile, '-key', o.keyFile];
  if (o.chainFile !== undefined) a.push('-cert_chain', o.chainFile);
  if (o.sni) {
    a.push('-servername', o.sni.servername, '-cert2', o.sni.certFile, '-key2', o.sni.keyFile);
    if (o.sni.chainFile !== undefined && o.caFile === undefined) a.push('-CAfile', o.sni.chainFile);
  }
  if (o.tls13Only ?? true) a.push('-tls1_3');
  if (o.groups !== undefined) a.push('-groups', o.groups);
  if (o.ciphersuites !== undefined) a.push('-ciphersuites', o.ciphersuites);
  if (o.alpn !== undefined) a.push('-alpn', o.alpn.join(','));
  const mode = o.mode ?? 'relay';
  if (mode === 'www') a.push('-www');
  else if (mode === 'rev') a.push('-rev');
  if (o.quiet) a.push('-quiet');
  if (o.trace) a.push('-trace');
  if (o.naccept !== undefined) a.push('-naccept', String(o.naccept));
  if (o.keylogFile !== undefined) a.push('-keylogfile', o.keylogFile);
  if (o.caFile !== undefined) a.push('-CAfile', o.caFile);
  if (o.requireClientCert) a.push('-Verify', '1');
  if (o.extraArgs) a.push(...o.extraArgs);
  return a;
}

/**
 * Starts `openssl s_server` on 127.0.0.1 with an ephemeral port; resolves once it listens.
 * Keep stdin open: plain s_server ends the connection at stdin EOF.
 */
export async function startOpensslServer(o: OpensslServerOptions): Promise<OpensslServer> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (o.quiet && (o.mode ?? 'relay') !== 'relay') throw new Error('quiet is for relay mode only');
  for (let attempt = 0; ; attempt++) {
    let port: number;
    let proc: OpensslProcess;
    if (!o.quiet) {
      const args = serverArgs(o, '127.0.0.1:0');
      proc = new OpensslProcess(spawnTracked('openssl', args), args);
      await proc.waitForOutput(/^ACCEPT 127\.0\.0\.1:\d+$/m, timeoutMs);
      port = Number(/^ACCEPT 127\.0\.0\.1:(\d+)$/m.exec(proc.output())![1]);
    } else {
      port = await freePort();
      const args = serverArgs(o, `127.0.0.1:${port}`);
      proc = new OpensslProcess(spawnTracked('openssl', args), args);
      const listening = await waitListening(proc, port, timeoutMs);
      if (!listening) {
        await proc.stop();
        if (attempt < 5 && /in use|bind/i.test(proc.stderr())) continue; // lost the port race
        throw new Error(`openssl s_server did not listen on ${port}\n${proc.describe()}`);
      }
    }
    const stopper = (): Promise<void> => proc.stop();
    stoppers.add(stopper);
    return {
      port,
      process: proc,
      output: () => proc.output(),
      stderr: () => proc.stderr(),
      write: (d) => proc.write(d),
      waitForOutput: (p, t) => proc.waitForOutput(p, t),
      stop: async () => {
        stoppers.delete(stopper);
        await proc.stop();
      },
    };
  }
}

/** A port that was free a moment ago (bind 127.0.0.1:0, read the port, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True once `port` is LISTENing on 127.0.0.1 (per /proc/net/tcp); false if the child exits first. */
async function waitListening(proc: OpensslProcess, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // /proc/net/tcp: "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT, st 0A = LISTEN.
  const needle = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  while (Date.now() < deadline) {
    if (!proc.running) return false;
    if (existsSync('/proc/net/tcp')) {
      const lines = readFileSync('/proc/net/tcp', 'latin1').split('\n');
      if (lines.some((l) => { const f = l.trim().split(/\s+/); return f[1] === needle && f[3] === '0A'; })) return true;
    } else if (await portTaken(port)) {
      return proc.running;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

// ---------------------------------------------------------------------------------------------
// openssl s_client

/** Options for `runOpensslClient` / `startOpensslClient`. */
export interface OpensslClientOptions {
  port: number;
  /** `-servername` (SNI); by default none is sent (`-noservername`). */
  servername?: string;
  /** Trust anchors (`-CAfile`), with `-verify_return_error` so a bad chain fails the handshake. */
  caFile?: string;
  /** `-verify_hostname`: check the certificate against this name. */
  verifyHostname?: string;
  alpn?: readonly string[];
  groups?: string;
  ciphersuites?: string;
  /** `-tls1_3` (default true). */
  tls13Only?: boolean;
  /** `-quiet`: stdout carries only the received application data (implies -ign_eof). */
  quiet?: boolean;
  /** `-ign_eof`: stdin EOF does not close the connection; the client waits for the server. */
  ignoreEof?: boolean;
  /** `-nocommands`: lines such as `Q`, `R`, `k` are data, not commands. */
  noCommands?: boolean;
  /** Client certificate (`-cert`, `-key`). */
  certFile?: string;
  keyFile?: string;
  trace?: boolean;
  extraArgs?: readonly string[];
}

function clientArgs(o: OpensslClientOptions): string[] {
  const a = ['s_client', '-connect', `127.0.0.1:${o.port}`];
  if (o.servername !== undefined) a.push('-servername', o.servername);
  else a.push('-noservername');
  if (o.caFile !== undefined) a.push('-CAfile', o.caFile, '-verify_return_error');
  if (o.verifyHostname !== undefined) a.push('-verify_hostname', o.verifyHostname);
  if (o.alpn !== undefined) a.push('-alpn', o.alpn.join(','));
  if (o.groups !== undefined) a.push('-groups', o.groups);
  if (o.ciphersuites !== undefined) a.push('-ciphersuites', o.ciphersuites);
  if (o.tls13Only ?? true) a.push('-tls1_3');
  if (o.quiet) a.push('-quiet');
  if (o.ignoreEof) a.push('-ign_eof');
  if (o.noCommands) a.push('-nocommands');
  if (o.certFile !== undefined) a.push('-cert', o.certFile);
  if (o.keyFile !== undefined) a.push('-key', o.keyFile);
  if (o.trace) a.push('-trace');
  if (o.extraArgs) a.push(...o.extraArgs);
  return a;
}

/** Starts `openssl s_client` and returns it running, for streaming tests. Stop it when done. */
export function startOpensslClient(o: OpensslClientOptions): OpensslProcess {
  const args = clientArgs(o);
  const proc = new OpensslProcess(spawnTracked('openssl', args), args);
  const stopper = (): Promise<void> => proc.stop();
  stoppers.add(stopper);
  void proc.exited.then(() => stoppers.delete(stopper));
  return proc;
}

/** Result of `runOpensslClient`. */
export interface OpensslClientResult {
  /** Exit code, or null when killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs `openssl s_client` to completion. `input` is written to stdin at once (s_client reads it
 * only after the handshake). Stdin is then closed, unless `until` is given: then it stays open
 * until stdout matches `until` (say the server's reply), and is closed then. Without
 * `ignoreEof`, stdin EOF makes s_client send close_notify and exit. After `timeoutMs`
 * (default 10 s) the child is killed and `timedOut` is true.
 */
export async function runOpensslClient(
  o: OpensslClientOptions & { input?: string | Uint8Array; until?: RegExp; timeoutMs?: number },
): Promise<OpensslClientResult> {
  const proc = startOpensslClient(o);
  if (o.input !== undefined) proc.write(o.input).catch(() => {});
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killHard(proc.child);
  }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (o.until) {
    const until = o.until;
    await proc.waitFor((p) => until.test(p.output()), `output ${String(until)}`, 60_000).catch(() => {});
  }
  proc.endInput();
  const code = await proc.exited;
  clearTimeout(timer);
  return { code: timedOut ? null : code, stdout: proc.output(), stderr: proc.stderr(), timedOut };
}

// ---------------------------------------------------------------------------------------------
// Parsing openssl output

/** What `openssl s_client` reports about a handshake (null where it printed nothing). */
export interface OpensslClientReport {
  /** `TLSv1.3`, from "New, TLSv1.3, Cipher is ...". */
  protocol: string | null;
  cipher: string | null;
  /** Key-exchange group from "Server Temp Key", normalized: `X25519`, `P-256`, `P-384`, `P-521`, `X448`. */
  group: string | null;
  /** Negotiated ALPN protocol, or null ("No ALPN negotiated"). */
  alpn: string | null;
  /** "Peer signature type: ECDSA" etc. */
  peerSignatureType: string | null;
  /** Subject of the first certificate in "Certificate chain". */
  peerSubject: string | null;
  /** "Verify return code: 0 (ok)" -> 0. */
  verifyCode: number | null;
}

const CURVE_NAMES: Record<string, string> = {
  secp256r1: 'P-256',
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  x25519: 'X25519',
  x448: 'X448',
};

/** Normalizes an OpenSSL or IANA group name (`prime256v1`, `secp256r1`, `x25519`) to `P-256` / `X25519`. */
export function normalizeGroup(name: string): string {
  return CURVE_NAMES[name.toLowerCase()] ?? name;
}

/** Parses the default (non-quiet) output of `openssl s_client`. */
export function parseOpensslClientOutput(out: string): OpensslClientReport {
  const m = (re: RegExp): string | null => re.exec(out)?.[1] ?? null;
  const newLine = /^(?:New|Reused), (TLSv[\d.]+), Cipher is (\S+)$/m.exec(out);
  let group: string | null = null;
  const tempKey = m(/^Server Temp Key: (.+)$/m);
  if (tempKey !== null) {
    // "X25519, 253 bits" or "ECDH, secp384r1, 384 bits" or "ECDH, prime256v1, 256 bits"
    const parts = tempKey.split(',').map((s) => s.trim());
    group = normalizeGroup(parts[0] === 'ECDH' ? (parts[1] ?? '') : (parts[0] ?? ''));
  }
  const verify = m(/^\s*Verify return code: (\d+)/m);
  return {
    protocol: newLine?.[1] ?? m(/^Protocol version: (\S+)$/m),
    cipher: newLine?.[2] ?? m(/^Ciphersuite: (\S+)$/m),
    group,
    alpn: m(/^ALPN protocol: (.+)$/m),
    peerSignatureType: m(/^Peer signature type: (.+)$/m),
    peerSubject: m(/^ 0 s:(.+)$/m),
    verifyCode: verify === null ? null : Number(verify),
  };
}

/** What `openssl s_server` reports about its (last) handshake. */
export interface OpensslServerReport {
  /** From "CIPHER is ...". */
  cipher: string | null;
  /** "Shared groups: x25519:secp384r1" normalized, in the server's order. */
  sharedGroups: string[];
  /** The group of the last ServerHello key_share (needs `trace`), normalized. */
  group: string | null;
  /** A HelloRetryRequest was sent: two ClientHellos on one connection (needs `trace`). */
  helloRetried: boolean;
  /** "ALPN protocols selected: h2", or null. */
  alpn: string | null;
  /** "ALPN protocols advertised by the client: h2, http/1.1". */
  clientAlpn: string[];
  /** SNI the client sent ("Hostname in TLS extension"), printed when `sni` is configured. */
  sni: string | null;
  /** "Switching server context." printed: the SNI certificate was chosen. */
  switchedContext: boolean;
  /** KeyUpdate messages sent and received, in order (needs `trace`). */
  keyUpdates: TracedKeyUpdate[];
}

/** A KeyUpdate seen in `-trace` output. */
export interface TracedKeyUpdate {
  dir: 'sent' | 'received';
  /** update_requested (true) or update_not_requested (false). */
  requested: boolean;
}

/** The KeyUpdate messages in the `-trace` output of s_server or s_client, in order. */
export function parseTraceKeyUpdates(out: string): TracedKeyUpdate[] {
  const found: TracedKeyUpdate[] = [];
  let dir: 'sent' | 'received' | null = null;
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const rec = /^(Sent|Received) Record$/.exec(line);
    if (rec) dir = rec[1] === 'Sent' ? 'sent' : 'received';
    else if (dir !== null && /^\s+KeyUpdate, Length=1$/.test(line)) {
      const next = lines[i + 1] ?? '';
      if (/update_(?:not_)?requested/.test(next)) found.push({ dir, requested: !/not_requested/.test(next) });
    }
  }
  return found;
}

/** Parses the output of a non-quiet `openssl s_server` that handled one connection. */
export function parseOpensslServerOutput(out: string): OpensslServerReport {
  const m = (re: RegExp): string | null => re.exec(out)?.[1] ?? null;
  const shared = m(/^Shared groups: (.*)$/m);
  const shares = [...out.matchAll(/^\s*ServerHello, Length=\d+[\s\S]*?extension_type=key_share\(51\)[^\n]*\n\s*NamedGroup: (\S+)/gm)];
  const lastShare = shares.at(-1)?.[1] ?? null;
  const clientHellos = out.match(/^\s*ClientHello, Length=/gm)?.length ?? 0;
  const clientAlpn = m(/^ALPN protocols advertised by the client: (.*)$/m);
  return {
    cipher: m(/^CIPHER is (\S+)$/m),
    sharedGroups: shared === null || shared === 'NONE' ? [] : shared.split(':').map(normalizeGroup),
    group: lastShare === null ? null : normalizeGroup(lastShare.replace(/^ecdh_/, '')),
    helloRetried: clientHellos >= 2,
    alpn: m(/^ALPN protocols selected: (.+)$/m),
    clientAlpn: clientAlpn === null ? [] : clientAlpn.split(',').map((s) => s.trim()),
    sni: m(/^Hostname in TLS extension: "(.*)"$/m),
    switchedContext: /^Switching server context\.$/m.test(out),
    keyUpdates: parseTraceKeyUpdates(out),
  };
}

// ---------------------------------------------------------------------------------------------
// node:tls peers

/** What a node:tls socket negotiated, recorded at 'secureConnection' (before it can close). */
export interface NodeHandshakeInfo {
  protocol: string | null;
  cipher: string;
  alpn: string | null;
  /** SNI the client sent (server side), or null. */
  servername: string | null;
  /** Key-exchange group as Node reports it (client side: `getEphemeralKeyInfo()`), normalized. */
  group: string | null;
}

/** Records a socket's negotiated parameters now. */
export function handshakeInfo(s: tls.TLSSocket): NodeHandshakeInfo {
  const sn = (s as tls.TLSSocket & { servername?: string | false }).servername;
  const eph = s.getEphemeralKeyInfo() as { name?: string } | null;
  return {
    protocol: s.getProtocol(),
    cipher: s.getCipher().standardName,
    alpn: typeof s.alpnProtocol === 'string' ? s.alpnProtocol : null,
    servername: typeof sn === 'string' ? sn : null,
    group: eph && typeof eph.name === 'string' ? normalizeGroup(eph.name) : null,
  };
}

/** A running node:tls server. */
export interface NodeTlsServer {
  readonly port: number;
  readonly server: tls.Server;
  /** Sockets that completed the handshake, in order. */
  readonly sockets: tls.TLSSocket[];
  /** What each of `sockets` negotiated, recorded at handshake time. */
  readonly handshakes: NodeHandshakeInfo[];
  /** Resolves with the next socket to complete the handshake. */
  nextConnection(timeoutMs?: number): Promise<tls.TLSSocket>;
  /** Handshake errors seen (`tlsClientError`). */
  readonly clientErrors: Error[];
  stop(): Promise<void>;
}

/**
 * Starts a node:tls server on 127.0.0.1:0. `onSecure` handles each connection; by default the
 * server echoes what it receives (and ends when the client ends).
 */
export async function startNodeTlsServer(
  options: tls.TlsOptions,
  onSecure: (socket: tls.TLSSocket) => void = (s) => s.pipe(s),
): Promise<NodeTlsServer> {
  const sockets: tls.TLSSocket[] = [];
  const handshakes: NodeHandshakeInfo[] = [];
  const live = new Set<net.Socket>();
  const clientErrors: Error[] = [];
  const queue: tls.TLSSocket[] = [];
  const waiting: Array<(s: tls.TLSSocket) => void> = [];
  const server = tls.createServer(options, (s) => {
    sockets.push(s);
    handshakes.push(handshakeInfo(s));
    s.on('error', () => {}); // tests look at the outcome, not at resets
    onSecure(s);
    const w = waiting.shift();
    if (w) w(s);
    else queue.push(s);
  });
  server.on('connection', (s: net.Socket) => {
    live.add(s);
    s.once('close', () => live.delete(s));
  });
  server.on('tlsClientError', (e) => clientErrors.push(e));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const stop = async (): Promise<void> => {
    stoppers.delete(stop);
    for (const s of live) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  stoppers.add(stop);
  return {
    port,
    server,
    sockets,
    handshakes,
    clientErrors,
    nextConnection: (timeoutMs = DEFAULT_TIMEOUT_MS) => {
      const s = queue.shift();
      if (s) return Promise.resolve(s);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no TLS connection completed in time')), timeoutMs);
        waiting.push((x) => {
          clearTimeout(t);
          resolve(x);
        });
      });
    },
    stop,
  };
}

/**
 * node:tls client to 127.0.0.1:`port`: resolves on 'secureConnect', rejects on an error before
 * it. The socket is destroyed at cleanup if the test did not.
 */
export function nodeTlsConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    const stop = async (): Promise<void> => {
      socket.destroy();
    };
    stoppers.add(stop);
    socket.once('close', () => stoppers.delete(stop));
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Collects everything `stream` emits until 'end' (or 'close'). */
export function readAll(stream: NodeJS.ReadableStream, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error(`readAll: no end after ${timeoutMs} ms (${chunks.reduce((n, c) => n + c.length, 0)} bytes read)`)), timeoutMs);
    const finish = (): void => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    };
    stream.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Reads exactly `n` bytes from `stream` (leaves the stream flowing; later data is dropped). */
export function readBytes(stream: NodeJS.ReadableStream, n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const cleanup = (): void => {
      clearTimeout(t);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onErr);
    };
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`readBytes: ${got} of ${n} bytes after ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (c: Buffer | string): void => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      chunks.push(b);
      got += b.length;
      if (got >= n) {
        cleanup();
        resolve(Buffer.concat(chunks).subarray(0, n));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`readBytes: stream ended after ${got} of ${n} bytes`));
    };
    const onErr = (e: Error): void => {
      cleanup();
      reject(e);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onErr);
  });
}

// ---------------------------------------------------------------------------------------------
// Byte-at-a-time proxy

/** A TCP proxy on 127.0.0.1 that forwards in tiny writes. */
export interface ByteProxy {
  readonly port: number;
  /** Bytes forwarded client->server and server->client so far. */
  readonly forwarded: { up: number; down: number };
  stop(): Promise<void>;
}

/**
 * Starts a proxy to 127.0.0.1:`targetPort` that forwards each direction `chunkSize` bytes
 * (default 1) per write, with Nagle off and a macrotask between writes, so the far end sees
 * (mostly) one byte per read. Slow by design: use it for handshakes and a few KiB.
 */
export async function startByteProxy(targetPort: number, chunkSize = 1): Promise<ByteProxy> {
  const live = new Set<net.Socket>();
  const forwarded = { up: 0, down: 0 };
  const pump = (from: net.Socket, to: net.Socket, dir: 'up' | 'down'): void => {
    const queue: Buffer[] = [];
    let busy = false;
    let ended = false;
    const step = (): void => {
      const head = queue[0];
      if (!head) {
        busy = false;
        if (ended) to.end();
        return;
      }
      busy = true;
      const piece = head.subarray(0, chunkSize);
      if (head.length <= chunkSize) queue.shift();
      else queue[0] = head.subarray(chunkSize);
      forwarded[dir] += piece.length;
      if (to.destroyed) return;
      to.write(piece, () => setImmediate(step));
    };
    from.on('data', (b: Buffer) => {
      queue.push(b);
      if (!busy) step();
    });
    from.once('end', () => {
      ended = true;
      if (!busy) step();
    });
  };
  // Half-open on both legs: a client's FIN travels on while the reply still flows back.
  const server = net.createServer({ allowHalfOpen: true }, (down) => {
    const up = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const s of [down, up]) {
      s.setNoDelay(true);
      live.add(s);
      s.on('error', () => {
        down.destroy();
        up.destroy();
      });
      s.once('close', () => live.delete(s));
    }
    pump(down, up, 'up');
    pump(up, down, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const stop = async (): Promise<void> => {
    stoppers.delete(stop);
    for (const s of live) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  stoppers.add(stop);
  return { port, forwarded, stop };
}

// ---------------------------------------------------------------------------------------------
// Test data

/**
 * `n` bytes of deterministic data that is safe to pipe through s_server/s_client stdin: only
 * digits, 'a'..'j' minus 'c' and newlines, so no read chunk can start with a command letter
 * (Q q R r k K c P S ...).
 */
export function safeStreamData(n: number, seed = 1): Buffer {
  const alphabet = Buffer.from('0123456789abdefghij');
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = i % 64 === 63 ? 0x0a : alphabet[x % alphabet.length]!;
  }
  return out;
}
