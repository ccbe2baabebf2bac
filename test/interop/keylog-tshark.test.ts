// The NSS key log is right if Wireshark can decrypt with it. Two typetls<->typetls TLS 1.3
// connections (a full handshake, then a resumption carrying an HTTP request as 0-RTT) run in
// memory; the test writes the bytes they exchanged into a pcap with synthetic IPv4/TCP headers
// (no capture privileges needed) and asks `tshark -o tls.keylog_file:...` for the decrypted HTTP.
// tshark is a CI dependency (.ci/run installs it): if it is missing the test FAILS, it does not skip.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import { createClientSessionStore } from '../../src/core/client/session-store.ts';
import { createServerSessionStore } from '../../src/core/server/session-store.ts';
import type { TlsConnection } from '../../src/core/conn/api.ts';
import { nodeCryptoProvider as provider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { OpenSslPki, type CertificateAuthority } from '../helpers/pki-openssl.ts';
import { readAll } from '../helpers/memory-pair.ts';

let pki: OpenSslPki;
let root: CertificateAuthority;
let key: CertifiedKey;
let dir: string;

before(() => {
  pki = OpenSslPki.create();
  root = pki.makeCa({ name: 'Keylog Root', keyType: 'ecdsa-p256' });
  const leaf = pki.makeCertificate({ issuer: root, keyType: 'ecdsa-p256', sans: ['DNS:server.test'] });
  key = { chain: [leaf.certDer], key: provider.loadSigningKey(leaf.keyPem) };
  dir = mkdtempSync(join(tmpdir(), 'typetls-keylog-'));
});
after(() => {
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A tiny pcap writer: LINKTYPE_RAW (IPv4), one TCP connection per `TcpFlow`. */
class Pcap {
  private readonly chunks: Buffer[] = [];
  private time = 1_700_000_000;
  constructor() {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16); // snaplen
    h.writeUInt32LE(101, 20); // LINKTYPE_RAW
    this.chunks.push(h);
  }
  packet(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, payload: Uint8Array): void {
    const ip = Buffer.alloc(20);
    const tcp = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(40 + payload.length, 2);
    ip[8] = 64;
    ip[9] = 6; // TCP
    ip.writeUInt32BE(src, 12);
    ip.writeUInt32BE(dst, 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    tcp.writeUInt16BE(sport, 0);
    tcp.writeUInt16BE(dport, 2);
    tcp.writeUInt32BE(seq >>> 0, 4);
    tcp.writeUInt32BE(ack >>> 0, 8);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp.writeUInt16BE(65535, 14);
    const rec = Buffer.alloc(16);
    this.time += 0.001;
    rec.writeUInt32LE(Math.floor(this.time), 0);
    rec.writeUInt32LE(Math.round((this.time % 1) * 1e6), 4);
    rec.writeUInt32LE(40 + payload.length, 8);
    rec.writeUInt32LE(40 + payload.length, 12);
    this.chunks.push(rec, ip, tcp, Buffer.from(payload));
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const CLIENT_IP = 0x7f000001, SERVER_IP = 0x7f000001;

/** Records one TCP connection's two byte streams as segments (SYN handshake first). */
class TcpFlow {
  private cseq = 1000;
  private sseq = 5000;
  readonly pcap: Pcap;
  readonly sport: number;
  constructor(pcap: Pcap, sport: number) {
    this.pcap = pcap;
    this.sport = sport;
    pcap.packet(CLIENT_IP, SERVER_IP, sport, 443, this.cseq++, 0, 0x02, new Uint8Array(0));
    pcap.packet(SERVER_IP, CLIENT_IP, 443, sport, this.sseq++, this.cseq, 0x12, new Uint8Array(0));
    pcap.packet(CLIENT_IP, SERVER_IP, sport, 443, this.cseq, this.sseq, 0x10, new Uint8Array(0));
  }
  send(fromClient: boolean, data: Uint8Array): void {
    for (let o = 0; o < data.length; o += 1400) {
      const seg = data.subarray(o, Math.min(data.length, o + 1400));
      if (fromClient) {
        this.pcap.packet(CLIENT_IP, SERVER_IP, this.sport, 443, this.cseq, this.sseq, 0x18, seg);
        this.cseq += seg.length;
      } else {
        this.pcap.packet(SERVER_IP, CLIENT_IP, 443, this.sport, this.sseq, this.cseq, 0x18, seg);
        this.sseq += seg.length;
      }
    }
  }
}

/** `transfer` that also records the bytes in the flow. */
function move(from: TlsConnection, to: TlsConnection, flow: TcpFlow): number {
  let n = 0;
  for (let out = from.writeTls(); out !== null; out = from.writeTls()) {
    flow.send(from.side === 'client', out);
    to.readTls(out);
    to.processNewPackets();
    n += out.length;
  }
  return n;
}

test('tshark decrypts typetls TLS 1.3 traffic (1-RTT and 0-RTT) with our key log', () => {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  assert.equal(probe.error, undefined, `tshark is required (apt-get install tshark; .ci/run installs it): ${String(probe.error)}`);
  assert.equal(probe.status, 0, `tshark --version failed: ${probe.stderr}`);

  const keylog: string[] = [];
  const cc = createClientConfig({
    provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }),
    keyLog: (l) => keylog.push(l), sessionStore: createClientSessionStore(), earlyData: true,
  });
  const sc = createServerConfig({ provider, certificates: [key], sessionStore: createServerSessionStore(), maxEarlyDataSize: 4096 });
  const pcap = new Pcap();
  const request = (path: string): Uint8Array => new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: server.test\r\n\r\n`);
  const response = new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');

  // Connection 1: full handshake, request after it.
  {
    const flow = new TcpFlow(pcap, 40001);
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    for (let i = 0; i < 10 && (c.isHandshaking() || s.isHandshaking()); i++) { move(c, s, flow); move(s, c, flow); }
    c.writePlaintext(request('/one-rtt'));
    move(c, s, flow);
    assert.match(new TextDecoder().decode(readAll(s)), /one-rtt/);
    s.writePlaintext(response);
    move(s, c, flow);
  }
  // Connection 2: resumed, the request as 0-RTT data.
  {
    const flow = new TcpFlow(pcap, 40002);
    const c = new ClientConnection(cc, 'server.test');
    c.writePlaintext(request('/zero-rtt'));
    const s = new ServerConnection(sc);
    for (let i = 0; i < 10 && (c.isHandshaking() || s.isHandshaking()); i++) { move(c, s, flow); move(s, c, flow); }
    assert.equal(c.negotiated?.earlyDataAccepted, true);
    assert.match(new TextDecoder().decode(readAll(s)), /zero-rtt/);
    s.writePlaintext(response);
    move(s, c, flow);
  }
  assert.ok(keylog.some((l) => l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')), 'the key log has the 0-RTT secret');

  const pcapFile = join(dir, 'typetls.pcap');
  const keylogFile = join(dir, 'keylog.txt');
  writeFileSync(pcapFile, pcap.bytes());
  writeFileSync(keylogFile, keylog.join('\n') + '\n');
  const out = execFileSync('tshark', [
    '-r', pcapFile, '-o', `tls.keylog_file:${keylogFile}`, '-Y', 'http',
    '-T', 'fields', '-e', 'tcp.srcport', '-e', 'http.request.uri', '-e', 'http.response.code',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = out.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows.filter((r) => r[1] !== '').map((r) => [r[0], r[1]]), [['40001', '/one-rtt'], ['40002', '/zero-rtt']], out);
  assert.equal(rows.filter((r) => r[2] === '200').length, 2, out);

  // Without the key log nothing decrypts.
  const blind = execFileSync('tshark', ['-r', pcapFile, '-Y', 'http', '-T', 'fields', '-e', 'http.request.uri'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(blind.trim(), '');
});

test('tshark decrypts typetls TLS 1.2 traffic (AES-GCM and ChaCha20) with our CLIENT_RANDOM lines', () => {
  const suites = ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'];
  const keylog: string[] = [];
  const pcap = new Pcap();
  const sc = createServerConfig({ provider, certificates: [key], maxVersion: 'TLSv1.2' });
  suites.forEach((suite, i) => {
    const cc = createClientConfig({
      provider, verifier: createServerVerifier({ roots: [root.certDer], signatures: provider.signatures }),
      keyLog: (l) => keylog.push(l), maxVersion: 'TLSv1.2', cipherSuites: [suite],
    });
    const flow = new TcpFlow(pcap, 41001 + i);
    const c = new ClientConnection(cc, 'server.test');
    const s = new ServerConnection(sc);
    for (let k = 0; k < 10 && (c.isHandshaking() || s.isHandshaking()); k++) { move(c, s, flow); move(s, c, flow); }
    assert.equal(c.negotiated?.protocolVersion, 'TLSv1.2', 'TLS 1.2 was negotiated');
    assert.equal(c.negotiated?.cipherSuite, suite, 'the suite under test was negotiated');
    c.writePlaintext(new TextEncoder().encode(`GET /tls12-${i} HTTP/1.1\r\nHost: server.test\r\n\r\n`));
    move(c, s, flow);
    s.writePlaintext(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    move(s, c, flow);
  });
  assert.equal(keylog.filter((l) => l.startsWith('CLIENT_RANDOM ')).length, 3, 'one CLIENT_RANDOM line per connection');

  const pcapFile = join(dir, 'typetls12.pcap');
  const keylogFile = join(dir, 'keylog12.txt');
  writeFileSync(pcapFile, pcap.bytes());
  writeFileSync(keylogFile, keylog.join('\n') + '\n');
  const out = execFileSync('tshark', [
    '-r', pcapFile, '-o', `tls.keylog_file:${keylogFile}`, '-Y', 'http',
    '-T', 'fields', '-e', 'tcp.srcport', '-e', 'http.request.uri', '-e', 'http.response.code',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = out.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows.filter((r) => r[1] !== '').map((r) => [r[0], r[1]]), [['41001', '/tls12-0'], ['41002', '/tls12-1'], ['41003', '/tls12-2']], out);
  assert.equal(rows.filter((r) => r[2] === '200').length, 3, out);
});
