// TLS 1.3 interop: openssl s_client -> typetls server. Every suite x group x server
// certificate (one typetls echo server per certificate, s_client varies its offer), ALPN match
// and mismatch (no_application_protocol), SNI, HRR, KeyUpdate both ways, 1 MiB each way and
// one-byte delivery. Each test checks s_client's report and typetls' `negotiated`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  parseOpensslClientOutput,
  parseTraceKeyUpdates,
  runOpensslClient,
  safeStreamData,
  startByteProxy,
  startOpensslClient,
  type OpensslClientOptions,
} from '../helpers/peers.ts';
import { LEAF_KINDS, makeInteropPki, type InteropPki, type LeafKind } from '../helpers/tls-pki.ts';
import {
  GROUPS,
  SUITES,
  certifiedKey,
  destroyTypetlsSockets,
  startTypetlsServer,
  type TypetlsServer,
  type TypetlsServerOptions,
} from './typetls-endpoints.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let pki: InteropPki;
const servers = new Map<LeafKind, TypetlsServer>();
const extraServers: TypetlsServer[] = [];

before(async () => {
  pki = makeInteropPki();
  for (const kind of LEAF_KINDS) servers.set(kind, await startTypetlsServer({ certificates: [certifiedKey(pki.leaves[kind])] }));
});
after(async () => {
  await Promise.all([...servers.values(), ...extraServers].map((s) => s.stop()));
  destroyTypetlsSockets();
  pki.cleanup();
});

async function extraServer(o: TypetlsServerOptions): Promise<TypetlsServer> {
  const s = await startTypetlsServer(o);
  extraServers.push(s);
  return s;
}

/** s_client sends `ping`, waits for the echo, closes; returns its report and typetls' view. */
async function pingPong(server: TypetlsServer, o: Omit<OpensslClientOptions, 'port'>) {
  const before = server.handshakes.length;
  const r = await runOpensslClient({ caFile: pki.caFile, ...o, port: server.port, input: 'ping\n', until: /^ping$/m });
  assert.equal(r.timedOut, false, `s_client timed out\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^ping$/m, `no echo\n${r.stdout}\n${r.stderr}`);
  assert.equal(server.handshakes.length, before + 1);
  return { client: parseOpensslClientOutput(r.stdout), neg: server.handshakes[before]!, stdout: r.stdout };
}

describe('openssl s_client -> typetls server: suite x group x certificate', () => {
  for (const kind of LEAF_KINDS) {
    describe(`server certificate ${kind}`, () => {
      for (const suite of SUITES) {
        for (const group of GROUPS) {
          test(`${suite} with ${group.openssl}`, async () => {
            const leaf = pki.leaves[kind];
            const { client, neg } = await pingPong(servers.get(kind)!, {
              servername: leaf.hostname, verifyHostname: leaf.hostname, ciphersuites: suite, groups: group.openssl,
            });
            // s_client's side.
            assert.equal(client.protocol, 'TLSv1.3');
            assert.equal(client.cipher, suite);
            assert.equal(client.group, group.openssl);
            assert.equal(client.verifyCode, 0);
            assert.equal(client.peerSubject, `CN = ${leaf.hostname}`);
            assert.equal(client.alpn, null);
            // Ours.
            assert.equal(neg.protocolVersion, 'TLSv1.3');
            assert.equal(neg.cipherSuite, suite);
            assert.equal(neg.group, group.typetls);
            assert.equal(neg.serverName, leaf.hostname);
            assert.equal(neg.helloRetried, false);
            assert.equal(neg.alpn, null);
          });
        }
      }
    });
  }
});

describe('openssl s_client -> typetls server: features', () => {
  test('ALPN match: we pick from the client\'s list, both sides agree', async () => {
    const server = await extraServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], alpn: ['h2', 'http/1.1'] });
    const { client, neg } = await pingPong(server, { alpn: ['http/1.1', 'h2'] });
    assert.ok(neg.alpn === 'h2' || neg.alpn === 'http/1.1', String(neg.alpn));
    assert.equal(client.alpn, neg.alpn);
  });

  test('ALPN mismatch: no_application_protocol (RFC 7301 §3.2)', async () => {
    const server = await extraServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], alpn: ['h2'] });
    const err = server.nextError();
    const r = await runOpensslClient({ port: server.port, caFile: pki.caFile, alpn: ['http/1.1'], input: 'ping\n' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no application protocol/i);
    const e = (await err) as Error & { code?: string };
    assert.equal(e.code, 'ERR_TLS_PEER_NO_APPLICATION_PROTOCOL');
    assert.equal(server.handshakes.length, 0);
  });

  test('SNI: the name picks the certificate; no name gets the first one', async () => {
    // Through a resolver: the default choice among `certificates` ignores SNI (engine gap,
    // reported), so this proves SNI reaches the server and the chosen chain is sent.
    const leaf = pki.leaves['ecdsa-p384'];
    const byName = new Map([[pki.sniLeaf.hostname, certifiedKey(pki.sniLeaf)]]);
    const fallback = certifiedKey(leaf);
    const server = await extraServer({
      certificates: [fallback],
      resolveCertificate: (hello) => (hello.serverName !== null ? byName.get(hello.serverName) : undefined) ?? fallback,
    });
    const a = await pingPong(server, { servername: pki.sniLeaf.hostname, verifyHostname: pki.sniLeaf.hostname });
    assert.equal(a.client.peerSubject, `CN = ${pki.sniLeaf.hostname}`);
    assert.equal(a.client.verifyCode, 0);
    assert.equal(a.neg.serverName, pki.sniLeaf.hostname);
    const b = await pingPong(server, { servername: leaf.hostname, verifyHostname: leaf.hostname });
    assert.equal(b.client.peerSubject, `CN = ${leaf.hostname}`);
    const c = await pingPong(server, {});
    assert.equal(c.neg.serverName, null);
    assert.equal(c.client.peerSubject, `CN = ${leaf.hostname}`);
  });

  test('HRR: we only take P-384, s_client sends an X25519 share first', async () => {
    const server = await extraServer({ certificates: [certifiedKey(pki.leaves['ecdsa-p256'])], groups: ['secp384r1'] });
    const { client, neg, stdout } = await pingPong(server, { groups: 'X25519:P-384', trace: true });
    assert.equal(neg.helloRetried, true);
    assert.equal(neg.group, 'secp384r1');
    assert.equal(client.group, 'P-384');
    assert.equal(stdout.match(/^\s*ClientHello, Length=/gm)?.length, 2, 'two ClientHellos in the trace');
  });

  test('KeyUpdate both ways: s_client\'s K command and our updateKeys(true)', async () => {
    const server = servers.get('ecdsa-p256')!;
    const client = startOpensslClient({ port: server.port, caFile: pki.caFile, trace: true });
    try {
      const secure = server.nextSecure();
      await client.write('one\n');
      await client.waitForOutput(/^one$/m);
      const sock = await secure;
      // Theirs: KeyUpdate(update_requested); we must answer with our own (RFC 8446 §4.6.3).
      // K must arrive in a read of its own (s_client checks the first byte of each read).
      await client.write('K\n');
      await client.waitFor((p) => parseTraceKeyUpdates(p.output()).length === 1, 'our KeyUpdate in the trace');
      await client.write('two\n');
      await client.waitForOutput(/^two$/m);
      assert.deepEqual(parseTraceKeyUpdates(client.output()), [
        { dir: 'sent', requested: true },
        { dir: 'received', requested: false },
      ]);
      // Ours: KeyUpdate(update_requested) then data; s_client answers before its next data.
      sock.connection.updateKeys(true);
      sock.write('from-server\n');
      await client.waitForOutput(/^from-server$/m);
      await client.write('three\n');
      await client.waitForOutput(/^three$/m);
      assert.deepEqual(parseTraceKeyUpdates(client.output()), [
        { dir: 'sent', requested: true },
        { dir: 'received', requested: false },
        { dir: 'received', requested: true },
        { dir: 'sent', requested: false },
      ]);
    } finally {
      await client.stop();
    }
  });

  test('1 MiB each way through the echo server, byte-exact', async () => {
    const server = servers.get('rsa2048')!;
    const client = startOpensslClient({ port: server.port, caFile: pki.caFile, quiet: true, ciphersuites: 'TLS_AES_128_GCM_SHA256' });
    try {
      const data = safeStreamData(MiB, 11);
      await client.write(data);
      await client.waitForBytes(MiB, 30_000);
      assert.equal(client.stdoutLength(), MiB);
      assert.equal(sha256(client.stdoutBytes()), sha256(data));
    } finally {
      await client.stop();
    }
  });

  test('one byte at a time into the engine (every readTls call gets 1 byte)', async () => {
    const server = await extraServer({ certificates: [certifiedKey(pki.leaves.ed25519)], byteWise: true });
    const { client, neg } = await pingPong(server, { ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256', groups: 'P-256' });
    assert.equal(client.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(neg.cipherSuite, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(neg.group, 'secp256r1');
    assert.equal(client.peerSignatureType, 'ed25519');
  });

  test('one byte per TCP write both ways, through a proxy', async () => {
    const server = servers.get('ecdsa-p384')!;
    const proxy = await startByteProxy(server.port);
    try {
      const before = server.handshakes.length;
      const r = await runOpensslClient({ port: proxy.port, caFile: pki.caFile, input: 'ping\n', until: /^ping$/m, timeoutMs: 30_000 });
      const client = parseOpensslClientOutput(r.stdout);
      assert.equal(client.protocol, 'TLSv1.3');
      assert.equal(client.cipher, server.handshakes[before]?.cipherSuite);
      assert.ok(proxy.forwarded.up > 200 && proxy.forwarded.down > 1000, JSON.stringify(proxy.forwarded));
    } finally {
      await proxy.stop();
    }
  });
});
