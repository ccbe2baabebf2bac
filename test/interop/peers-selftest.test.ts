// Self-test of the interop harness (test/helpers/peers.ts) with real peers only:
// openssl s_server <-> openssl s_client and node:tls <-> openssl, TLS 1.3. Proves the harness
// (ports, readiness, output parsing, streaming, cleanup), not typetls.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  cleanupPeers,
  nodeTlsConnect,
  parseOpensslClientOutput,
  parseOpensslServerOutput,
  parseTraceKeyUpdates,
  readAll,
  readBytes,
  runOpensslClient,
  safeStreamData,
  startByteProxy,
  startNodeTlsServer,
  startOpensslClient,
  startOpensslServer,
} from '../helpers/peers.ts';
import { makeInteropPki, type InteropPki } from '../helpers/tls-pki.ts';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let pki: InteropPki;
before(() => {
  pki = makeInteropPki();
});
after(() => pki.cleanup());

describe('openssl s_server <-> openssl s_client', () => {
  test('negotiation is reported on both sides; HRR forced by the server group preference', async () => {
    const leaf = pki.leaves['ecdsa-p384'];
    const server = await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath,
      groups: 'P-384', ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256', alpn: ['h2', 'http/1.1'], trace: true, naccept: 1,
    });
    try {
      assert.ok(server.port > 0 && server.port < 65536);
      const r = await runOpensslClient({
        port: server.port, servername: leaf.hostname, caFile: pki.caFile, verifyHostname: leaf.hostname,
        groups: 'X25519:P-384', alpn: ['http/1.1'], input: 'ping from client\n', until: /Verify return code/,
      });
      assert.equal(r.timedOut, false);
      const c = parseOpensslClientOutput(r.stdout);
      assert.deepEqual(
        { protocol: c.protocol, cipher: c.cipher, group: c.group, alpn: c.alpn, verify: c.verifyCode, sig: c.peerSignatureType },
        { protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256', group: 'P-384', alpn: 'http/1.1', verify: 0, sig: 'ECDSA' },
        r.stdout,
      );
      await server.waitForOutput('ping from client');
      const s = parseOpensslServerOutput(server.output());
      assert.equal(s.cipher, 'TLS_CHACHA20_POLY1305_SHA256');
      assert.equal(s.group, 'P-384');
      assert.equal(s.helloRetried, true, 'client sent an X25519 share first, so the server must have sent HRR');
      assert.equal(s.alpn, 'http/1.1');
      assert.deepEqual(s.clientAlpn, ['http/1.1']);
      assert.deepEqual(s.sharedGroups, ['P-384']);
    } finally {
      await server.stop();
    }
  });

  test('-www answers GET / with its status page; no HRR when the first share fits', async () => {
    const leaf = pki.leaves.ed25519;
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'www', trace: true });
    try {
      const r = await runOpensslClient({
        port: server.port, caFile: pki.caFile, groups: 'X25519', ignoreEof: true,
        ciphersuites: 'TLS_AES_128_GCM_SHA256', input: 'GET / HTTP/1.0\r\n\r\n',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /HTTP\/1\.0 200 ok/);
      assert.match(r.stdout, /Protocol\s+: TLSv1\.3/);
      const c = parseOpensslClientOutput(r.stdout);
      assert.equal(c.group, 'X25519');
      assert.equal(c.peerSignatureType, 'ed25519');
      const s = parseOpensslServerOutput(server.output());
      assert.equal(s.group, 'X25519');
      assert.equal(s.helloRetried, false);
    } finally {
      await server.stop();
    }
  });

  test('-rev echoes lines reversed; SNI picks the second certificate', async () => {
    const leaf = pki.leaves.rsa2048;
    const server = await startOpensslServer({
      certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, mode: 'rev',
      sni: { servername: pki.sniLeaf.hostname, certFile: pki.sniLeaf.certPath, keyFile: pki.sniLeaf.keyPath, chainFile: pki.sniLeaf.chainPath },
    });
    try {
      const r = await runOpensslClient({
        port: server.port, servername: pki.sniLeaf.hostname, caFile: pki.caFile, verifyHostname: pki.sniLeaf.hostname,
        input: 'abcdef\n', until: /fedcba/,
      });
      assert.match(r.stdout, /fedcba/);
      const c = parseOpensslClientOutput(r.stdout);
      assert.equal(c.peerSubject, 'CN = sni.typetls.test');
      assert.equal(c.verifyCode, 0);
      const s = parseOpensslServerOutput(server.output());
      assert.equal(s.sni, 'sni.typetls.test');
      assert.equal(s.switchedContext, true);
    } finally {
      await server.stop();
    }
  });

  test('KeyUpdate both ways via the k/K stdin commands, seen in -trace', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, trace: true });
    const client = startOpensslClient({ port: server.port, caFile: pki.caFile, trace: true });
    try {
      await client.write('one\n');
      await server.waitForOutput(/^one$/m);
      // s_client only treats a read starting with K as a command: write it alone, no -ign_eof.
      await client.write('K\n');
      await server.waitForOutput(/KeyUpdate, Length=1\s+update_requested/);
      await client.write('two\n');
      await server.waitForOutput(/^two$/m);
      await server.write('k\n');
      await server.waitForOutput(/SSL_do_handshake -> 1/);
      await server.write('three\n');
      await client.waitForOutput(/^three$/m);
      // Client: K (update_requested) sent, then the server's KeyUpdates received. OpenSSL folds
      // its pending reply to K and the k command into one KeyUpdate when both are due (seen).
      const c = parseTraceKeyUpdates(client.output());
      const s = parseOpensslServerOutput(server.output()).keyUpdates;
      assert.deepEqual(c[0], { dir: 'sent', requested: true });
      assert.deepEqual(s[0], { dir: 'received', requested: true });
      assert.ok(c.length >= 2, JSON.stringify(c));
      assert.deepEqual(c.slice(1), s.slice(1).map((k) => ({ dir: 'received', requested: k.requested })));
      assert.ok(s.slice(1).every((k) => k.dir === 'sent' && !k.requested), JSON.stringify(s));
    } finally {
      await client.stop();
      await server.stop();
    }
  });
});

describe('node:tls <-> openssl', () => {
  test('node:tls server, openssl s_client: echo and negotiated parameters', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startNodeTlsServer({
      cert: leaf.fullChainPem, key: leaf.keyPem, minVersion: 'TLSv1.3', ALPNProtocols: ['h2'], ecdhCurve: 'P-256',
    });
    try {
      const r = await runOpensslClient({
        port: server.port, caFile: pki.caFile, alpn: ['h2'], groups: 'P-256', ciphersuites: 'TLS_AES_256_GCM_SHA384',
        input: 'echo me\n', until: /^echo me$/m,
      });
      const c = parseOpensslClientOutput(r.stdout);
      assert.deepEqual([c.protocol, c.cipher, c.group, c.alpn, c.verifyCode], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'P-256', 'h2', 0], r.stdout);
      await server.nextConnection();
      const s = server.handshakes[0]!;
      assert.deepEqual([s.protocol, s.cipher, s.alpn, s.servername], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'h2', null]);
    } finally {
      await server.stop();
    }
  });

  test('openssl s_server -quiet, node:tls client: 1 MiB each way, byte-exact', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, quiet: true });
    try {
      const sock = await nodeTlsConnect(server.port, { ca: pki.caPem, servername: leaf.hostname });
      assert.equal(sock.getProtocol(), 'TLSv1.3');
      const up = safeStreamData(MiB, 7);
      const down = safeStreamData(MiB, 9);
      sock.write(up);
      await server.process.waitForBytes(MiB, 20_000);
      assert.equal(sha256(server.process.stdoutBytes()), sha256(up));
      const got = readBytes(sock, MiB, 20_000);
      await server.write(down);
      assert.equal(sha256(await got), sha256(down));
      sock.destroy();
    } finally {
      await server.stop();
    }
  });

  test('byte-at-a-time proxy between node:tls client and node:tls server', async () => {
    const leaf = pki.leaves.ed25519;
    const server = await startNodeTlsServer({ cert: leaf.fullChainPem, key: leaf.keyPem, minVersion: 'TLSv1.3' });
    const proxy = await startByteProxy(server.port);
    try {
      const sock = await nodeTlsConnect(proxy.port, { ca: pki.caPem, servername: leaf.hostname });
      sock.end('hello through a one-byte pipe');
      assert.equal((await readAll(sock)).toString(), 'hello through a one-byte pipe');
      assert.ok(proxy.forwarded.up > 200 && proxy.forwarded.down > 500, JSON.stringify(proxy.forwarded));
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });
});

describe('cleanup', () => {
  test('stop() and cleanupPeers() leave no process behind', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const a = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath });
    const b = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, quiet: true });
    const pids = [a.process.child.pid!, b.process.child.pid!];
    await a.stop();
    assert.equal(a.process.running, false);
    await cleanupPeers();
    assert.equal(b.process.running, false);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});
