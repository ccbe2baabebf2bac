/**
 * Where the handshake latency tail comes from (issue 5, the p99 target): connect-to-first-byte
 * latency of handshakes one at a time, next to every garbage collection in the client and the
 * server process (`PerformanceObserver` 'gc' entries, wall-clock aligned across processes).
 *
 *   node --import tsx bench/latency-tail.ts [--impl both|typetls|node] [--mode resume13|full] [--rounds 25] [--per-round 200] [--top 20]
 *
 * Each stack runs as the bench runs it (bench/endpoints.ts: same certificates, suite, group and
 * ticket rules): the client here, the server in a child process. A round is `per-round`
 * measured handshakes (resume13: after priming one ticket per measured connection with full
 * handshakes, unmeasured, as the bench does). The first third of the rounds warm the JIT and
 * are not reported. Printed per stack: p50/p90/p99/max, the GC pauses of each process over the
 * reported window (scavenges, and other pauses: mark-compact, incremental
 * marking steps, weak callbacks) with their pause sums, and how many of the slowest 2 % of
 * handshakes overlapped a GC pause in either process (`--top N` lists the slowest N with them).
 */
import { fork } from 'node:child_process';
import { PerformanceObserver, constants as perfConstants, performance, type PerformanceEntry } from 'node:perf_hooks';
import process from 'node:process';
import type { Duplex } from 'node:stream';
import { generateCerts, type BenchCerts } from './certs.ts';
import { makeClient, startServer } from './endpoints.ts';
import type { Impl, TlsParams } from './protocol.ts';
import { CHILD_EXEC_ARGV } from './child-process-args.ts';

type Mode = 'resume13' | 'full';

/**
 * One GC pause: wall-clock start (ms since the epoch, shared by both processes), length, and
 * whether it was a scavenge (young generation) or another kind (mark-compact, incremental
 * marking, weak callbacks).
 */
interface Pause {
  readonly at: number;
  readonly ms: number;
  readonly scavenge: boolean;
}

function watchGc(): Pause[] {
  const pauses: Pause[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
      pauses.push({ at: performance.timeOrigin + e.startTime, ms: e.duration, scavenge: e.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR });
    }
  }).observe({ entryTypes: ['gc'] });
  return pauses;
}

interface ServerInit {
  readonly impl: Impl;
  readonly certs: BenchCerts;
  readonly mode: Mode;
}

function params(impl: Impl, certs: BenchCerts, mode: Mode): TlsParams {
  return { impl, certs, certKind: 'ecdsa', suite: 'TLS_AES_128_GCM_SHA256', bulkBytes: 0, resumption: mode === 'resume13' ? 'tls13-psk' : 'none' };
}

/** The child: the bench's server for the stack, sending one byte per established connection. */
async function runServer(init: ServerInit): Promise<void> {
  const pauses = watchGc();
  const server = await startServer(params(init.impl, init.certs, init.mode), (s: Duplex) => {
    s.on('data', ignore);
    s.on('end', () => s.end());
    s.write('x');
  });
  const send = (m: unknown): void => void process.send?.(m);
  process.on('message', (m: { tickets?: boolean; pauses?: boolean; stop?: boolean }) => {
    if (m.tickets !== undefined) {
      server.issueTickets(m.tickets);
      send({ ok: true });
    }
    if (m.pauses === true) send({ pauses });
    if (m.stop === true) void server.close().then(() => process.exit(0));
  });
  send({ port: server.port });
}

const ignore = (): void => {};

interface Sample {
  readonly at: number;
  readonly ms: number;
}

interface TailReport {
  readonly latencies: readonly Sample[];
  readonly client: readonly Pause[];
  readonly server: readonly Pause[];
}

async function measure(impl: Impl, certs: BenchCerts, mode: Mode, rounds: number, perRound: number): Promise<TailReport> {
  const clientPauses = watchGc();
  const child = fork(new URL(import.meta.url).pathname, ['--server'], { execArgv: [...CHILD_EXEC_ARGV] });
  // One reply per request; a server that dies fails the request waiting for it.
  let waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void } | null = null;
  child.on('message', (m) => waiting?.resolve(m));
  child.on('exit', (code) => waiting?.reject(new Error(`latency-tail server exited with ${String(code)}`)));
  const next = <T>(): Promise<T> => new Promise<T>((resolve, reject) => {
    waiting = { resolve: (m) => resolve(m as T), reject };
  });
  try {
    child.send({ impl, certs, mode } satisfies ServerInit);
    const { port } = await next<{ port: number }>();
    const client = await makeClient(params(impl, certs, mode), port);
    const one = (resume: boolean): Promise<number> => new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const s = client.open(resume);
      s.on('error', reject);
      s.once('data', () => {
        const ms = performance.now() - t0;
        if (resume && !client.resumed(s)) reject(new Error(`${impl}: a connection offering a ticket did not resume`));
        s.end();
        resolve(ms);
      });
      s.on('end', ignore);
    });
    const latencies: Sample[] = [];
    const warmRounds = Math.floor(rounds / 3);
    let windowStart = Infinity;
    for (let r = 0; r < rounds; r++) {
      if (mode === 'resume13') {
        child.send({ tickets: true });
        await next();
        while (client.sessions() < perRound) await one(false);
        child.send({ tickets: false });
        await next();
      }
      if (r === warmRounds) windowStart = performance.timeOrigin + performance.now();
      for (let i = 0; i < perRound; i++) {
        const at = performance.timeOrigin + performance.now();
        const ms = await one(mode === 'resume13');
        if (r >= warmRounds) latencies.push({ at, ms });
      }
    }
    child.send({ pauses: true });
    const { pauses } = await next<{ pauses: Pause[] }>();
    child.send({ stop: true });
    const inWindow = (p: readonly Pause[]): Pause[] => p.filter((x) => x.at >= windowStart);
    return { latencies, client: inWindow(clientPauses), server: inWindow(pauses) };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

function overlapping(pauses: readonly Pause[], s: Sample): Pause[] {
  return pauses.filter((p) => p.at + p.ms >= s.at && p.at <= s.at + s.ms);
}

function describe(p: readonly Pause[]): string {
  const minor = p.filter((x) => x.scavenge), other = p.filter((x) => !x.scavenge);
  const sum = (a: readonly Pause[]): string => a.reduce((t, x) => t + x.ms, 0).toFixed(1);
  return `${minor.length} scavenges (${sum(minor)} ms), ${other.length} other pauses (${sum(other)} ms)`;
}

function report(name: string, r: TailReport, top: number): void {
  const sorted = r.latencies.map((s) => s.ms).sort((a, b) => a - b);
  const q = (f: number): string => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!.toFixed(2);
  console.log(`${name}: ${sorted.length} handshakes, latency ms p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${sorted[sorted.length - 1]!.toFixed(2)}`);
  console.log(`  client GC: ${describe(r.client)}`);
  console.log(`  server GC: ${describe(r.server)}`);
  const slowest = [...r.latencies].sort((a, b) => b.ms - a.ms);
  const tail = slowest.slice(0, Math.max(1, Math.ceil(r.latencies.length / 50)));
  const hit = tail.filter((s) => overlapping(r.client, s).length + overlapping(r.server, s).length > 0).length;
  console.log(`  slowest 2 % (${tail.length}): ${hit} overlapped a GC pause in either process`);
  for (const s of slowest.slice(0, top)) {
    const fmt = (p: Pause[]): string => (p.length === 0 ? '-' : p.map((x) => `${x.scavenge ? 'scavenge' : 'other'} ${x.ms.toFixed(1)} ms`).join(', '));
    console.log(`    ${s.ms.toFixed(2).padStart(7)} ms   client GC: ${fmt(overlapping(r.client, s))}   server GC: ${fmt(overlapping(r.server, s))}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const which = opt('--impl', 'both');
  const impls: Impl[] = which === 'both' ? ['typetls', 'node'] : which === 'typetls' || which === 'node' ? [which] : [];
  if (impls.length === 0) throw new Error(`--impl expects both, typetls or node, saw ${which}`);
  const mode = opt('--mode', 'resume13');
  if (mode !== 'resume13' && mode !== 'full') throw new Error(`--mode expects resume13 or full, saw ${mode}`);
  const rounds = Number(opt('--rounds', '25'));
  const perRound = Number(opt('--per-round', '200'));
  const top = Number(opt('--top', '0'));
  for (const [n, v] of [['--rounds', rounds], ['--per-round', perRound], ['--top', top]] as const) {
    if (!Number.isInteger(v) || v < 0 || (n !== '--top' && v === 0)) throw new Error(`${n} expects a positive count, saw ${String(v)}`);
  }
  const { certs, cleanup } = generateCerts();
  try {
    console.log(`TLS 1.3 ${mode === 'resume13' ? 'resumed (PSK + X25519)' : 'full'} handshakes one at a time, ECDSA server, ${rounds} rounds of ${perRound} (the first ${Math.floor(rounds / 3)} not reported)`);
    for (const impl of impls) report(impl === 'node' ? 'node:tls' : 'typetls', await measure(impl, certs, mode, rounds, perRound), top);
  } finally {
    cleanup();
  }
}

if (process.argv.includes('--server')) {
  process.once('message', (init: ServerInit) => void runServer(init));
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
