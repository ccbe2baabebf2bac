/**
 * RFC 8879 certificate compression against a real peer: rustls 0.23 with its `brotli` and
 * `zlib` features (test/peers/rustls-compress, built here with cargo into .peers/; a cold
 * build with downloads took ~85 s on 2 cores, a warm one is instant).
 *
 * Why rustls: Node 24's OpenSSL 3.5 is built without zlib/brotli/zstd, so node:tls sends no
 * compress_certificate (measured: its ClientHello carries extensions 65281, 11, 10, 35, 22,
 * 23, 13, 43, 45, 51 only) and has no option to turn it on; the system `openssl` is 3.0,
 * which predates RFC 8879 support (3.2).
 *
 * Covered, TLS 1.3: rustls server -> typetls client (brotli, zlib, rustls' default order),
 * typetls server -> rustls client (our brotli-first default), and client certificates both
 * ways (rustls offers compress_certificate in CertificateRequest and compresses its own).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { createServerConfig, type CertifiedKey } from '../../src/core/server/config.ts';
import { ServerConnection } from '../../src/core/server/connection.ts';
import type { NegotiatedParameters } from '../../src/core/conn/api.ts';
import { CertificateCompressionAlgorithm } from '../../src/core/codec/codepoints.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createClientVerifier, createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority, type IssuedCertificate } from '../helpers/pki-openssl.ts';

const { Zlib, Brotli } = CertificateCompressionAlgorithm;
const provider = nodeCryptoProvider;
const crateDir = resolve('test/peers/rustls-compress');
const targetDir = resolve('.peers/rustls-compress-target');
const binary = join(targetDir, 'release', 'rustls-compress-peer');

function hasCargo(): boolean {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}
const skip = hasCargo() ? false : 'cargo is not installed: the rustls RFC 8879 peer cannot be built';

let pki: OpenSslPki;
let root: CertificateAuthority;
let serverLeaf: IssuedCertificate;
let clientLeaf: IssuedCertificate;
let interDer: Uint8Array;
let serverChainPath: string;
let clientChainPath: string;
const children = new Set<ChildProcess>();
const sockets = new Set<net.Socket | TlsSocket>();

before(() => {
  if (skip !== false) return;
  // --offline first (works once the crates are cached), then with crates.io.
  let r = spawnSync('cargo', ['build', '--release', '--offline', '--quiet', '--target-dir', targetDir], { cwd: crateDir, stdio: 'pipe', timeout: 300_000 });
  if (r.status !== 0) r = spawnSync('cargo', ['build', '--release', '--quiet', '--target-dir', targetDir], { cwd: crateDir, stdio: 'pipe', timeout: 300_000 });
  assert.equal(r.status, 0, `cargo build failed: ${String(r.stderr)}`);
  assert.equal(existsSync(binary), true, `${binary} was built`);
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'RFC 8879 Root', keyType: 'ecdsa-p256' });
  const inter = pki.makeCa({ name: 'RFC 8879 Intermediate', keyType: 'ecdsa-p256', issuer: root });
  interDer = inter.certDer;
  serverLeaf = pki.makeCertificate({ issuer: inter, keyType: 'ecdsa-p256', sans: ['DNS:server.test'], eku: ['serverAuth'] });
  clientLeaf = pki.makeCertificate({ issuer: inter, keyType: 'ecdsa-p256', name: 'rfc8879-client', sans: ['DNS:client.test'], eku: ['clientAuth'] });
  serverChainPath = join(pki.dir, 'server-chain.pem');
  clientChainPath = join(pki.dir, 'client-chain.pem');
  writeFileSync(serverChainPath, serverLeaf.certPem + inter.certPem);
  writeFileSync(clientChainPath, clientLeaf.certPem + inter.certPem);
});

after(() => {
  for (const s of sockets) s.destroy();
  for (const c of children) c.kill('SIGKILL');
  pki?.cleanup();
});

/** Runs the peer; resolves with its stdout once it exits (killed after 20 s). */
function runPeer(args: readonly string[], onLine?: (line: string) => void): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const line of d.split('\n')) if (line !== '') onLine?.(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const done = new Promise<string>((resolveDone) => child.once('exit', (code) => {
    clearTimeout(timer);
    children.delete(child);
    resolveDone(`${out}${code === 0 ? '' : `EXIT ${code} ${err}`}`);
  }));
  return { child, done };
}

function certified(leaf: IssuedCertificate): CertifiedKey {
  return { chain: [leaf.certDer, interDer], key: provider.loadSigningKey(leaf.keyPem) };
}

function handshakeDone(s: TlsSocket, timeoutMs = 10_000): Promise<NegotiatedParameters> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('no handshake')), timeoutMs);
    const ok = (): void => { clearTimeout(t); res(s.negotiated!); };
    s.once('secureConnect', ok);
    s.once('secure', ok);
    s.once('error', (e) => { clearTimeout(t); rej(e); });
  });
}

function readUntilEnd(s: TlsSocket): Promise<string> {
  return new Promise((res, rej) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.once('end', () => res(text));
    s.once('error', rej);
  });
}

/** typetls client to a rustls server. */
async function clientToRustls(algs: string, options: { clientCert?: boolean; compression?: readonly number[] } = {}): Promise<{ n: NegotiatedParameters; reply: string; peer: string }> {
  let portResolve!: (p: number) => void;
  const port = new Promise<number>((r) => (portResolve = r));
  const peer = runPeer(['server', serverChainPath, serverLeaf.keyPath, options.clientCert ? root.certPath : '-', algs], (line) => {
    const m = /^PORT (\d+)$/.exec(line);
    if (m) portResolve(Number(m[1]));
  });
  const config = createClientConfig({
    provider,
    verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }),
    ...(options.compression !== undefined ? { certificateCompression: options.compression } : {}),
    ...(options.clientCert ? { clientCertificate: certified(clientLeaf) } : {}),
  });
  const tcp = net.connect(await port, '127.0.0.1');
  sockets.add(tcp);
  tcp.on('error', () => {});
  const s = new TlsSocket({ connection: new ClientConnection(config, 'server.test'), transport: tcp });
  sockets.add(s);
  const n = await handshakeDone(s);
  const reply = readUntilEnd(s);
  s.write('ping\n');
  const text = await reply;
  s.destroy();
  return { n, reply: text, peer: await peer.done };
}

/** A rustls client to a typetls server. */
async function rustlsToServer(algs: string, options: { clientCert?: boolean } = {}): Promise<{ n: NegotiatedParameters; peer: string }> {
  const config = createServerConfig({
    provider,
    certificates: [certified(serverLeaf)],
    ...(options.clientCert ? { clientVerifier: createClientVerifier({ roots: [root.certDer], signatures: provider.signatures }) } : {}),
  });
  let negotiated!: Promise<NegotiatedParameters>;
  const server = net.createServer((tcp) => {
    sockets.add(tcp);
    tcp.on('error', () => {});
    const s = new TlsSocket({ connection: new ServerConnection(config), transport: tcp });
    sockets.add(s);
    s.on('error', () => {});
    negotiated = handshakeDone(s);
    s.on('data', (d: Buffer) => s.end(Buffer.concat([Buffer.from('typetls: '), d])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const args = ['client', String(port), root.certPath, 'server.test'];
    args.push(...(options.clientCert ? [clientChainPath, clientLeaf.keyPath] : ['-', '-']), algs);
    const peer = await runPeer(args).done;
    return { n: await negotiated, peer };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('RFC 8879 interop with rustls', { skip }, () => {
  for (const [algs, expected] of [['brotli', Brotli], ['zlib', Zlib], ['default', Brotli]] as const) {
    it(`rustls server compresses with ${algs}; the typetls client decompresses`, async () => {
      const { n, reply, peer } = await clientToRustls(algs);
      assert.equal(reply, 'rustls: ping\n', peer);
      const info = n.certificateCompression!;
      assert.equal(info.algorithm, expected);
      assert.ok(info.compressedLength < info.uncompressedLength, `${info.compressedLength} < ${info.uncompressedLength}`);
      assert.equal(n.peerCertificates.length, 2);
    });
  }

  it('typetls client offering only zlib gets zlib from rustls (default compressors)', async () => {
    const { n } = await clientToRustls('default', { compression: [Zlib] });
    assert.equal(n.certificateCompression?.algorithm, Zlib);
  });

  for (const [algs, expected] of [['default', Brotli], ['zlib', Zlib]] as const) {
    it(`typetls server compresses for a rustls client offering ${algs}`, async () => {
      const { n, peer } = await rustlsToServer(algs);
      assert.match(peer, /^GOT typetls: ping$/m, peer);
      assert.equal(n.certificateCompression?.algorithm, expected);
    });
  }

  it('typetls client certificate compressed for a rustls server', async () => {
    const { n, peer } = await clientToRustls('default', { clientCert: true });
    assert.match(peer, /^CLIENT_CERTS 2$/m, peer);
    assert.equal(n.clientCertificateCompression?.algorithm, Brotli);
  });

  it('rustls client certificate decompressed by the typetls server', async () => {
    const { n, peer } = await rustlsToServer('default', { clientCert: true });
    assert.match(peer, /^GOT typetls: ping$/m, peer);
    assert.equal(n.peerCertificates.length, 2);
    assert.equal(n.clientCertificateCompression?.algorithm, Brotli);
  });
});
