/**
 * Where one side's CPU goes per handshake over real sockets (issue 5, item 3: "show, with
 * profiles, which part of the remaining cost sits inside node:crypto").
 *
 *   node --import tsx bench/cpu-split.ts [server|client] [--mode full|resume13] [--n 1500] [--kind ecdsa] [--detail | --top N] [--save PREFIX] [--warmup 2000]
 *
 * Clients are the bench's (endpoints.ts). A resumed client (`client --mode resume13`) primes one
 * ticket per measured connection before the window, as the bench does (node:tls' server sends two
 * per full handshake and none per resumed one; each is used once), so `--n` is at most 1024 there
 * (its default).
 * The measured side is typetls in this process, profiled by V8's sampling profiler (through
 * node:inspector) over the measured window only; the peer is node:tls in a child process.
 * Every sample is put in one bucket by its stack (profile-split.ts lists the rules: node:crypto,
 * typetls engine JS, adapter JS, Node's stream/net code, GC, ...).
 * The profiler costs CPU itself and inflates JS against native code: the CPU per handshake comes
 * from a second, unprofiled window (`process.cpuUsage`), and each bucket's µs is its profile
 * share of that figure; `--detail` lists the top 8 functions of each bucket (`--top N`: N); `--save PREFIX`
 * writes the profile (PREFIX-side-mode.cpuprofile, for Chrome DevTools).
 * For comparison, the same run measures node:tls on the same side (in a child process, no
 * profiler) and a bare TCP exchange of the same shape (plain net, no TLS).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer as createNetServer, type Server } from 'node:net';
import process from 'node:process';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { createTicketer } from '../src/core/server/ticketer.ts';
import { createServer, type TlsSocket } from '../src/node/index.ts';
import { nodeCryptoProvider } from '../src/providers/node/index.ts';
import { generateCerts, type BenchCerts, type CertKind } from './certs.ts';
import { makeClient, MAX_SESSIONS, type BenchClient } from './endpoints.ts';
import { detailCount, printSplit, split, startProfiler, type CpuProfile, type Profiler, type Split } from './profile-split.ts';
import { CHILD_EXEC_ARGV } from './child-process-args.ts';

// ---- child process: the node:tls peer (or the bare TCP peer, or node:tls on the measured side) ----

interface PeerInit {
  readonly role: 'tls-server' | 'tls-client' | 'net-server' | 'net-client';
  readonly certs: BenchCerts;
  readonly kind: CertKind;
  readonly mode: Mode;
  readonly port: number;
  readonly n: number;
  readonly warmup: number;
}

type Mode = 'full' | 'resume13';

/**
 * Both stacks pinned to the bench's TLS 1.3 suite and group (OpenSSL's client would offer AES-256
 * first; typetls' client would also send an X25519MLKEM768 key share, ~0.7 ms of JS ML-KEM on Node 20).
 */
const SUITE = 'TLS_AES_128_GCM_SHA256';

/**
 * Connections before each measured window: V8 keeps optimising typetls' once-per-handshake
 * functions for the first ~1,500 handshakes of a process (BENCHMARKS.md, "JIT warm-up").
 */
const DEFAULT_WARMUP = 2000;
/** This process's warm-up count (`--warmup N`; peers get the parent's). */
let warmup = DEFAULT_WARMUP;

/** Server side of a connection as the bench does it: send one byte once secure, then end. */
function serveOne(s: Duplex): void {
  s.on('error', ignore);
  s.on('data', ignore);
  s.end('x');
}

const ignore = (): void => {};

/** Runs `n` + `warmup` connections one at a time; `open` returns a socket that closes when done. */
async function sequential(n: number, open: (i: number) => Duplex, measured: (started: boolean) => void): Promise<void> {
  for (let i = 0; i < n + warmup; i++) {
    if (i === warmup) measured(true);
    await untilClosed(open(i));
  }
  measured(false);
}

/** Resolves once `s` has closed; reads and errors are ignored. */
function untilClosed(s: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    s.on('error', ignore);
    s.on('data', ignore);
    s.on('close', () => resolve());
  });
}

/** The child's part: a peer that serves or connects until told to stop. */
async function runPeer(init: PeerInit): Promise<void> {
  warmup = init.warmup;
  const id = init.certs.servers[init.kind];
  const send = (m: unknown): void => void process.send?.(m);
  if (init.role === 'tls-server' || init.role === 'net-server') {
    let cpu0 = process.cpuUsage();
    let count = 0;
    const onConn = (s: Duplex): void => {
      count++;
      if (count === warmup) cpu0 = process.cpuUsage();
      serveOne(s);
    };
    const srv = init.role === 'tls-server'
      ? tls.createServer({ cert: id.chainPem, key: id.keyPem, minVersion: 'TLSv1.3', ciphers: SUITE, ecdhCurve: 'X25519' }, onConn)
      : createNetServer((s) => {
        // The same shape as a TLS 1.3 handshake: read the "ClientHello", answer a flight,
        // read the "Finished", send one byte and end.
        let reads = 0;
        s.on('data', () => {
          reads++;
          if (reads === 1) s.write(FLIGHT);
          else if (reads === 2) onConn(s);
        });
        s.on('error', ignore);
      });
    srv.listen(0, '127.0.0.1', () => send({ port: (srv.address() as { port: number }).port }));
    process.on('message', (m: { stop?: boolean }) => {
      if (m.stop === true) {
        const d = process.cpuUsage(cpu0);
        send({ cpuPerConn: (d.user + d.system) / Math.max(1, count - warmup) });
        process.exit(0);
      }
    });
    return;
  }
  // Clients: node:tls (the peer of a measured typetls server, or node:tls measured as a client).
  let session: Buffer | undefined;
  let cpu0 = process.cpuUsage();
  let cpuPerConn = 0;
  const open = (i: number): Duplex => {
    if (init.role === 'net-client') {
      const s = createConnection(init.port, '127.0.0.1', () => s.write(HELLO));
      let reads = 0;
      s.on('data', () => {
        reads++;
        if (reads === 1) s.write(FINISHED);
      });
      s.on('end', () => s.end());
      return s;
    }
    const resume = init.mode === 'resume13' && i > 0 && session !== undefined;
    const s = tls.connect({ host: '127.0.0.1', port: init.port, servername: 'localhost', ca: init.certs.caPem, minVersion: 'TLSv1.3', ciphers: SUITE, ecdhCurve: 'X25519', ...(resume ? { session } : {}) });
    if (init.mode === 'resume13') s.once('session', (b: Buffer) => { session ??= b; });
    s.on('end', () => s.end());
    return s;
  };
  await sequential(init.n, open, (started) => {
    if (started) cpu0 = process.cpuUsage();
    else {
      const d = process.cpuUsage(cpu0);
      cpuPerConn = (d.user + d.system) / init.n;
    }
  });
  send({ cpuPerConn });
  process.exit(0);
}

// Sizes of a TLS 1.3 ECDSA handshake's flights on the wire (measured with the bench's
// certificates), for the bare TCP comparison.
const HELLO = Buffer.alloc(250);
const FLIGHT = Buffer.alloc(1100);
const FINISHED = Buffer.alloc(80);

// ---- parent: the measured typetls side ----

function startPeer(init: Omit<PeerInit, 'warmup'>): { child: ChildProcess; message: <T>() => Promise<T> } {
  const child = fork(new URL(import.meta.url).pathname, ['--peer'], { execArgv: [...CHILD_EXEC_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ ...init, warmup });
  const queue: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w !== undefined) w(m);
    else queue.push(m);
  });
  const message = <T>(): Promise<T> => new Promise<T>((resolve, reject) => {
    if (queue.length > 0) {
      resolve(queue.shift() as T);
      return;
    }
    waiters.push((m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`peer exited (${String(code)}) before answering`)));
  });
  return { child, message };
}

interface SideRun {
  readonly cpuPerConn: number;
  /** Profile µs per bucket, and per function in each bucket; null when not profiled. */
  readonly profile: Split | null;
  readonly resumed: number;
}

type Impl = 'typetls' | 'node:tls';

/** A server of `impl` for the measured side, calling `onSecure` per established connection. */
function measuredServer(impl: Impl, mode: Mode, id: BenchCerts['servers'][CertKind], onSecure: (s: Duplex, resumed: boolean) => void): Server {
  if (impl === 'node:tls') {
    // node:tls issues two TLS 1.3 tickets after a full handshake and none after a resumed one.
    return tls.createServer({ cert: id.chainPem, key: id.keyPem, minVersion: 'TLSv1.3', ciphers: SUITE, ecdhCurve: 'X25519' }, (s) => onSecure(s, s.isSessionReused()));
  }
  const ticketer = mode === 'resume13' ? createTicketer({ provider: nodeCryptoProvider }) : null;
  const srv = createServer({
    cert: id.chainPem, key: id.keyPem, minVersion: 'TLSv1.3', cipherSuites: [SUITE], groups: ['x25519'], keyLog: null, certificateCompression: 'none',
    ...(ticketer !== null ? { ticketer, ticketsToSend: 2, ticketsAfterResumption: 0 } : {}),
  });
  srv.on('secureConnection', (s: TlsSocket) => onSecure(s, s.negotiated?.resumed === true));
  return srv;
}

/**
 * The bench's own client of `impl` (bench/endpoints.ts: node:tls with one shared SecureContext,
 * typetls with its session store; each TLS 1.3 ticket used once on both, RFC 8446 C.4).
 */
function measuredClient(impl: Impl, mode: Mode, certs: BenchCerts, kind: CertKind, port: number): Promise<BenchClient> {
  return makeClient({ impl: impl === 'node:tls' ? 'node' : 'typetls', certs, certKind: kind, suite: SUITE, bulkBytes: 0, resumption: mode === 'resume13' ? 'tls13-psk' : 'none' }, port);
}

/** One measured window of `impl` on `side` in this process; with `profiling`, under the sampling profiler. */
async function measureSide(impl: Impl, side: 'server' | 'client', mode: Mode, n: number, kind: CertKind, certs: BenchCerts, profiling: boolean, saveTo: string | null = null): Promise<SideRun> {
  let cpu0 = process.cpuUsage();
  let cpuPerConn = 0;
  let resumed = 0;
  let profiler: Profiler | null = null;
  // Without the profiler this runs to the end at once (no await), so the window opens exactly here.
  const start = async (): Promise<void> => {
    if (profiling) profiler = await startProfiler();
    cpu0 = process.cpuUsage();
  };
  let profile: CpuProfile | null = null;
  const stop = async (count: number): Promise<void> => {
    const d = process.cpuUsage(cpu0);
    cpuPerConn = (d.user + d.system) / count;
    if (profiler !== null) profile = await profiler.stop();
  };
  if (side === 'server') {
    let count = 0;
    let started: Promise<void> | null = null;
    let done: () => void = ignore;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    const srv = measuredServer(impl, mode, certs.servers[kind], (s, wasResumed) => {
      count++;
      if (count === warmup + 1) started = start();
      if (count > warmup && wasResumed) resumed++;
      if (count === warmup + n) s.on('close', done);
      serveOne(s);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const peer = startPeer({ role: 'tls-client', certs, kind, mode, port: (srv.address() as { port: number }).port, n });
    await finished;
    await started;
    await stop(n);
    await peer.message();
    srv.close();
  } else {
    const peer = startPeer({ role: 'tls-server', certs, kind, mode, port: 0, n });
    const { port } = await peer.message<{ port: number }>();
    const client = await measuredClient(impl, mode, certs, kind, port);
    const resume13 = mode === 'resume13';
    let measuring = false;
    const one = (resume: boolean): Promise<void> => {
      const s = client.open(resume);
      s.once('secureConnect', () => {
        if (measuring && client.resumed(s)) resumed++;
      });
      s.on('end', () => s.end());
      return untilClosed(s);
    };
    // Warm-up: resume while a ticket is kept, else a full handshake (which brings two). Before
    // the window, full handshakes until a ticket is kept per measured connection, as the bench
    // primes; every measured connection then offers one.
    for (let i = 0; i < warmup; i++) await one(resume13 && client.sessions() > 0);
    if (resume13) while (client.sessions() < n) await one(false);
    measuring = true;
    await start();
    for (let i = 0; i < n; i++) await one(resume13);
    await stop(n);
    peer.child.send({ stop: true });
    await peer.message();
  }
  if (profile === null) return { cpuPerConn, profile: null, resumed };
  if (saveTo !== null) writeFileSync(saveTo, JSON.stringify(profile));
  return { cpuPerConn, profile: split(profile), resumed };
}

/** CPU per connection on `side` of a bare TCP exchange with the same flights (both ends children). */
async function measureBareTcp(side: 'server' | 'client', mode: Mode, n: number, certKind: CertKind, certs: BenchCerts): Promise<number> {
  const server = startPeer({ role: 'net-server', certs, kind: certKind, mode, port: 0, n });
  const { port } = await server.message<{ port: number }>();
  const client = startPeer({ role: 'net-client', certs, kind: certKind, mode, port, n });
  const c = await client.message<{ cpuPerConn: number }>();
  server.child.send({ stop: true });
  const s = await server.message<{ cpuPerConn: number }>();
  return side === 'server' ? s.cpuPerConn : c.cpuPerConn;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const sides = argv[0] === 'server' || argv[0] === 'client' ? [argv[0]] as const : ['server', 'client'] as const;
  const mode = opt('--mode', 'full') as Mode;
  if (mode !== 'full' && mode !== 'resume13') throw new Error(`--mode expects full or resume13, saw ${mode}`);
  // A resumed client keeps a ticket per measured connection, at most MAX_SESSIONS (endpoints.ts).
  const clientResumes = mode === 'resume13' && sides.includes('client');
  const n = Number(opt('--n', clientResumes ? String(MAX_SESSIONS) : '1500'));
  if (clientResumes && n > MAX_SESSIONS) throw new Error(`--n: a resumed client measures at most ${MAX_SESSIONS} connections (one kept ticket each), saw ${n}`);
  const kind = opt('--kind', 'ecdsa') as CertKind;
  const top = detailCount(argv);
  const save = opt('--save', '');
  warmup = Number(opt('--warmup', String(DEFAULT_WARMUP)));
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup expects a count, saw ${opt('--warmup', '')}`);
  const { certs, cleanup } = generateCerts();
  try {
    for (const side of sides) {
      const bare = await measureBareTcp(side, mode, n, kind, certs);
      // Unprofiled windows first (the CPU figures), then profiled ones (the shares), A B A B.
      const nodeRun = await measureSide('node:tls', side, mode, n, kind, certs, false);
      const ourRun = await measureSide('typetls', side, mode, n, kind, certs, false);
      const nodeProf = await measureSide('node:tls', side, mode, n, kind, certs, true, save === '' ? null : `${save}-node-${side}-${mode}.cpuprofile`);
      const ourProf = await measureSide('typetls', side, mode, n, kind, certs, true, save === '' ? null : `${save}-typetls-${side}-${mode}.cpuprofile`);
      console.log(`\n${side}, TLS 1.3 ${mode === 'full' ? 'full' : 'resumed (PSK + X25519)'} handshakes, ${kind} certificate, ${n} connections one at a time`);
      if (mode === 'resume13') console.log(`  resumed: typetls ${ourRun.resumed}/${n}, node:tls ${nodeRun.resumed}/${n} of the measured handshakes`);
      console.log(`  bare TCP, same flights, no TLS:     ${bare.toFixed(0).padStart(6)} µs per connection`);
      printSplit('node:tls', nodeRun.cpuPerConn, 'connection', nodeProf.profile!, top);
      printSplit(`typetls (${(ourRun.cpuPerConn / nodeRun.cpuPerConn).toFixed(2)}x node:tls)`, ourRun.cpuPerConn, 'connection', ourProf.profile!, top);
    }
  } finally {
    cleanup();
  }
}

if (process.argv.includes('--peer')) {
  process.once('message', (init: PeerInit) => void runPeer(init));
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

