/**
 * `npm run bench`: typetls against node:tls, side by side, in the same run (issue 5).
 *
 *   node --import tsx bench/main.ts [--quick] [--reps N] [--filter NAME] [--json FILE] [--svg FILE] [--cpu-prof DIR]
 *   typetls bench [same options]   (the CLI runs this module: from dist/bench when installed)
 *
 * Each scenario starts its worker processes (server and client apart, see worker.ts) for both
 * stacks, runs one warm-up repetition each, then alternates the stacks A B B A ... for every
 * repetition. Every repetition yields a figure for both; the table shows both medians and the
 * median of the per-repetition ratios typetls/node:tls.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { CERT_KINDS, generateCerts, type BenchCerts, type CertKind } from './certs.ts';
import type { Impl, Resumption, TlsParams, TlsVersion, WorkerInit, WorkerMessage, WorkerRequest, WorkResult } from './protocol.ts';
import { formatTable, ratios, toJson, toSvg, type Better, type Row } from './report.ts';
import { median, percentile } from './stats.ts';
import { CHILD_EXEC_ARGV, siblingFile } from './child-process-args.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The worker module: worker.ts through tsx from the sources, worker.js compiled (child-process-args.ts). */
const WORKER = siblingFile(here, 'worker');
const IMPLS: readonly Impl[] = ['typetls', 'node'];
const REQUEST_TIMEOUT_MS = 180_000;

/** Command-line options. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly reps: number;
  readonly filter: string | null;
  readonly json: string | null;
  readonly svg: string | null;
  readonly cpuProf: string | null;
}

/** What `typetls bench --help` (and `npm run bench -- --help`) prints. */
export const BENCH_USAGE = `usage: typetls bench [options]        (from a checkout: npm run bench -- [options])
Runs typetls and node:tls side by side, interleaved over several repetitions, and prints both
figures and the ratio typetls / node:tls per scenario (BENCHMARKS.md says what each one means).
  --quick          3 repetitions of shorter runs (under a minute)
  --reps N         repetitions, 1..100 (default 7; 3 with --quick)
  --filter NAME    one sub-scenario by its exact name (handshake-ecdsa-c1), or every scenario
                   and sub-scenario whose name contains NAME (handshake, bulk-aes128)
  --json FILE      also write every repetition's figures as JSON
  --svg FILE       also write a chart of the ratios
  --cpu-prof DIR   write V8 CPU profiles of the worker processes into DIR`;

/** Parses argv (without node and script). @throws Error on an unknown or incomplete option. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  let quick = false, reps: number | null = null, filter: string | null = null, json: string | null = null, svg: string | null = null, cpuProf: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} expects a value`);
      return v;
    };
    switch (a) {
      case '--quick': quick = true; break;
      case '--reps': reps = Number(value()); break;
      case '--filter': filter = value(); break;
      case '--json': json = value(); break;
      case '--svg': svg = value(); break;
      case '--cpu-prof': cpuProf = value(); break;
      default: throw new Error(`unknown option ${a}; expected --quick, --reps N, --filter NAME, --json FILE, --svg FILE, --cpu-prof DIR (--help explains)`);
    }
  }
  const r = reps ?? (quick ? 3 : 7);
  if (!Number.isInteger(r) || r < 1 || r > 100) throw new Error(`--reps expects an integer 1..100, saw ${String(reps)}`);
  return { quick, reps: r, filter, json, svg, cpuProf };
}

// ---- worker processes ----

/** A request without its id (distributes over the union). */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

const children = new Set<ChildProcess>();

/** One forked worker with request/response over IPC. */
class Worker {
  readonly child: ChildProcess;
  readonly ports: Promise<readonly number[]>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exited: Promise<void>;

  /** `init` may come later (a client's ports): the process starts loading meanwhile. */
  constructor(init: WorkerInit | Promise<WorkerInit>, opts: { gc: boolean; cpuProfDir: string | null }) {
    const execArgv = [...CHILD_EXEC_ARGV];
    if (opts.gc) execArgv.push('--expose-gc');
    if (opts.cpuProfDir !== null) {
      mkdirSync(opts.cpuProfDir, { recursive: true });
      execArgv.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir);
    }
    this.child = fork(WORKER, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', () => {
      children.delete(this.child);
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error('worker exited')); }
      this.pending.clear();
      resolve();
    }));
    this.ports = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`worker exited with ${String(code)} before it was ready`)));
      this.child.on('message', (m: WorkerMessage) => {
        if (m.kind === 'ready') { resolve(m.ports); return; }
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.kind === 'result') p.resolve(m.result);
        else p.reject(new Error(`worker: ${m.message}`));
      });
    });
    this.ports.catch(() => {});
    Promise.resolve(init).then(
      (i) => { if (this.child.connected) this.child.send(i); },
      () => { this.child.kill('SIGKILL'); },
    );
  }

  request(r: RequestBody): Promise<WorkResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`worker request ${r.cmd} timed out`)); }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...r, id } as WorkerRequest);
    });
  }

  /** Asks the worker to close everything and exit; kills it after 10 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ id: 0, cmd: 'exit' } satisfies WorkerRequest);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

// ---- scenarios ----

interface Counts {
  readonly hsSerial: number;
  readonly hsParallel: number;
  readonly bulkBytes: number;
  readonly idleConnections: number;
  readonly memHandshakes: number;
  /**
   * Handshakes each process does before the measured repetitions, after the cold measurement:
   * V8 keeps optimising typetls' once-per-handshake functions for the first ~1,500 handshakes
   * of a process (BENCHMARKS.md, "JIT warm-up"), and a long-running server is past that.
   */
  readonly jitWarmup: number;
}

const FULL: Counts = { hsSerial: 200, hsParallel: 400, bulkBytes: 64 << 20, idleConnections: 1000, memHandshakes: 200, jitWarmup: 2000 };
const QUICK: Counts = { hsSerial: 16, hsParallel: 32, bulkBytes: 4 << 20, idleConnections: 100, memHandshakes: 16, jitWarmup: 0 };

interface Ctx {
  readonly certs: BenchCerts;
  readonly counts: Counts;
  readonly cpuProf: string | null;
}

/** A metric a sub-scenario yields per repetition. */
interface MetricSpec {
  readonly metric: string;
  readonly unit: string;
  readonly better: Better;
}

/**
 * One stack's running processes for a scenario; `rep()` measures one repetition. `warmUp()`, when
 * present, replaces the discarded first repetition and may yield figures of its own (measured
 * once, e.g. the cold start).
 */
interface Runner {
  rep(): Promise<Map<string, number>>;
  warmUp?(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** A group of sub-scenarios sharing processes. */
interface Scenario {
  readonly name: string;
  /** Sub-scenario names (table rows are grouped by these) and the metrics each yields. */
  readonly subs: Readonly<Record<string, readonly MetricSpec[]>>;
  /** Start fresh processes for every repetition (memory figures). */
  readonly freshPerRep: boolean;
  /**
   * Set when the node:tls column holds another typetls configuration (says which): its rows
   * carry this as their note and stay out of the typetls/node:tls summary.
   */
  readonly baseline?: string;
  start(impl: Impl, subs: readonly string[], ctx: Ctx): Promise<Runner>;
}

const key = (sub: string, metric: string): string => `${sub}\u0000${metric}`;

function profDir(ctx: Ctx, scenario: string, impl: Impl, role: string): string | null {
  return ctx.cpuProf === null ? null : join(ctx.cpuProf, scenario, `${impl}-${role}`);
}

/** Starts a server and a client worker (both processes load at once; the client gets the ports when the server has them). */
async function startPair(ctx: Ctx, scenario: string, params: TlsParams, mode: 'hello' | 'bulk', gc: boolean): Promise<{ server: Worker; client: Worker }> {
  const server = new Worker({ role: 'server', params, mode }, { gc, cpuProfDir: profDir(ctx, scenario, params.impl, 'server') });
  const client = new Worker(server.ports.then((ports): WorkerInit => ({ role: 'client', params, ports })), { gc, cpuProfDir: profDir(ctx, scenario, params.impl, 'client') });
  try {
    await server.ports;
    await client.ports;
    return { server, client };
  } catch (e) {
    await client.close();
    await server.close();
    throw e;
  }
}

const HS_METRICS_SERIAL: readonly MetricSpec[] = [
  { metric: 'handshakes/s', unit: '1/s', better: 'higher' },
  { metric: 'server CPU per handshake', unit: 'µs', better: 'lower' },
  { metric: 'client CPU per handshake', unit: 'µs', better: 'lower' },
  { metric: 'latency p50', unit: 'ms', better: 'lower' },
  { metric: 'latency p99', unit: 'ms', better: 'lower' },
];
const HS_METRICS_PARALLEL = HS_METRICS_SERIAL.slice(0, 3);
/** Measured once per process, before the JIT warm-up: what a fresh process pays. */
const HS_METRICS_COLD: readonly MetricSpec[] = [
  { metric: 'server CPU per handshake, cold process', unit: 'µs', better: 'lower' },
  { metric: 'client CPU per handshake, cold process', unit: 'µs', better: 'lower' },
];

const SUITES: Readonly<Record<string, string>> = {
  aes128: 'TLS_AES_128_GCM_SHA256',
  aes256: 'TLS_AES_256_GCM_SHA384',
  chacha: 'TLS_CHACHA20_POLY1305_SHA256',
};
/** TLS 1.2 suites by the same keys (ECDSA server certificates; issue 5: ECDHE-ECDSA-AES128-GCM). */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  aes128: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
};

/** What a handshake scenario pins beyond the certificate kind. */
interface HandshakeSpec {
  readonly name: string;
  readonly kind: CertKind;
  readonly version: TlsVersion;
  readonly suite: string;
  readonly resumption: Resumption;
  /** Also the 16-in-flight sub-scenario. */
  readonly parallel: boolean;
}

/**
 * Handshakes one at a time (`-c1`) and 16 in flight (`-c16`). With resumption, every measured
 * connection offers a session from an earlier connection and the client worker fails the
 * repetition unless it resumed; unmeasured full handshakes ("prime") fill the client's ticket
 * pool first (each resumed connection then takes one ticket and gets one back).
 */
function handshakeScenario(spec: HandshakeSpec): Scenario {
  const { name } = spec;
  const c1 = `${name}-c1`, c16 = `${name}-c16`;
  const resume = spec.resumption !== 'none';
  const serial = [...HS_METRICS_SERIAL, ...HS_METRICS_COLD];
  return {
    name,
    subs: spec.parallel ? { [c1]: serial, [c16]: HS_METRICS_PARALLEL } : { [c1]: serial },
    freshPerRep: false,
    async start(impl, subs, ctx) {
      const params: TlsParams = { impl, certs: ctx.certs, certKind: spec.kind, suite: spec.suite, bulkBytes: 0, version: spec.version, resumption: spec.resumption };
      const { server, client } = await startPair(ctx, name, params, 'hello', false);
      /** `n` handshakes, `concurrency` in flight; CPU of each side over them. */
      const measure = async (n: number, concurrency: number): Promise<{ c: WorkResult; s: WorkResult }> => {
        if (resume) {
          // TLS 1.3 tickets are used once and resumed handshakes bring none (protocol.ts):
          // one per measured connection. A TLS 1.2 session is offered again and again.
          // One more for checkResumption (tickets that arrive late are counted there).
          await server.request({ cmd: 'tickets', issue: true });
          await client.request({ cmd: 'prime', sessions: spec.resumption === 'tls13-psk' ? n + 1 : 1 });
          await server.request({ cmd: 'tickets', issue: false });
          await client.request({ cmd: 'checkResumption' });
        }
        await server.request({ cmd: 'mark', gc: false });
        const c = await client.request({ cmd: 'handshakes', n, concurrency, resume });
        const s = await server.request({ cmd: 'mark', gc: false });
        return { c, s };
      };
      return {
        async warmUp() {
          const out = new Map<string, number>();
          const n = ctx.counts.hsSerial;
          const { c, s } = await measure(n, 1);
          out.set(key(c1, 'server CPU per handshake, cold process'), s.cpuUs / n);
          out.set(key(c1, 'client CPU per handshake, cold process'), c.cpuUs / n);
          // In chunks: the client keeps at most MAX_SESSIONS sessions to resume.
          for (let left = ctx.counts.jitWarmup; left > 0; left -= 1000) await measure(Math.min(left, 1000), 16);
          return out;
        },
        async rep() {
          const out = new Map<string, number>();
          for (const [sub, n, conc] of [[c1, ctx.counts.hsSerial, 1], [c16, ctx.counts.hsParallel, 16]] as const) {
            if (!subs.includes(sub)) continue;
            const { c, s } = await measure(n, conc);
            out.set(key(sub, 'handshakes/s'), n / (c.wallMs / 1000));
            out.set(key(sub, 'server CPU per handshake'), s.cpuUs / n);
            out.set(key(sub, 'client CPU per handshake'), c.cpuUs / n);
            out.set(key(sub, 'latency p50'), percentile(c.latenciesMs, 50));
            out.set(key(sub, 'latency p99'), percentile(c.latenciesMs, 99));
          }
          return out;
        },
        close: async () => { await client.close(); await server.close(); },
      };
    },
  };
}

/**
 * Issue 8: the handshake cost of X25519MLKEM768 next to X25519, one handshake at a time. Node 20's
 * node:tls has no ML-KEM, so both columns are typetls over sockets: the typetls column with
 * groups ['X25519MLKEM768'] (node:crypto ML-KEM on Node 24.7+, else @noble/post-quantum), the
 * node:tls column with ['x25519']; the ratio is the hybrid's cost. Node 24 node:tls is compared
 * in test/interop/pq-node24.test.ts for interop, not here.
 */
function mlkemHandshakeScenario(): Scenario {
  const name = 'handshake-ecdsa-mlkem';
  const c1 = `${name}-c1`;
  return {
    name,
    subs: { [c1]: HS_METRICS_SERIAL },
    freshPerRep: false,
    baseline: 'typetls: X25519MLKEM768, node:tls column: typetls x25519',
    async start(impl, _subs, ctx) {
      const group = impl === 'typetls' ? 'X25519MLKEM768' : 'x25519';
      const params: TlsParams = { impl: 'typetls', certs: ctx.certs, certKind: 'ecdsa', suite: SUITES['aes128']!, bulkBytes: 0, group };
      const { server, client } = await startPair(ctx, `${name}-${group}`, params, 'hello', false);
      return {
        async warmUp() {
          if (ctx.counts.jitWarmup > 0) await client.request({ cmd: 'handshakes', n: ctx.counts.jitWarmup, concurrency: 16 });
          return new Map();
        },
        async rep() {
          await server.request({ cmd: 'mark', gc: false });
          const n = ctx.counts.hsSerial;
          const c = await client.request({ cmd: 'handshakes', n, concurrency: 1 });
          const s = await server.request({ cmd: 'mark', gc: false });
          return new Map([
            [key(c1, 'handshakes/s'), n / (c.wallMs / 1000)],
            [key(c1, 'server CPU per handshake'), s.cpuUs / n],
            [key(c1, 'client CPU per handshake'), c.cpuUs / n],
            [key(c1, 'latency p50'), percentile(c.latenciesMs, 50)],
            [key(c1, 'latency p99'), percentile(c.latenciesMs, 99)],
          ]);
        },
        close: async () => { await client.close(); await server.close(); },
      };
    },
  };
}

const BULK_METRICS: readonly MetricSpec[] = [
  { metric: 'throughput', unit: 'MB/s', better: 'higher' },
  { metric: 'server CPU-bound throughput', unit: 'MB/s', better: 'higher' },
  { metric: 'client CPU-bound throughput', unit: 'MB/s', better: 'higher' },
];

function bulkScenario(suiteKey: string, version: TlsVersion = 'TLSv1.3'): Scenario {
  const name = version === 'TLSv1.2' ? `tls12-bulk-${suiteKey}` : `bulk-${suiteKey}`;
  const suite = version === 'TLSv1.2' ? TLS12_SUITES[suiteKey]! : SUITES[suiteKey]!;
  const up = `${name}-c2s`, down = `${name}-s2c`;
  return {
    name,
    subs: { [up]: BULK_METRICS, [down]: BULK_METRICS },
    freshPerRep: false,
    async start(impl, subs, ctx) {
      const params: TlsParams = { impl, certs: ctx.certs, certKind: 'ecdsa', suite, bulkBytes: ctx.counts.bulkBytes, version };
      const { server, client } = await startPair(ctx, name, params, 'bulk', false);
      return {
        async rep() {
          const out = new Map<string, number>();
          for (const [sub, direction] of [[up, 'c2s'], [down, 's2c']] as const) {
            if (!subs.includes(sub)) continue;
            await server.request({ cmd: 'mark', gc: false });
            const c = await client.request({ cmd: 'bulk', direction });
            const s = await server.request({ cmd: 'mark', gc: false });
            const mb = params.bulkBytes / 1e6;
            out.set(key(sub, 'throughput'), mb / (c.wallMs / 1000));
            out.set(key(sub, 'server CPU-bound throughput'), mb / (s.cpuUs / 1e6));
            out.set(key(sub, 'client CPU-bound throughput'), mb / (c.cpuUs / 1e6));
          }
          return out;
        },
        close: async () => { await client.close(); await server.close(); },
      };
    },
  };
}

const IDLE_METRICS: readonly MetricSpec[] = [
  { metric: 'server heap per connection', unit: 'KiB', better: 'lower' },
  { metric: 'server RSS per connection', unit: 'KiB', better: 'lower' },
  { metric: 'client heap per connection', unit: 'KiB', better: 'lower' },
  { metric: 'client RSS per connection', unit: 'KiB', better: 'lower' },
];

const idleScenario: Scenario = {
  name: 'idle-memory',
  subs: { 'idle-memory': IDLE_METRICS },
  freshPerRep: true,
  async start(impl, _subs, ctx) {
    const params: TlsParams = { impl, certs: ctx.certs, certKind: 'ecdsa', suite: SUITES['aes128']!, bulkBytes: 0 };
    const { server, client } = await startPair(ctx, 'idle-memory', params, 'hello', true);
    return {
      async rep() {
        const n = ctx.counts.idleConnections;
        // Warm both processes (code loaded, JIT, pools) so the delta is the connections only:
        // as many handshakes as the handshake scenarios' JIT warm-up, or the code V8 compiles
        // while the idle connections open would count as memory per connection.
        await client.request({ cmd: 'handshakes', n: Math.max(20, ctx.counts.jitWarmup), concurrency: 16 });
        // And one unmeasured round of as many idle connections: the first time a process holds
        // n connections, malloc's arenas and V8's heap commit pages for them, and how much of that
        // shows in RSS depends on what earlier garbage left free (between runs the same code's
        // server RSS per connection swung 4-22 KiB with heap per connection steady). The
        // measured round then counts the memory n more connections hold in a process that has
        // served that many before, as a long-running server has.
        await client.request({ cmd: 'idleOpen', n, concurrency: 16 });
        await client.request({ cmd: 'idleClose' });
        await server.request({ cmd: 'mark', gc: true });
        const c = await client.request({ cmd: 'idleOpen', n, concurrency: 16 });
        const s = await server.request({ cmd: 'mark', gc: true });
        await client.request({ cmd: 'idleClose' });
        return new Map([
          [key('idle-memory', 'server heap per connection'), s.heapDelta / n / 1024],
          [key('idle-memory', 'server RSS per connection'), s.rssDelta / n / 1024],
          [key('idle-memory', 'client heap per connection'), c.heapDelta / n / 1024],
          [key('idle-memory', 'client RSS per connection'), c.rssDelta / n / 1024],
        ]);
      },
      close: async () => { await client.close(); await server.close(); },
    };
  },
};

const MEM_HS: readonly MetricSpec[] = [
  { metric: 'handshakes/s', unit: '1/s', better: 'higher' },
  { metric: 'CPU per handshake, both sides', unit: 'µs', better: 'lower' },
];
const MEM_BULK: readonly MetricSpec[] = [
  { metric: 'throughput, both sides', unit: 'MB/s', better: 'higher' },
];

const inMemoryScenario: Scenario = {
  name: 'in-memory',
  subs: { 'in-memory-handshake-ecdsa': MEM_HS, 'in-memory-resumption-psk': MEM_HS, 'in-memory-bulk-aes128': MEM_BULK },
  freshPerRep: false,
  async start(impl, subs, ctx) {
    const params: TlsParams = { impl, certs: ctx.certs, certKind: 'ecdsa', suite: SUITES['aes128']!, bulkBytes: ctx.counts.bulkBytes };
    const w = new Worker({ role: 'inproc', params }, { gc: false, cpuProfDir: profDir(ctx, 'in-memory', impl, 'inproc') });
    await w.ports.catch(async (e: unknown) => { await w.close(); throw e; });
    return {
      async warmUp() {
        // The JIT warm-up of the handshake scenarios, then one discarded repetition (bulk).
        if (subs.includes('in-memory-handshake-ecdsa') && ctx.counts.jitWarmup > 0) await w.request({ cmd: 'memHandshakes', n: ctx.counts.jitWarmup });
        if (subs.includes('in-memory-resumption-psk')) {
          // In chunks as small as the measured ones: the stacks keep a bounded number of tickets.
          const chunk = ctx.counts.memHandshakes;
          for (let left = ctx.counts.jitWarmup; left > 0; left -= chunk) await w.request({ cmd: 'memHandshakes', n: Math.min(left, chunk), resume: true });
        }
        if (subs.includes('in-memory-bulk-aes128')) await w.request({ cmd: 'memBulk' });
        return new Map();
      },
      async rep() {
        const out = new Map<string, number>();
        if (subs.includes('in-memory-handshake-ecdsa')) {
          const n = ctx.counts.memHandshakes;
          const r = await w.request({ cmd: 'memHandshakes', n });
          out.set(key('in-memory-handshake-ecdsa', 'handshakes/s'), n / (r.wallMs / 1000));
          out.set(key('in-memory-handshake-ecdsa', 'CPU per handshake, both sides'), r.cpuUs / n);
        }
        if (subs.includes('in-memory-resumption-psk')) {
          const n = ctx.counts.memHandshakes;
          const r = await w.request({ cmd: 'memHandshakes', n, resume: true });
          out.set(key('in-memory-resumption-psk', 'handshakes/s'), n / (r.wallMs / 1000));
          out.set(key('in-memory-resumption-psk', 'CPU per handshake, both sides'), r.cpuUs / n);
        }
        if (subs.includes('in-memory-bulk-aes128')) {
          const r = await w.request({ cmd: 'memBulk' });
          out.set(key('in-memory-bulk-aes128', 'throughput, both sides'), params.bulkBytes / 1e6 / (r.wallMs / 1000));
        }
        return out;
      },
      close: () => w.close(),
    };
  },
};

const SCENARIOS: readonly Scenario[] = [
  ...CERT_KINDS.map((kind) => handshakeScenario({ name: `handshake-${kind}`, kind, version: 'TLSv1.3', suite: SUITES['aes128']!, resumption: 'none', parallel: true })),
  handshakeScenario({ name: 'resumption-tls13-psk', kind: 'ecdsa', version: 'TLSv1.3', suite: SUITES['aes128']!, resumption: 'tls13-psk', parallel: true }),
  handshakeScenario({ name: 'tls12-handshake-ecdsa', kind: 'ecdsa', version: 'TLSv1.2', suite: TLS12_SUITES['aes128']!, resumption: 'none', parallel: true }),
  handshakeScenario({ name: 'tls12-resumption-ticket', kind: 'ecdsa', version: 'TLSv1.2', suite: TLS12_SUITES['aes128']!, resumption: 'tls12-ticket', parallel: false }),
  mlkemHandshakeScenario(),
  ...Object.keys(SUITES).map((k) => bulkScenario(k)),
  bulkScenario('aes128', 'TLSv1.2'),
  idleScenario,
  inMemoryScenario,
];

/** Rows for what is not implemented yet, printed so the gap stays visible (none at the moment). */
const NOT_IMPLEMENTED: readonly string[] = [];

// ---- the harness ----

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function runScenario(s: Scenario, subs: readonly string[], ctx: Ctx, reps: number): Promise<Row[]> {
  const values = new Map<Impl, Map<string, number[]>>(IMPLS.map((i) => [i, new Map()]));
  const record = (impl: Impl, m: Map<string, number>): void => {
    for (const [k, v] of m) {
      const list = values.get(impl)!;
      if (!list.has(k)) list.set(k, []);
      list.get(k)!.push(v);
    }
  };
  const startBoth = async (): Promise<Map<Impl, Runner>> => {
    // Both stacks' processes start at once (nothing is measured yet).
    const started = await Promise.allSettled(IMPLS.map((impl) => s.start(impl, subs, ctx)));
    const runners = new Map<Impl, Runner>();
    started.forEach((r, i) => { if (r.status === 'fulfilled') runners.set(IMPLS[i]!, r.value); });
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      for (const r of runners.values()) await r.close();
      throw failed.reason;
    }
    return runners;
  };
  let runners = await startBoth();
  try {
    for (const impl of IMPLS) {
      const r = runners.get(impl)!;
      if (r.warmUp !== undefined) record(impl, await r.warmUp());
      else await r.rep(); // warm-up, discarded
    }
    for (let i = 0; i < reps; i++) {
      // A B B A ...: neither stack always runs first.
      const order = i % 2 === 0 ? IMPLS : [...IMPLS].reverse();
      if (s.freshPerRep && i > 0) {
        for (const r of runners.values()) await r.close();
        runners = await startBoth();
      }
      for (const impl of order) record(impl, await runners.get(impl)!.rep());
      log(`  ${s.name}: repetition ${i + 1}/${reps} done`);
    }
  } finally {
    for (const r of runners.values()) await r.close();
  }
  const rows: Row[] = [];
  for (const sub of subs) {
    for (const m of s.subs[sub]!) {
      const k = key(sub, m.metric);
      rows.push({ scenario: sub, metric: m.metric, unit: m.unit, better: m.better, typetls: values.get('typetls')!.get(k) ?? [], node: values.get('node')!.get(k) ?? [], note: s.baseline ?? null });
    }
  }
  return rows;
}

/** Runs the selected scenarios and returns every row (including "n/a" rows). */
export async function runBench(o: BenchOptions): Promise<Row[]> {
  const { certs, cleanup } = generateCerts();
  const onSignal = (): void => { killChildren(); cleanup(); process.exit(130); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ctx: Ctx = { certs, counts: o.quick ? QUICK : FULL, cpuProf: o.cpuProf };
  const rows: Row[] = [];
  try {
    // An exact sub-scenario name selects only it (handshake-ecdsa-c1 is also a substring of
    // tls12-handshake-ecdsa-c16); otherwise NAME is a substring of scenario or sub-scenario names.
    const exact = o.filter !== null && SCENARIOS.some((x) => Object.keys(x.subs).includes(o.filter!));
    for (const s of SCENARIOS) {
      const all = Object.keys(s.subs);
      const subs = o.filter === null ? all
        : exact ? all.filter((x) => x === o.filter)
          : s.name.includes(o.filter) ? all : all.filter((x) => x.includes(o.filter!));
      if (subs.length === 0) continue;
      log(`scenario ${s.name} (${subs.join(', ')}), ${o.reps} repetitions`);
      const t0 = Date.now();
      rows.push(...(await runScenario(s, subs, ctx, o.reps)));
      log(`  ${s.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const n of NOT_IMPLEMENTED) {
      if (o.filter === null || n.includes(o.filter)) rows.push({ scenario: n, metric: '-', unit: '', better: 'higher', typetls: [], node: [], note: 'n/a (not implemented)' });
    }
  } finally {
    killChildren();
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return rows;
}

/** Where `runBenchCommand` prints the table (progress goes to stderr). */
export interface BenchOutput {
  write(text: string): unknown;
}

/**
 * `npm run bench` and `typetls bench`: parses `argv` (options only), runs, prints the table and
 * writes the requested files. Resolves to the exit code: 0, 1 (the run failed), 2 (usage).
 */
export async function runBenchCommand(argv: readonly string[], out: BenchOutput, err: BenchOutput): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(BENCH_USAGE + '\n');
    return 0;
  }
  let o: BenchOptions;
  try {
    o = parseArgs(argv);
  } catch (e) {
    err.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  let rows: Row[];
  try {
    rows = await runBench(o);
  } catch (e) {
    // runBench has stopped its workers (finally) before this.
    const missing = (e as { code?: unknown }).code === 'ENOENT' && /openssl/.test(String((e as Error).message));
    err.write(missing
      ? 'bench: the openssl command was not found; it makes the benchmark certificates (install OpenSSL and put it on PATH)\n'
      : `bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    quick: o.quick,
    reps: o.reps,
    filter: o.filter,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  out.write(`typetls vs node:tls — Node ${meta.node}, OpenSSL ${meta.openssl}, ${meta.cpus}, ${o.reps} repetitions${o.quick ? ' (quick)' : ''}\n\n`);
  out.write(formatTable(rows) + '\n');
  // Rows with a note compare typetls with itself (another baseline): not part of the summary.
  const measured = rows.filter((r) => ratios(r).length > 0 && r.note === null);
  if (measured.length > 0) {
    out.write(`\nratio typetls/node:tls: median over rows ${median(measured.map((r) => median(ratios(r)))).toFixed(2)} (${measured.length} rows; see "better" for direction)\n`);
  }
  out.write(`total ${meta.seconds} s\n`);
  if (o.json !== null) writeFileSync(o.json, toJson(rows, meta));
  if (o.svg !== null) writeFileSync(o.svg, toSvg(rows, `typetls vs node:tls (Node ${meta.node}, ${meta.cpus})`));
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBenchCommand(process.argv.slice(2), process.stdout, process.stderr).then((code) => {
    process.exitCode = code;
  }, (e: unknown) => {
    killChildren();
    log(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
