/**
 * A benchmark worker process (forked by `main.ts` with `--import tsx`): one TLS server, one
 * TLS client, or an in-process pair. It measures its own CPU time (`process.cpuUsage`) over
 * each measured window, so server-side and client-side costs are reported separately.
 */
import { once } from 'node:events';
import process from 'node:process';
import type { Duplex } from 'node:stream';
import { makeClient, startServer, type BenchClient, type BenchServer } from './endpoints.ts';
import { TICKETS_PER_FULL, TICKETS_PER_RESUMPTION, type TlsParams, type WorkerInit, type WorkerMessage, type WorkerRequest, type WorkResult } from './protocol.ts';

/** Bulk transfers write 64 KiB per `write()` call (issue 5). */
export const WRITE_SIZE = 64 * 1024;
const chunk = new Uint8Array(WRITE_SIZE).fill(0x61);
const one = new Uint8Array([0x2a]);

function send(m: WorkerMessage): void {
  process.send?.(m);
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** Measures `work` on this process: wall time and CPU time. */
async function measure(work: () => Promise<readonly number[]>): Promise<WorkResult> {
  const c0 = cpuNow();
  const t0 = performance.now();
  const latenciesMs = await work();
  return { wallMs: performance.now() - t0, cpuUs: cpuNow() - c0, latenciesMs, rssDelta: 0, heapDelta: 0 };
}

/** Writes `total` bytes in 64 KiB writes, honouring backpressure. */
async function writeBulk(s: Duplex, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += WRITE_SIZE) {
    if (!s.write(chunk)) await once(s, 'drain');
  }
}

// ---- server ----

async function runServer(p: TlsParams, mode: 'hello' | 'sink' | 'source'): Promise<BenchServer> {
  // Each server greets with one byte once its handshake is done; the client waits for it.
  return startServer(p, (s) => {
    s.write(one);
    if (mode === 'hello') {
      s.on('data', () => {});
    } else if (mode === 'sink') {
      let count = 0;
      s.on('data', (d: Uint8Array) => {
        count += d.length;
        while (count >= p.bulkBytes) {
          count -= p.bulkBytes;
          s.write(one);
        }
      });
    } else {
      let queue = Promise.resolve();
      s.on('data', (d: Uint8Array) => {
        for (let i = 0; i < d.length; i++) queue = queue.then(() => writeBulk(s, p.bulkBytes)).catch(() => {});
      });
    }
    s.on('end', () => s.end());
  });
}

// ---- client ----

class Client {
  readonly params: TlsParams;
  readonly factory: BenchClient;
  /** Bulk mode: clients of the sink (c2s) and source (s2c) listeners. */
  readonly bulkFactories: readonly BenchClient[];
  persistent: { c2s: Duplex | null; s2c: Duplex | null } = { c2s: null, s2c: null };
  received = 0;
  waiter: { need: number; resolve: () => void } | null = null;
  idle: Duplex[] = [];

  constructor(params: TlsParams, factory: BenchClient, bulkFactories: readonly BenchClient[]) {
    this.params = params;
    this.factory = factory;
    this.bulkFactories = bulkFactories;
  }

  static async create(params: TlsParams, ports: readonly number[]): Promise<Client> {
    const factories = await Promise.all(ports.map((port) => makeClient(params, port)));
    return new Client(params, factories[0]!, factories);
  }

  /**
   * Opens a connection and resolves (with the latency in ms) once the server's first byte
   * arrives. With `resume` it offers a kept session and fails unless the handshake resumed it.
   */
  openReady(keep: boolean, factory: BenchClient = this.factory, resume = false): Promise<{ socket: Duplex; ms: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const s = factory.open(resume);
      let settled = false;
      s.on('error', (e: Error) => {
        if (!settled) { settled = true; reject(e); }
      });
      s.once('data', () => {
        const ms = performance.now() - t0;
        settled = true;
        // A benchmark of silent full handshakes would be worse than none.
        const notResumed = resume && !factory.resumed(s);
        if (!keep || notResumed) s.destroy();
        if (notResumed) reject(new Error(`${this.params.impl}: a connection offering a session did not resume it (full handshake)`));
        else resolve({ socket: s, ms });
      });
    });
  }

  async handshakes(n: number, concurrency: number, resume: boolean): Promise<number[]> {
    const lat: number[] = [];
    let started = 0;
    const ticketsBefore = this.factory.ticketsReceived();
    const lane = async (): Promise<void> => {
      while (started < n) {
        started++;
        lat.push((await this.openReady(false, this.factory, resume)).ms);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
    if (resume) {
      // Both stacks must do the same work: as many tickets per resumed handshake (protocol.ts).
      const mode = this.params.resumption ?? 'none';
      const got = this.factory.ticketsReceived() - ticketsBefore, want = n * TICKETS_PER_RESUMPTION[mode];
      if (got !== want) throw new Error(`${this.params.impl}: ${got} tickets in ${n} resumed handshakes (${mode}), expected ${want}`);
    }
    return lat;
  }

  /**
   * Full handshakes, not measured, 4 in flight, until the client keeps at least `sessions`
   * sessions. Each connection stays open until its TICKETS_PER_FULL tickets have arrived
   * (node:tls delivers TLS 1.3 tickets after the server's first byte).
   */
  async prime(sessions: number): Promise<void> {
    const mode = this.params.resumption ?? 'none';
    const perFull = TICKETS_PER_FULL[mode];
    let opened = 0;
    const limit = Math.ceil(sessions / Math.max(1, perFull)) * 2 + 4;
    const lane = async (): Promise<void> => {
      while (this.factory.sessions() < sessions) {
        if (++opened > limit) throw new Error(`${this.params.impl}: ${this.factory.sessions()} sessions kept after ${limit} full handshakes, expected ${sessions}`);
        const before = this.factory.ticketsReceived();
        const { socket } = await this.openReady(true);
        const deadline = performance.now() + 5000;
        while (this.factory.ticketsReceived() - before < perFull && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
        socket.destroy();
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, sessions) }, lane));
  }

  /** See the 'checkResumption' request. */
  async checkResumption(): Promise<void> {
    const mode = this.params.resumption ?? 'none';
    const before = this.factory.ticketsReceived();
    const { socket } = await this.openReady(true, this.factory, true);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const got = this.factory.ticketsReceived() - before, want = TICKETS_PER_RESUMPTION[mode];
    if (got !== want) throw new Error(`${this.params.impl}: ${got} tickets after a resumed handshake (${mode}), expected ${want}`);
  }

  async connection(direction: 'c2s' | 's2c'): Promise<Duplex> {
    const existing = this.persistent[direction];
    if (existing !== null) return existing;
    const factory = this.bulkFactories[direction === 'c2s' ? 0 : 1];
    if (factory === undefined) throw new Error('bulk needs a server in bulk mode');
    const { socket } = await this.openReady(true, factory);
    socket.on('data', (d: Uint8Array) => {
      this.received += d.length;
      const w = this.waiter;
      if (w !== null && this.received >= w.need) {
        this.received -= w.need;
        this.waiter = null;
        w.resolve();
      }
    });
    this.persistent[direction] = socket;
    return socket;
  }

  async bulk(direction: 'c2s' | 's2c'): Promise<number[]> {
    const s = await this.connection(direction);
    const need = direction === 'c2s' ? 1 : this.params.bulkBytes;
    const done = new Promise<void>((resolve) => { this.waiter = { need, resolve }; });
    if (direction === 'c2s') await writeBulk(s, this.params.bulkBytes);
    else s.write(one);
    await done;
    return [];
  }

  async idleOpen(n: number, concurrency: number): Promise<void> {
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < n) {
        started++;
        this.idle.push((await this.openReady(true)).socket);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  }

  async idleClose(): Promise<void> {
    const all = this.idle;
    this.idle = [];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    })));
  }
}

// ---- dispatch ----

async function main(): Promise<void> {
  const [init] = (await once(process, 'message')) as [WorkerInit | WorkerRequest];
  if (!('role' in init)) { process.disconnect?.(); return; } // closed before it was started
  let servers: BenchServer[] = [];
  let client: Client | null = null;
  let inproc: typeof import('./inproc.ts') | null = null;
  if (init.role === 'server') {
    servers = init.mode === 'hello'
      ? [await runServer(init.params, 'hello')]
      : [await runServer(init.params, 'sink'), await runServer(init.params, 'source')];
    send({ kind: 'ready', ports: servers.map((s) => s.port) });
  } else if (init.role === 'client') {
    client = await Client.create(init.params, init.ports);
    send({ kind: 'ready', ports: init.ports });
  } else {
    inproc = await import('./inproc.ts'); // loads typetls (and node:tls) in this worker only
    send({ kind: 'ready', ports: [] });
  }
  let markCpu = cpuNow();
  let markWall = performance.now();
  let markMem = process.memoryUsage();
  const params = init.params;

  const handle = async (r: WorkerRequest): Promise<WorkResult | null> => {
    switch (r.cmd) {
      case 'tickets':
        for (const srv of servers) srv.issueTickets(r.issue);
        return measure(async () => []);
      case 'mark': {
        if (r.gc) await collectGarbage();
        const mem = process.memoryUsage();
        const cpu = cpuNow(), wall = performance.now();
        const out: WorkResult = { wallMs: wall - markWall, cpuUs: cpu - markCpu, latenciesMs: [], rssDelta: mem.rss - markMem.rss, heapDelta: mem.heapUsed - markMem.heapUsed };
        markCpu = cpu; markWall = wall; markMem = mem;
        return out;
      }
      case 'handshakes': return measure(() => client!.handshakes(r.n, r.concurrency, r.resume ?? false));
      case 'prime': await client!.prime(r.sessions); return measure(async () => []);
      case 'checkResumption': await client!.checkResumption(); return measure(async () => []);
      case 'bulk': return measure(() => client!.bulk(r.direction));
      case 'idleOpen': {
        await collectGarbage();
        const before = process.memoryUsage();
        const res = await measure(async () => { await client!.idleOpen(r.n, r.concurrency); return []; });
        await collectGarbage();
        const after = process.memoryUsage();
        return { ...res, rssDelta: after.rss - before.rss, heapDelta: after.heapUsed - before.heapUsed };
      }
      case 'idleClose': await client!.idleClose(); return measure(async () => []);
      case 'memHandshakes': {
        const m = inproc!;
        if (r.resume === true) await m.memPrime(params, r.n); // not measured
        return measure(() => m.memHandshakes(params, r.n, r.resume ?? false));
      }
      case 'memBulk': return measure(async () => { await inproc!.memBulk(params, WRITE_SIZE); return []; });
      case 'exit':
        client?.persistent.c2s?.destroy();
        client?.persistent.s2c?.destroy();
        await client?.idleClose();
        await Promise.all(servers.map((s) => s.close()));
        process.disconnect?.();
        return null;
    }
  };

  process.on('message', (r: WorkerRequest) => {
    handle(r).then(
      (result) => { if (result !== null) send({ kind: 'result', id: r.id, result }); },
      (e: unknown) => send({ kind: 'error', id: r.id, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
}

main().catch((e: unknown) => {
  console.error('bench worker failed:', e);
  process.exitCode = 1;
  process.disconnect?.();
});
