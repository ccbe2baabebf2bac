/**
 * Bytes each typetls engine allocates per handshake, and where (issue 5: the p99 of resumed
 * handshakes is scavenges, and how often a process scavenges is its allocation volume).
 *
 *   node --import tsx bench/alloc-split.ts [full|resume13|resume12] [--kind ecdsa] [--n 2000] [--warmup 1500] [--top 20]
 *
 * The two engines run in this process wired to each other (engine-pairs.ts), after a JIT
 * warm-up; over the next `--n` handshakes V8's sampling heap profiler records allocations,
 * including objects that a scavenge or mark-compact has already freed (most of a handshake's
 * objects die young), every 256 bytes on average. Each engine call runs inside a frame named for
 * its side, so every sample is charged to the client, the server or neither (this harness).
 * Printed per side: bytes per handshake, and the functions that allocated most of them (self:
 * the function that made the object; builtins such as `subarray` are listed by their own name).
 * Sampling estimates: expect a few percent between runs. Node's sockets are not in this figure
 * (latency-tail.ts and the bench cover them).
 */
import { Session } from 'node:inspector';
import process from 'node:process';
import { generateCerts, type CertKind } from './certs.ts';
import { enginePairs, type Charge, type Side } from './engine-pairs.ts';

type Mode = 'full' | 'resume13' | 'resume12';

/** One node of a V8 sampling heap profile (the subset used here). */
interface HeapNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

// The frames the split looks for by name. The heap profiler records physical frames only, so
// these must not be inlined into their callers: a call through a Proxy is never inlined, and
// the target then runs in a frame of its own.
const serverFrame = new Proxy(function serverSide(f: () => unknown): unknown {
  return f();
}, {});
const clientFrame = new Proxy(function clientSide(f: () => unknown): unknown {
  return f();
}, {});
const charge: Charge = <T>(side: Side, f: () => T): T => (side === 'server' ? serverFrame(f) : clientFrame(f)) as T;

/** Per side: total bytes and bytes by allocating function ("name file:line"). */
interface AllocSplit {
  readonly total: Record<Side | 'harness', number>;
  readonly sites: Record<Side, Map<string, number>>;
}

/** Charges every sample of `head` to the side whose frame is on its stack. */
function splitHeapProfile(head: HeapNode): AllocSplit {
  const total = { client: 0, server: 0, harness: 0 };
  const sites = { client: new Map<string, number>(), server: new Map<string, number>() };
  const walk = (n: HeapNode, side: Side | null): void => {
    const f = n.callFrame;
    const here = side ?? (f.functionName === 'serverSide' ? 'server' : f.functionName === 'clientSide' ? 'client' : null);
    if (n.selfSize > 0) {
      total[here ?? 'harness'] += n.selfSize;
      if (here !== null) {
        const file = f.url.replace(/^.*\/(src|bench|node_modules)\//, '');
        const key = `${f.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
        sites[here].set(key, (sites[here].get(key) ?? 0) + n.selfSize);
      }
    }
    for (const c of n.children) walk(c, here);
  };
  walk(head, null);
  return { total, sites };
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (e, r) => (e !== null ? reject(e) : resolve(r as T))));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const mode = (argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : 'resume13') as Mode;
  if (mode !== 'full' && mode !== 'resume13' && mode !== 'resume12') throw new Error(`mode: expected full, resume13 or resume12, saw ${mode}`);
  const kind = opt('--kind', 'ecdsa') as CertKind;
  const n = Number(opt('--n', '2000'));
  const warmup = Number(opt('--warmup', '1500'));
  const top = Number(opt('--top', '20'));
  for (const [name, v] of [['--n', n], ['--warmup', warmup], ['--top', top]] as const) {
    if (!Number.isInteger(v) || v < 0 || (name === '--n' && v === 0)) throw new Error(`${name}: expected a ${name === '--n' ? 'positive' : 'non-negative'} integer, saw ${String(v)}`);
  }

  const { certs, cleanup } = generateCerts();
  const session = new Session();
  session.connect();
  try {
    const pairs = enginePairs(certs, kind, 'TLS_AES_128_GCM_SHA256', charge);
    const resumed = mode === 'full' ? null : pairs.resumption(mode, n + warmup);
    const run = (count: number): void => {
      for (let i = 0; i < count; i++) {
        if (resumed === null) pairs.handshake();
        else resumed.one();
      }
    };
    resumed?.prime(warmup); // tickets for the warm-up, then for the measured handshakes
    run(warmup);
    resumed?.prime(n);
    await post(session, 'HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    run(n);
    const { profile } = await post<{ profile: { head: HeapNode } }>(session, 'HeapProfiler.stopSampling');
    const split = splitHeapProfile(profile.head);

    const what = mode === 'full' ? 'full TLS 1.3 handshake (two tickets)' : mode === 'resume13' ? 'resumed TLS 1.3 handshake (PSK + X25519, no new ticket)' : 'resumed TLS 1.2 handshake (ticket)';
    console.log(`bytes allocated per ${what}, ${kind} server certificate, ${n} handshakes sampled after ${warmup} of warm-up`);
    console.log(`  server ${Math.round(split.total.server / n)}, client ${Math.round(split.total.client / n)} (this harness: ${Math.round(split.total.harness / n)})`);
    for (const side of ['server', 'client'] as const) {
      console.log(`  ${side}, by allocating function:`);
      const rows = [...split.sites[side]].sort((a, b) => b[1] - a[1]).slice(0, top);
      for (const [site, bytes] of rows) {
        console.log(`    ${String(Math.round(bytes / n)).padStart(6)} B  ${(100 * bytes / split.total[side]).toFixed(1).padStart(5)} %  ${site}`);
      }
    }
  } finally {
    session.disconnect();
    cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
