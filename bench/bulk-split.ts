/**
 * Where one side's CPU goes per record in a bulk transfer over real sockets (issue 5, item 3:
 * "show, with profiles, which part of the remaining cost sits inside node:crypto"), next to
 * node:tls on the same side and a plain TCP transfer of the same bytes.
 *
 *   node --import tsx bench/bulk-split.ts [send|recv] [--mib 128] [--warm 32] [--reps 3] [--suite TLS_AES_128_GCM_SHA256] [--detail | --top N]
 *
 * `send`: the measured side is a client writing 64 KiB chunks to a peer server; `recv`: a server
 * reading what a peer client writes. The measured side runs in this process (typetls, node:tls
 * or plain net, one after another); the peer (node:tls, or net for the baseline) in a child. A
 * run moves `--warm` MiB first (JIT warm-up, buffers grown), then measures `process.cpuUsage()`
 * over the next `--mib` MiB, until the receiver has every byte. Unprofiled runs alternate
 * A B B A over `--reps` repetitions (the figures); one profiled run per stack then splits the
 * figure into buckets by stack (profile-split.ts). Figures are µs per 16 KiB record (the
 * largest TLS record), i.e. per `--mib` x 64 records.
 * node:tls encrypts and decrypts in C++ underneath the socket's own calls (TLSWrap's
 * `writeBuffer`/`writev` when sending, the read callback when receiving), so its OpenSSL work shows
 * up in the "node net" and "no JS on the stack" buckets, not under node:crypto.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createConnection, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import process from 'node:process';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { connect, createClientConnectConfig, createServer } from '../src/node/index.ts';
import { generateCerts, type BenchCerts } from './certs.ts';
import { detailCount, printSplit, split, startProfiler, type Profiler, type Split } from './profile-split.ts';
import { median } from './stats.ts';
import { CHILD_EXEC_ARGV } from './child-process-args.ts';

type Direction = 'send' | 'recv';
type Impl = 'typetls' | 'node:tls' | 'net';

interface PeerInit {
  /** What the child does: `sink` accepts and reads, `source` connects and writes. */
  readonly role: 'sink' | 'source';
  readonly tls: boolean;
  readonly certs: BenchCerts;
  readonly suite: string;
  readonly port: number;
  readonly bytes: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const RECORD = 16 * 1024;
const MiB = 1024 * 1024;
const ignore = (): void => {};

/**
 * Writes `bytes` in 64 KiB chunks, waiting for 'drain'. After `pauseAt` bytes (if > 0) it stops
 * and waits for `atPause()` before it goes on (the measured window opens there).
 */
function pump(s: Duplex, bytes: number, pauseAt = 0, atPause: () => Promise<void> = async () => {}): void {
  let sent = 0;
  const go = (): void => {
    while (sent < bytes) {
      sent += CHUNK.length;
      const more = s.write(CHUNK);
      if (sent === pauseAt) {
        // 'drain' may come (nextTick) before this resolves: ask the stream, not `more`.
        void atPause().then(() => (s.writableNeedDrain ? s.once('drain', go) : go()));
        return;
      }
      if (!more) {
        s.once('drain', go);
        return;
      }
    }
  };
  go();
}

// ---- child: the peer ----

function runPeer(init: PeerInit): void {
  const id = init.certs.servers.ecdsa;
  const send = (m: unknown): void => void process.send?.(m);
  if (init.role === 'sink') {
    // Reads `bytes`, then answers one byte (the sender's end of the window) and ends.
    const onConn = (s: Duplex): void => {
      let got = 0;
      s.on('error', ignore);
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got === init.bytes) s.end('k');
      });
    };
    const srv: Server = init.tls
      ? tls.createServer({ cert: id.chainPem, key: id.keyPem, minVersion: 'TLSv1.3', ciphers: init.suite }, onConn)
      : createNetServer(onConn);
    srv.listen(0, '127.0.0.1', () => send({ port: (srv.address() as AddressInfo).port }));
    process.on('message', () => process.exit(0));
    return;
  }
  const start = (s: Duplex): void => pump(s, init.bytes);
  const s: Duplex = init.tls
    ? tls.connect({ host: '127.0.0.1', port: init.port, servername: 'localhost', ca: init.certs.caPem, minVersion: 'TLSv1.3', ciphers: init.suite }, () => start(s))
    : createConnection(init.port, '127.0.0.1', () => start(s));
  s.on('error', ignore);
  s.on('data', ignore);
  s.on('end', () => process.exit(0));
}

function startPeer(init: PeerInit): ChildProcess {
  const child = fork(new URL(import.meta.url).pathname, ['--peer'], { execArgv: [...CHILD_EXEC_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(init);
  return child;
}

/** The port a sink peer listens on. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`peer exited (${String(code)}) before listening`));
    child.once('exit', onExit);
    child.once('message', (m: { port: number }) => {
      child.off('exit', onExit);
      resolve(m.port);
    });
  });
}

// ---- parent: the measured side ----

interface Run { readonly usPerRecord: number; readonly profile: Split | null }

/** One transfer with `impl` on the measured side; the window is the `mib` MiB after `warm`. */
async function measure(impl: Impl, dir: Direction, certs: BenchCerts, suite: string, warm: number, mib: number, profiling: boolean): Promise<Run> {
  const total = (warm + mib) * MiB;
  const records = (mib * MiB) / RECORD;
  let cpu0 = process.cpuUsage();
  let prof: Profiler | null = null;
  // Called with the transfer paused (no bytes move until it resolves).
  const begin = async (): Promise<void> => {
    if (profiling) prof = await startProfiler();
    cpu0 = process.cpuUsage();
  };
  const end = async (): Promise<Run> => {
    const d = process.cpuUsage(cpu0);
    const profile = prof === null ? null : split(await prof.stop());
    return { usPerRecord: (d.user + d.system) / records, profile };
  };
  const id = certs.servers.ecdsa;
  if (dir === 'send') {
    const peer = startPeer({ role: 'sink', tls: impl !== 'net', certs, suite, port: 0, bytes: total });
    const port = await listeningPort(peer);
    const run = await new Promise<Promise<Run>>((resolve, reject) => {
      const s: Duplex = impl === 'typetls'
        ? connect({ host: '127.0.0.1', port, servername: 'localhost', config: createClientConnectConfig({ ca: certs.caPem, cipherSuites: [suite], minVersion: 'TLSv1.3', keyLog: null }) })
        : impl === 'node:tls'
          ? tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caPem, minVersion: 'TLSv1.3', ciphers: suite })
          : createConnection(port, '127.0.0.1');
      s.once(impl === 'net' ? 'connect' : 'secureConnect', () => pump(s, total, warm * MiB, begin));
      s.once('data', () => resolve(end()));
      s.on('error', reject);
    });
    const r = await run;
    peer.send('stop');
    return r;
  }
  let srv: Server | null = null;
  const run = new Promise<Promise<Run>>((resolve, reject) => {
    const onConn = (s: Duplex): void => {
      let got = 0;
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        const before = got;
        got += d.length;
        if (before < warm * MiB && got >= warm * MiB) {
          s.pause();
          void begin().then(() => s.resume());
        }
        if (got === total) {
          resolve(end());
          s.end(); // the source exits at our end
        }
      });
    };
    srv = impl === 'typetls'
      ? createServer({ cert: id.chainPem, key: id.keyPem, cipherSuites: [suite], minVersion: 'TLSv1.3', keyLog: null }).on('secureConnection', onConn)
      : impl === 'node:tls'
        ? tls.createServer({ cert: id.chainPem, key: id.keyPem, minVersion: 'TLSv1.3', ciphers: suite }, onConn)
        : createNetServer((s: Socket) => onConn(s));
  });
  await new Promise<void>((resolve) => srv!.listen(0, '127.0.0.1', resolve));
  const peer = startPeer({ role: 'source', tls: impl !== 'net', certs, suite, port: (srv!.address() as AddressInfo).port, bytes: total });
  const r = await (await run);
  await new Promise<void>((resolve) => peer.once('exit', () => resolve()));
  await new Promise<void>((resolve) => srv!.close(() => resolve()));
  return r;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const dirs: Direction[] = argv[0] === 'send' || argv[0] === 'recv' ? [argv[0]] : ['send', 'recv'];
  const mib = Number(opt('--mib', '128'));
  const warm = Number(opt('--warm', '32'));
  const reps = Number(opt('--reps', '3'));
  const suite = opt('--suite', 'TLS_AES_128_GCM_SHA256');
  const top = detailCount(argv);
  for (const [name, v] of [['--mib', mib], ['--warm', warm], ['--reps', reps]] as const) {
    if (!Number.isInteger(v) || v < (name === '--warm' ? 0 : 1)) throw new Error(`${name} expects a whole number, saw ${opt(name, '')}`);
  }
  const { certs, cleanup } = generateCerts();
  try {
    for (const dir of dirs) {
      const bare = await measure('net', dir, certs, suite, warm, mib, false);
      const ours: number[] = [], theirs: number[] = [], ratio: number[] = [];
      for (let r = 0; r < reps; r++) {
        // A B B A: each repetition yields one figure per stack.
        const order: Impl[] = r % 2 === 0 ? ['node:tls', 'typetls'] : ['typetls', 'node:tls'];
        const got = new Map<Impl, number>();
        for (const impl of order) got.set(impl, (await measure(impl, dir, certs, suite, warm, mib, false)).usPerRecord);
        ours.push(got.get('typetls')!);
        theirs.push(got.get('node:tls')!);
        ratio.push(got.get('typetls')! / got.get('node:tls')!);
      }
      const nodeProf = await measure('node:tls', dir, certs, suite, warm, mib, true);
      const ourProf = await measure('typetls', dir, certs, suite, warm, mib, true);
      const side = dir === 'send' ? 'sender (client writing 64 KiB chunks)' : 'receiver (server reading)';
      console.log(`\n${side}, ${suite}, ${mib} MiB measured after ${warm} MiB, ${reps} repetitions (medians)`);
      console.log(`  plain TCP, same bytes:              ${bare.usPerRecord.toFixed(1).padStart(6)} µs per 16 KiB`);
      printSplit('node:tls', median(theirs), '16 KiB record', nodeProf.profile!, top, 1);
      printSplit(`typetls (${median(ratio).toFixed(2)}x node:tls)`, median(ours), '16 KiB record', ourProf.profile!, top, 1);
      console.log(`  CPU-bound MB/s: typetls ${(RECORD / median(ours)).toFixed(0)}, node:tls ${(RECORD / median(theirs)).toFixed(0)}`);
    }
  } finally {
    cleanup();
  }
}

if (process.argv.includes('--peer')) {
  process.once('message', (init: PeerInit) => runPeer(init));
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
