// Smoke test of the benchmark suite (bench/main.ts): one small scenario with tiny counts runs
// to completion in child processes and prints a ratio row. No timing assertions (STYLE §7).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseArgs } from '../../bench/main.ts';
import { formatTable, ratios, type Row } from '../../bench/report.ts';
import { median, percentile } from '../../bench/stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'typetls-bench-smoke-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('bench --quick --filter handshake-ecdsa-c1 completes and prints a ratio line', () => {
  const json = join(dir, 'out.json'), svg = join(dir, 'out.svg');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--reps', '1', '--filter', 'handshake-ecdsa-c1', '--json', json, '--svg', svg], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `bench exited with ${String(r.status)}: ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('| handshake-ecdsa-c1') && l.includes('handshakes/s'));
  assert.notEqual(line, undefined, `no handshakes/s row in:\n${r.stdout}`);
  const cells = line!.split('|').map((c) => c.trim());
  // | scenario | metric | typetls | node:tls | ratio | better |
  assert.match(cells[5]!, /^\d+\.\d\d$/, `ratio cell ${JSON.stringify(cells[5])}`);
  assert.doesNotMatch(r.stdout, /handshake-ecdsa-c16/, 'the exact filter selects only the c1 sub-scenario');
  const doc = JSON.parse(readFileSync(json, 'utf8')) as { rows: { scenario: string; typetls: number[]; node: number[] }[] };
  const row = doc.rows.find((x) => x.scenario === 'handshake-ecdsa-c1');
  assert.equal(row?.typetls.length, 1, 'one repetition of typetls');
  assert.equal(row?.node.length, 1, 'one repetition of node:tls');
  assert.match(readFileSync(svg, 'utf8'), /^<svg [^]*<\/svg>\n$/, 'an SVG document');
});

test('bench --quick --filter resumption-tls13-psk-c1 primes tickets and every measured handshake resumes', () => {
  // The worker stops the run (non-zero exit) when a measured connection did not resume or the
  // ticket count differs from what the scenario expects.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--reps', '1', '--filter', 'resumption-tls13-psk-c1'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `bench exited with ${String(r.status)}: ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('| resumption-tls13-psk-c1') && l.includes('server CPU'));
  assert.notEqual(line, undefined, `no server CPU row in:\n${r.stdout}`);
  assert.match(line!.split('|').map((c) => c.trim())[5]!, /^\d+\.\d\d$/, 'a ratio cell');
});

test('bench/cpu-split.ts splits one side\'s CPU into buckets that add up to the whole', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cpu-split.ts', 'server', '--warmup', '5', '--n', '40', '--top', '3'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `cpu-split exited with ${String(r.status)}: ${r.stderr}`);
  const [nodePart, ourPart] = r.stdout.split(/^ {2}typetls /m);
  assert.notEqual(ourPart, undefined, `no typetls section in:\n${r.stdout}`);
  assert.match(nodePart!, /node:tls +\d+ µs per connection/, 'node:tls measured on the same side');
  assert.match(nodePart!, /bare TCP, same flights, no TLS: +\d+ µs/, 'the bare TCP baseline');
  const buckets = [...ourPart!.matchAll(/^ {4}(\S.*?) +(\d+) µs +([\d.]+) %$/gm)];
  const names = buckets.map((m) => m[1]);
  assert.ok(names.includes('node:crypto'), `a node:crypto bucket among ${names.join(', ')}`);
  assert.ok(names.includes('typetls engine JS'), `an engine bucket among ${names.join(', ')}`);
  const percent = buckets.reduce((a, m) => a + Number(m[3]), 0);
  assert.ok(Math.abs(percent - 100) < 1, `shares add up to 100 %, saw ${percent}`);
  // --top 3: at most three functions under each bucket, some listed.
  const perBucket = ourPart!.split(/^ {4}\S.*$/m).slice(1).map((b) => [...b.matchAll(/^ {8} *[\d.]+ µs {2}\S/gm)].length);
  assert.ok(perBucket.every((n) => n <= 3) && perBucket.some((n) => n > 0), `functions per bucket: ${perBucket.join(', ')}`);
});

test('bench/cpu-split.ts refuses a --top that is not a positive whole number', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cpu-split.ts', 'server', '--top', 'x'], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--top expects a positive whole number, saw x/);
});

test('bench/cpu-split.ts client --mode resume13 resumes every measured connection of both stacks', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cpu-split.ts', 'client', '--mode', 'resume13', '--warmup', '6', '--n', '30'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `cpu-split exited with ${String(r.status)}: ${r.stderr}`);
  // node:tls' server sends two tickets per full handshake and none per resumed one, and each
  // ticket is used once: the client primes them before the window instead of mixing in full handshakes.
  assert.match(r.stdout, /resumed: typetls 30\/30, node:tls 30\/30 of the measured handshakes/, `every measured handshake resumed:\n${r.stdout}`);
});

test('bench/latency-tail.ts reports latency percentiles and the GC pauses of both processes for both stacks', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/latency-tail.ts', '--rounds', '3', '--per-round', '20', '--top', '2'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `latency-tail exited with ${String(r.status)}: ${r.stderr}`);
  for (const stack of ['typetls', 'node:tls']) {
    const part = r.stdout.split(/^(?=typetls:|node:tls:)/m).find((p) => p.startsWith(`${stack}:`));
    assert.notEqual(part, undefined, `a ${stack} section in:\n${r.stdout}`);
    // Rounds 2 and 3 are reported (the first third warms up): 40 resumed handshakes.
    assert.match(part!, /^\S+: 40 handshakes, latency ms p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ max [\d.]+$/m, `${stack}: the percentiles`);
    assert.match(part!, /^ {2}client GC: \d+ scavenges \([\d.]+ ms\), \d+ other pauses \([\d.]+ ms\)$/m, `${stack}: the client's pauses`);
    assert.match(part!, /^ {2}server GC: \d+ scavenges/m, `${stack}: the server's pauses`);
    assert.match(part!, /^ {2}slowest 2 % \(1\): [01] overlapped a GC pause in either process$/m, `${stack}: the tail's GC overlap`);
    assert.equal([...part!.matchAll(/^ {4} *[\d.]+ ms {3}client GC: /gm)].length, 2, `${stack}: --top 2 lists two handshakes`);
  }
});

test('bench/profile-engine.ts times both engines for full, resumed (TLS 1.3 and 1.2) handshakes and bulk', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/profile-engine.ts', 'all', '--n', '20', '--reps', '1', '--warmup', '20', '--mib', '1'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `profile-engine exited with ${String(r.status)}: ${r.stderr}`);
  assert.match(r.stdout, /^handshake ecdsa TLS_AES_128_GCM_SHA256: server \d+ µs, client \d+ µs CPU per handshake/m, 'full handshakes');
  // A resumption that fell back to a full handshake would throw (engine-pairs.ts checks `resumed`).
  assert.match(r.stdout, /^resume13 TLS_AES_128_GCM_SHA256: server \d+ µs, client \d+ µs CPU per resumed handshake/m, 'TLS 1.3 resumption');
  assert.match(r.stdout, /^resume12 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: server \d+ µs/m, 'TLS 1.2 resumption');
  assert.match(r.stdout, /^bulk TLS_AES_128_GCM_SHA256 1 MiB: seal side \d+ MB\/s CPU, open side \d+ MB\/s CPU/m, 'bulk');
});

test('bench/alloc-split.ts charges the sampled allocations of each handshake to the client or the server engine', () => {
  for (const mode of ['resume13', 'full']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/alloc-split.ts', mode, '--n', '150', '--warmup', '30', '--top', '5'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `alloc-split ${mode} exited with ${String(r.status)}: ${r.stderr}`);
    const totals = /^ {2}server (\d+), client (\d+) \(this harness: (\d+)\)$/m.exec(r.stdout);
    assert.notEqual(totals, null, `${mode}: a totals line in:\n${r.stdout}`);
    const [server, client, harness] = totals!.slice(1).map(Number) as [number, number, number];
    // A handshake allocates kilobytes on each side; the harness's own share stays small, which
    // shows the side frames were found (inlined frames would leave everything to the harness).
    assert.ok(server > 2000 && client > 2000, `${mode}: server ${server} and client ${client} bytes per handshake`);
    assert.ok(harness < (server + client) / 4, `${mode}: harness ${harness} bytes against ${server + client} for the engines`);
    for (const side of ['server', 'client']) {
      const part = r.stdout.split(new RegExp(`^ {2}${side}, by allocating function:$`, 'm'))[1] ?? '';
      const rows = [...part.matchAll(/^ {4} *(\d+) B +([\d.]+) % {2}(\S.*)$/gm)].slice(0, 5);
      assert.equal(rows.length, 5, `${mode}: five ${side} sites listed in:\n${r.stdout}`);
      const shares = rows.map((m) => Number(m[2]));
      assert.ok(shares.every((x, i) => i === 0 || x <= shares[i - 1]!), `${mode}: ${side} sites sorted by bytes: ${shares.join(', ')}`);
    }
  }
});

test('bench/bulk-split.ts splits a bulk side\'s CPU per record, next to node:tls and plain TCP', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bulk-split.ts', 'recv', '--mib', '2', '--warm', '1', '--reps', '1'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `bulk-split exited with ${String(r.status)}: ${r.stderr}`);
  assert.match(r.stdout, /plain TCP, same bytes: +[\d.]+ µs per 16 KiB/, 'the plain TCP baseline');
  assert.match(r.stdout, /^ {2}node:tls +[\d.]+ µs per 16 KiB record/m, 'node:tls measured on the same side');
  const ourPart = r.stdout.split(/^ {2}typetls /m)[1];
  assert.notEqual(ourPart, undefined, `no typetls section in:\n${r.stdout}`);
  const buckets = [...ourPart!.matchAll(/^ {4}(\S.*?) +([\d.]+) µs +([\d.]+) %$/gm)];
  assert.ok(buckets.some((m) => m[1] === 'node:crypto'), `a node:crypto bucket among ${buckets.map((m) => m[1]).join(', ')}`);
  const percent = buckets.reduce((a, m) => a + Number(m[3]), 0);
  assert.ok(Math.abs(percent - 100) < 1, `shares add up to 100 %, saw ${percent}`);
  assert.match(r.stdout, /CPU-bound MB\/s: typetls \d+, node:tls \d+/, 'both stacks\' CPU-bound throughput');
});

test('typetls bench: the CLI runs the suite from the sources and from the compiled package (and a compiled tool)', () => {
  const check = (r: ReturnType<typeof spawnSync>, how: string): void => {
    assert.equal(r.status, 0, `${how} exited with ${String(r.status)}: ${String(r.stderr)}`);
    const out = String(r.stdout);
    assert.match(out, /^typetls vs node:tls — Node v[\d.]+, OpenSSL [\w.-]+, .*3 repetitions \(quick\)$/m, `${how}: the heading`);
    const line = out.split('\n').find((l) => l.startsWith('| handshake-ecdsa-c1') && l.includes('server CPU per handshake (µs)'));
    assert.match(line?.split('|').map((c) => c.trim())[5] ?? '', /^\d+\.\d\d$/, `${how}: a ratio cell in:\n${out}`);
  };
  const args = ['bench', '--quick', '--filter', 'handshake-ecdsa-c1'];
  check(spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 }), 'typetls bench (sources)');
  // Installed, the command is dist/src/cli/main.js and the harness dist/bench (package.json
  // "files"), with no tsx: build the package the way `npm run build` does, into a scratch
  // directory inside node_modules (so the dependencies resolve, and lint never sees it).
  const out = mkdtempSync(join('node_modules', '.cache-typetls-build-'));
  try {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(tsc.status, 0, `tsc -p tsconfig.build.json: ${tsc.stdout}${tsc.stderr}`);
    check(spawnSync(process.execPath, [join(out, 'src/cli/main.js'), ...args], { encoding: 'utf8', timeout: 120_000 }), 'typetls bench (compiled)');
    // The profiling tools build too, and fork their children without tsx when compiled.
    const tail = spawnSync(process.execPath, [join(out, 'bench/latency-tail.js'), '--impl', 'typetls', '--rounds', '3', '--per-round', '20', '--top', '0'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(tail.status, 0, `compiled latency-tail exited with ${String(tail.status)}: ${tail.stderr}`);
    assert.match(tail.stdout, /^typetls: 40 handshakes, latency ms p50 /m, `compiled latency-tail:\n${tail.stdout}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const usage = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '--reps', '0'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(usage.status, 2, 'a bad option is a usage error');
  assert.match(usage.stderr, /^bench: --reps expects an integer 1\.\.100, saw 0$/m);
  // --help prints every option and runs nothing (exit 0, no table), whatever else is given.
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '--quick', '--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(help.status, 0, `--help: exit ${String(help.status)}: ${help.stderr}`);
  assert.match(help.stdout, /^usage: typetls bench \[options\]/);
  for (const option of ['--quick', '--reps N', '--filter NAME', '--json FILE', '--svg FILE', '--cpu-prof DIR']) assert.ok(help.stdout.includes(`  ${option} `), `--help lists ${option}`);
  assert.doesNotMatch(help.stdout, /\| scenario/, 'no benchmark ran');
  // Without the openssl command (it makes the certificates) the run stops with one line saying so.
  const noOpenssl = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(noOpenssl.status, 1, `without openssl: exit ${String(noOpenssl.status)}`);
  assert.match(noOpenssl.stderr, /^bench: the openssl command was not found; it makes the benchmark certificates/m);
});

test('bench rejects unknown options', () => {
  assert.throws(() => parseArgs(['--nope']), /unknown option --nope; expected .*\(--help explains\)/);
  assert.throws(() => parseArgs(['--reps', '0']), /--reps expects/);
  assert.deepEqual(parseArgs(['--quick']), { quick: true, reps: 3, filter: null, json: null, svg: null, cpuProf: null });
});

test('bench statistics and table: ratios per repetition, medians, n/a rows', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
  assert.ok(Number.isNaN(median([])), 'median of nothing is NaN');
  const row: Row = { scenario: 's', metric: 'm', unit: 'u', better: 'higher', typetls: [2, 4, 9], node: [4, 4, 3], note: null };
  assert.deepEqual(ratios(row), [0.5, 1, 3]);
  const table = formatTable([row, { scenario: 'tls12', metric: '-', unit: '', better: 'higher', typetls: [], node: [], note: 'n/a (not implemented)' }]);
  assert.match(table, /\| s +\| m \(u\) +\| +4.00 \| +4.00 \| +1.00 \| higher \|/);
  assert.match(table, /\| tls12 +\| - +\| n\/a \(not implemented\) \|/);
});
