/**
 * Splitting one process's V8 CPU profile into buckets by stack (issue 5: "show, with profiles,
 * which part of the remaining cost sits inside node:crypto"); shared by `cpu-split.ts`
 * (handshakes) and `bulk-split.ts` (records). First rule that matches:
 *   - `node:crypto`: any frame in Node's crypto module (includes the OpenSSL work it calls);
 *   - `node:tls JS (+ OpenSSL under it)`: a frame of node:tls' own JS (`_tls_wrap`);
 *   - `typetls engine JS`: the sample's own frame is in src/core, src/webpki or src/providers;
 *   - `typetls adapter JS`: the sample's own frame is in src/node (the TlsSocket, server, connect);
 *   - `node streams/net, for typetls`: Node's stream/net/event code called from src/node;
 *   - `node net (accept, sockets, timers)`: other Node library code;
 *   - `GC`, and `no JS on the stack` ((program): libuv, syscalls; for node:tls, OpenSSL on reads).
 * Samples of the profiler's own calls (`node:inspector` on the stack) and idle time are dropped.
 * The profiler inflates JS against native code, so callers scale each bucket's share to a CPU
 * figure measured in an unprofiled window (`scaled`).
 */
import { Session } from 'node:inspector';

export interface CpuProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
export interface CpuProfile { nodes: CpuProfileNode[]; samples: number[]; timeDeltas: number[] }

/** A bucket's share of a measured figure. */
export interface Bucket { name: string; us: number }

/** A profile's µs per bucket, and per function within each bucket. */
export interface Split { buckets: Map<string, number>; detail: Map<string, Map<string, number>> }

/** Sorts every non-idle sample into a bucket (see the file comment). */
export function split(profile: CpuProfile): Split {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string | null>();
  const classify = (id: number): string | null => {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') return null;
    if (functionName === '(garbage collector)') return 'GC';
    let inCrypto = false, fromAdapter = false, inNodeTls = false;
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const u = byId.get(p)!.callFrame.url;
      if (u.includes('internal/crypto') || u === 'node:crypto') inCrypto = true;
      if (u.includes('/src/node/')) fromAdapter = true;
      if (u.includes('_tls_') || u.includes('internal/tls/')) inNodeTls = true;
      if (u === 'node:inspector') return null; // the profiler's own start/stop calls
    }
    if (inCrypto) return 'node:crypto';
    if (inNodeTls) return 'node:tls JS (+ OpenSSL under it)';
    if (/\/src\/(core|webpki|providers)\//.test(url)) return 'typetls engine JS';
    if (url.includes('/src/node/')) return 'typetls adapter JS';
    if (url.startsWith('node:') || url === '') {
      if (fromAdapter) return 'node streams/net, for typetls';
      return url === '' && functionName === '(program)' ? 'no JS on the stack (libuv; for node:tls, OpenSSL)' : 'node net (accept, sockets, timers)';
    }
    return 'other JS (loader, bench)';
  };
  const buckets = new Map<string, number>();
  const detail = new Map<string, Map<string, number>>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    let b = memo.get(id);
    if (b === undefined) {
      b = classify(id);
      memo.set(id, b);
    }
    if (b === null) continue;
    const dt = profile.timeDeltas[i] ?? 0;
    buckets.set(b, (buckets.get(b) ?? 0) + dt);
    const cf = byId.get(id)!.callFrame;
    const fn = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}`;
    let m = detail.get(b);
    if (m === undefined) detail.set(b, m = new Map());
    m.set(fn, (m.get(fn) ?? 0) + dt);
  }
  return { buckets, detail };
}

/** Profile shares scaled to `total` (a figure measured in an unprofiled window), largest first. */
export function scaled(raw: Map<string, number>, total: number): Bucket[] {
  const sum = [...raw.values()].reduce((a, b) => a + b, 0);
  return [...raw].map(([name, t]) => ({ name, us: (t / sum) * total })).sort((a, b) => b.us - a.us);
}

/**
 * How many functions to list per bucket, from a tool's arguments: `--top N` lists N, `--detail`
 * alone 8, neither none. Throws on an N that is not a positive whole number.
 */
export function detailCount(argv: readonly string[]): number {
  const i = argv.indexOf('--top');
  if (i < 0) return argv.includes('--detail') ? 8 : 0;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--top expects a positive whole number, saw ${argv[i + 1] ?? 'nothing'}`);
  return n;
}

/** Prints `s` scaled to `total` µs per `unit`, with the top `top` functions of each bucket (none for 0). */
export function printSplit(label: string, total: number, unit: string, s: Split, top: number, digits = 0): void {
  const sum = [...s.buckets.values()].reduce((a, b) => a + b, 0);
  console.log(`  ${label.padEnd(34)} ${total.toFixed(digits).padStart(6)} µs per ${unit}, split by profile:`);
  for (const b of scaled(s.buckets, total)) {
    console.log(`    ${b.name.padEnd(48)} ${b.us.toFixed(digits).padStart(6)} µs  ${((b.us / total) * 100).toFixed(1).padStart(5)} %`);
    if (top === 0) continue;
    const fns = [...(s.detail.get(b.name) ?? new Map<string, number>())].sort((x, y) => y[1] - x[1]).slice(0, top);
    for (const [fn, us] of fns) console.log(`        ${((us / sum) * total).toFixed(digits + 1).padStart(7)} µs  ${fn}`);
  }
}

/** A running profiler: `stop()` ends it and returns its profile. */
export interface Profiler { stop(): Promise<CpuProfile> }

/** The V8 sampling profiler of this process, started now (100 µs interval). */
export async function startProfiler(): Promise<Profiler> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object): Promise<T> => new Promise<T>((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err !== null ? reject(err) : resolve(result as T)));
  });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}
