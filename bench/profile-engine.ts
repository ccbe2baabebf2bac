/**
 * Focused in-process profile of the typetls engine (no sockets, no node:tls): CPU per side for
 * full handshakes, resumed handshakes (TLS 1.3 PSK with X25519, TLS 1.2 RFC 5077 tickets) and
 * bulk sealing / opening, measured with `process.cpuUsage()` around each side's calls. For hot-path work (STYLE §8) before and after a change; run with
 * `--cpu-prof` to see where the time goes.
 *
 *   node --import tsx bench/profile-engine.ts [handshake|resume13|resume12|bulk|all] [--kind ecdsa|rsa|ed25519]
 *     [--suite TLS_AES_128_GCM_SHA256] [--n 400] [--mib 64] [--reps 5] [--warmup 1500]
 */
import process from 'node:process';
import { generateCerts, type CertKind } from './certs.ts';
import { enginePairs, type ResumeMode } from './engine-pairs.ts';
import { median } from './stats.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const what = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? process.argv[2] : 'all';
const kind = arg('--kind', 'ecdsa') as CertKind;
const suite = arg('--suite', 'TLS_AES_128_GCM_SHA256');
const n = Number(arg('--n', '400'));
const mib = Number(arg('--mib', '64'));
const reps = Number(arg('--reps', '5'));
/**
 * Handshakes before measuring: V8 keeps optimising the once-per-handshake code for ~1,500
 * handshakes (BENCHMARKS.md, pass 4); `--warmup N` to change.
 */
const warmup = Number(arg('--warmup', '1500'));

function cpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU µs charged to each side. */
const spent = { client: 0, server: 0 };

function timed<T>(side: 'client' | 'server', f: () => T): T {
  const t0 = cpu();
  try {
    return f();
  } finally {
    spent[side] += cpu() - t0;
  }
}

const { certs, cleanup } = generateCerts();
try {
  const pairs = enginePairs(certs, kind, suite, timed);

  if (what === 'handshake' || what === 'all') {
    for (let i = 0; i < warmup; i++) pairs.handshake(); // JIT warm-up
    const cs: number[] = [], ss: number[] = [];
    for (let r = 0; r < reps; r++) {
      spent.client = 0; spent.server = 0;
      for (let i = 0; i < n; i++) pairs.handshake();
      cs.push(spent.client / n); ss.push(spent.server / n);
    }
    console.log(`handshake ${kind} ${suite}: server ${median(ss).toFixed(0)} µs, client ${median(cs).toFixed(0)} µs CPU per handshake (median of ${reps} x ${n})`);
  }

  if (what === 'resume13' || what === 'resume12' || what === 'all') {
    for (const mode of (what === 'all' ? ['resume13', 'resume12'] : [what]) as ResumeMode[]) {
      const resumed = pairs.resumption(mode, 4 * n);
      const prime = (count: number): void => { // not measured
        const c0 = spent.client, s0 = spent.server;
        resumed.prime(count);
        spent.client = c0; spent.server = s0;
      };
      for (let left = warmup; left > 0; left -= n) { // JIT warm-up, in chunks the store keeps
        const k = Math.min(left, n);
        prime(k);
        for (let i = 0; i < k; i++) resumed.one();
      }
      const cs: number[] = [], ss: number[] = [];
      for (let r = 0; r < reps; r++) {
        prime(n);
        spent.client = 0; spent.server = 0;
        for (let i = 0; i < n; i++) resumed.one();
        cs.push(spent.client / n); ss.push(spent.server / n);
      }
      console.log(`${mode} ${resumed.suite}: server ${median(ss).toFixed(0)} µs, client ${median(cs).toFixed(0)} µs CPU per resumed handshake (median of ${reps} x ${n})`);
    }
  }

  if (what === 'bulk' || what === 'all') {
    const { client, server } = pairs.handshake();
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const total = mib * 1024 * 1024;
    let received = 0;
    const sink = (b: Uint8Array): void => { received += b.length; };
    // Seal phase (client) then open phase (server), each timed once, so the timer's own cost
    // stays out of the figures.
    const run = (): void => {
      const wire: Uint8Array[] = [];
      let t0 = cpu();
      for (let sent = 0; sent < total; sent += chunk.length) {
        client.writePlaintext(chunk);
        for (let out = client.writeTls(); out !== null; out = client.writeTls()) wire.push(out);
      }
      spent.client += cpu() - t0;
      t0 = cpu();
      for (const out of wire) {
        let off = 0;
        while (off < out.length) {
          const k = server.readTls(off === 0 ? out : out.subarray(off));
          server.processNewPackets();
          for (let p = server.readPlaintext(); p !== null; p = server.readPlaintext()) sink(p);
          if (k === 0 && server.wantsRead()) continue;
          off += k;
        }
      }
      spent.server += cpu() - t0;
    };
    const saved = mib;
    run(); // warm-up
    const sealMBs: number[] = [], openMBs: number[] = [];
    for (let r = 0; r < reps; r++) {
      spent.client = 0; spent.server = 0; received = 0;
      run();
      if (received !== total) throw new Error(`received ${received}, expected ${total}`);
      sealMBs.push(total / spent.client); openMBs.push(total / spent.server);
    }
    console.log(`bulk ${suite} ${saved} MiB: seal side ${median(sealMBs).toFixed(0)} MB/s CPU, open side ${median(openMBs).toFixed(0)} MB/s CPU (median of ${reps})`);
  }
} finally {
  cleanup();
}
