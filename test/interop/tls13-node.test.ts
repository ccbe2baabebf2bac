// TLS 1.3 interop with node:tls (OpenSSL inside Node), both directions: every suite x group x
// server certificate, ALPN match and mismatch, SNI, HRR, KeyUpdate (node:tls has no API to
// send one, so only ours, answered by Node's OpenSSL), 1 MiB each way, one-byte delivery.
// node:tls cannot report the group on its server side, so the node servers of the matrix
// accept exactly one group (`ecdhCurve`): a completed handshake proves the group there.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { handshakeInfo, nodeTlsConnect, readBytes, safeStreamData, startNodeTlsServer, type NodeTlsServer } from '../helpers/peers.ts';
import { LEAF_KINDS, makeInteropPki, type InteropPki, type LeafKind, type ServerLeaf } from '../helpers/tls-pki.ts';
import {
  GROUPS,
  SUITES,
  certifiedKey,
  collect,
  destroyTypetlsSockets,
  failed,
  secured,
  startTypetlsServer,
  typetlsClient,
  type TypetlsServer,
  type TypetlsServerOptions,
} from './typetls-endpoints.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let pki: InteropPki;
const nodeServers: NodeTlsServer[] = [];
const typetlsServers: TypetlsServer[] = [];

before(() => {
  pki = makeInteropPki();
});
after(async () => {
  destroyTypetlsSockets();
  await Promise.all([...nodeServers, ...typetlsServers].map((s) => s.stop()));
  pki.cleanup();
});

function nodeServerOptions(leaf: ServerLeaf, extra: tls.TlsOptions = {}): tls.TlsOptions {
  return { cert: leaf.fullChainPem, key: leaf.keyPem, minVersion: 'TLSv1.3', ...extra };
}

async function nodeServer(options: tls.TlsOptions, onSecure?: (s: tls.TLSSocket) => void): Promise<NodeTlsServer> {
  const s = await startNodeTlsServer(options, onSecure);
  nodeServers.push(s);
  return s;
}

async function typetlsServer(o: TypetlsServerOptions): Promise<TypetlsServer> {
  const s = await startTypetlsServer(o);
  typetlsServers.push(s);
  return s;
}

/** node:tls client: connect, send `ping`, read the echo, end. Returns its handshake info. */
async function nodePing(port: number, options: tls.ConnectionOptions) {
  const sock = await nodeTlsConnect(port, { ca: pki.caPem, ...options });
  const info = handshakeInfo(sock);
  const echo = readBytes(sock, 5);
  sock.write('ping\n');
  assert.equal((await echo).toString(), 'ping\n');
  sock.end();
  return { info, cert: sock.getPeerCertificate() };
}

describe('typetls client -> node:tls server: suite x group x certificate', () => {
  const servers = new Map<string, NodeTlsServer>();
  before(async () => {
    for (const kind of LEAF_KINDS) {
      for (const group of GROUPS) {
        servers.set(`${kind}/${group.openssl}`, await nodeServer(nodeServerOptions(pki.leaves[kind], { ecdhCurve: group.openssl })));
      }
    }
  });
  for (const kind of LEAF_KINDS) {
    describe(`server certificate ${kind}`, () => {
      for (const suite of SUITES) {
        for (const group of GROUPS) {
          test(`${suite} with ${group.openssl}`, async () => {
            const leaf = pki.leaves[kind];
            const server = servers.get(`${kind}/${group.openssl}`)!;
            const n = server.handshakes.length;
            const s = typetlsClient({ port: server.port, pki, serverName: leaf.hostname, cipherSuites: [suite], groups: [group.typetls] });
            const neg = await secured(s);
            const echo = collect(s, 5);
            s.write('ping\n');
            assert.equal((await echo).toString(), 'ping\n');
            s.end();
            assert.equal(neg.protocolVersion, 'TLSv1.3');
            assert.equal(neg.cipherSuite, suite);
            assert.equal(neg.group, group.typetls);
            assert.equal(neg.helloRetried, false);
            assert.equal(sha256(neg.peerCertificates[0]!), sha256(leaf.cert.certDer));
            const theirs = server.handshakes[n]!;
            assert.deepEqual(
              { protocol: theirs.protocol, cipher: theirs.cipher, servername: theirs.servername, alpn: theirs.alpn },
              { protocol: 'TLSv1.3', cipher: suite, servername: leaf.hostname, alpn: null },
            );
          });
        }
      }
    });
  }
});

describe('node:tls client -> typetls server: suite x group x certificate', () => {
  const servers = new Map<LeafKind, TypetlsServer>();
  before(async () => {
    for (const kind of LEAF_KINDS) servers.set(kind, await typetlsServer({ certificates: [certifiedKey(pki.leaves[kind])] }));
  });
  for (const kind of LEAF_KINDS) {
    describe(`server certificate ${kind}`, () => {
      for (const suite of SUITES) {
        for (const group of GROUPS) {
          test(`${suite} with ${group.openssl}`, async () => {
            const leaf = pki.leaves[kind];
            const server = servers.get(kind)!;
            const n = server.handshakes.length;
            const { info } = await nodePing(server.port, { servername: leaf.hostname, ciphers: suite, ecdhCurve: group.openssl });
            assert.deepEqual(info, { protocol: 'TLSv1.3', cipher: suite, alpn: null, servername: leaf.hostname, group: group.openssl });
            const neg = server.handshakes[n]!;
            assert.equal(neg.protocolVersion, 'TLSv1.3');
            assert.equal(neg.cipherSuite, suite);
            assert.equal(neg.group, group.typetls);
            assert.equal(neg.serverName, leaf.hostname);
            assert.equal(neg.helloRetried, false);
          });
        }
      }
    });
  }
});

describe('typetls client -> node:tls server: features', () => {
  const leaf = (): ServerLeaf => pki.leaves['ecdsa-p256'];

  test('ALPN match', async () => {
    const server = await nodeServer(nodeServerOptions(leaf(), { ALPNProtocols: ['h2', 'http/1.1'] }));
    const s = typetlsClient({ port: server.port, pki, serverName: leaf().hostname, alpn: ['http/1.1'] });
    const neg = await secured(s);
    s.end();
    assert.equal(neg.alpn, 'http/1.1');
    await server.nextConnection();
    assert.equal(server.handshakes[0]!.alpn, 'http/1.1');
  });

  test('ALPN mismatch: node:tls sends no_application_protocol', async () => {
    const server = await nodeServer(nodeServerOptions(leaf(), { ALPNProtocols: ['h2'] }));
    const s = typetlsClient({ port: server.port, pki, serverName: leaf().hostname, alpn: ['http/1.1'] });
    const e = (await failed(s)) as Error & { code?: string; received?: number };
    assert.equal(e.code, 'ERR_TLS_ALERT_RECEIVED');
    assert.equal(e.received, 120); // no_application_protocol
    assert.equal(server.handshakes.length, 0);
  });

  test('SNI: node:tls picks the context by the name we send', async () => {
    const server = await nodeServer(nodeServerOptions(leaf()));
    server.server.addContext(pki.sniLeaf.hostname, { cert: pki.sniLeaf.fullChainPem, key: pki.sniLeaf.keyPem });
    const s = typetlsClient({ port: server.port, pki, serverName: pki.sniLeaf.hostname });
    const neg = await secured(s);
    s.end();
    assert.equal(sha256(neg.peerCertificates[0]!), sha256(pki.sniLeaf.cert.certDer));
    await server.nextConnection();
    assert.equal(server.handshakes[0]!.servername, pki.sniLeaf.hostname);
  });

  test('HRR: node:tls only takes P-384, we send an X25519 share first', async () => {
    const server = await nodeServer(nodeServerOptions(pki.leaves['ecdsa-p384'], { ecdhCurve: 'P-384' }));
    const s = typetlsClient({ port: server.port, pki, serverName: pki.leaves['ecdsa-p384'].hostname, groups: ['x25519', 'secp384r1'] });
    const neg = await secured(s);
    const echo = collect(s, 3);
    s.write('hi\n');
    assert.equal((await echo).toString(), 'hi\n');
    s.end();
    assert.equal(neg.helloRetried, true);
    assert.equal(neg.group, 'secp384r1');
    assert.equal(server.handshakes[0]!.protocol, 'TLSv1.3');
  });

  test('KeyUpdate: ours with update_requested, data flows both ways after it', async () => {
    const server = await nodeServer(nodeServerOptions(leaf()));
    const s = typetlsClient({ port: server.port, pki, serverName: leaf().hostname });
    await secured(s);
    for (let i = 0; i < 3; i++) {
      s.connection.updateKeys(i !== 1);
      const echo = collect(s, 7);
      s.write(`round${i}\n`);
      assert.equal((await echo).toString(), `round${i}\n`);
    }
    s.end();
  });

  test('1 MiB each way through node:tls echo, byte-exact', async () => {
    const server = await nodeServer(nodeServerOptions(leaf()));
    const s = typetlsClient({ port: server.port, pki, serverName: leaf().hostname });
    await secured(s);
    const data = safeStreamData(MiB, 21);
    const echo = collect(s, MiB, 30_000);
    s.write(data);
    const got = await echo;
    assert.equal(got.length, MiB);
    assert.equal(sha256(got), sha256(data));
    s.end();
  });

  test('one byte at a time into the engine', async () => {
    const server = await nodeServer(nodeServerOptions(pki.leaves.rsa2048));
    const s = typetlsClient({ port: server.port, pki, serverName: pki.leaves.rsa2048.hostname, byteWise: true });
    const neg = await secured(s);
    const echo = collect(s, 5);
    s.write('ping\n');
    assert.equal((await echo).toString(), 'ping\n');
    s.end();
    assert.equal(neg.protocolVersion, 'TLSv1.3');
    await server.nextConnection();
    assert.equal(server.handshakes[0]!.cipher, neg.cipherSuite);
  });
});

describe('node:tls client -> typetls server: features', () => {
  const ck = () => certifiedKey(pki.leaves['ecdsa-p256']);

  test('ALPN match', async () => {
    const server = await typetlsServer({ certificates: [ck()], alpn: ['h2', 'http/1.1'] });
    const { info } = await nodePing(server.port, { servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    assert.equal(info.alpn, 'http/1.1');
    assert.equal(server.handshakes[0]!.alpn, 'http/1.1');
  });

  test('ALPN mismatch: we send no_application_protocol', async () => {
    const server = await typetlsServer({ certificates: [ck()], alpn: ['h2'] });
    const ours = server.nextError();
    await assert.rejects(nodeTlsConnect(server.port, { ca: pki.caPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] }), {
      code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
    });
    assert.equal(((await ours) as Error & { code?: string }).code, 'ERR_TLS_PEER_NO_APPLICATION_PROTOCOL');
  });

  test('SNI: the name picks our certificate', async () => {
    // Through a resolver: the default choice among `certificates` ignores SNI (engine gap).
    const sni = certifiedKey(pki.sniLeaf);
    const fallback = ck();
    const server = await typetlsServer({
      certificates: [fallback],
      resolveCertificate: (hello) => (hello.serverName === pki.sniLeaf.hostname ? sni : fallback),
    });
    const a = await nodePing(server.port, { servername: pki.sniLeaf.hostname });
    assert.equal(a.cert.subject.CN, pki.sniLeaf.hostname);
    assert.equal(server.handshakes[0]!.serverName, pki.sniLeaf.hostname);
    const b = await nodePing(server.port, { servername: 'localhost' });
    assert.equal(b.cert.subject.CN, pki.leaves['ecdsa-p256'].hostname);
  });

  test('HRR: we only take P-384, node:tls sends an X25519 share first', async () => {
    const server = await typetlsServer({ certificates: [ck()], groups: ['secp384r1'] });
    const { info } = await nodePing(server.port, { servername: 'localhost', ecdhCurve: 'X25519:P-384' });
    assert.equal(info.group, 'P-384');
    assert.equal(server.handshakes[0]!.helloRetried, true);
    assert.equal(server.handshakes[0]!.group, 'secp384r1');
  });

  test('KeyUpdate: ours with update_requested toward node:tls, data flows both ways after it', async () => {
    const server = await typetlsServer({ certificates: [ck()], onSecure: () => {} });
    const secure = server.nextSecure();
    const sock = await nodeTlsConnect(server.port, { ca: pki.caPem, servername: 'localhost' });
    const ours = await secure;
    for (let i = 0; i < 3; i++) {
      ours.connection.updateKeys(i !== 1);
      const down = readBytes(sock, 5);
      ours.write(`down${i}`);
      assert.equal((await down).toString(), `down${i}`);
      const up = collect(ours, 3);
      sock.write(`up${i}`);
      assert.equal((await up).toString(), `up${i}`);
    }
    sock.end();
  });

  test('1 MiB each way through our echo, byte-exact', async () => {
    const server = await typetlsServer({ certificates: [certifiedKey(pki.leaves.ed25519)] });
    const sock = await nodeTlsConnect(server.port, { ca: pki.caPem, servername: 'localhost' });
    const data = safeStreamData(MiB, 23);
    const echo = readBytes(sock, MiB, 30_000);
    sock.write(data);
    const got = await echo;
    assert.equal(sha256(got), sha256(data));
    sock.end();
  });

  test('one byte at a time into the engine', async () => {
    const server = await typetlsServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p384'])], byteWise: true });
    const { info } = await nodePing(server.port, { servername: 'localhost', ciphers: 'TLS_AES_256_GCM_SHA384' });
    assert.equal(info.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.equal(server.handshakes[0]!.cipherSuite, 'TLS_AES_256_GCM_SHA384');
  });
});
