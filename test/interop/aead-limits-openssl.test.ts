/**
 * AEAD limits against `openssl s_server` (RFC 8446 §5.5), with `aeadLimitsForTesting` lowering
 * our confidentiality limit: under TLS 1.3 our client sends KeyUpdates by itself (seen in
 * s_server's `-trace`) and data keeps flowing over far more records than the limit; under
 * TLS 1.2 it closes with close_notify before the limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { isTlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { TlsSocket } from '../../src/node/socket.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { parseOpensslServerOutput, startOpensslServer } from '../helpers/peers.ts';
import { makeInteropPki, type InteropPki } from '../helpers/tls-pki.ts';
import { destroyTypetlsSockets, secured } from './typetls-endpoints.ts';

let pki: InteropPki;
const sockets = new Set<TlsSocket>();
before(() => { pki = makeInteropPki(); });
after(() => {
  for (const s of sockets) s.destroy();
  destroyTypetlsSockets();
  pki.cleanup();
});

function client(port: number, version: 'TLSv1.2' | 'TLSv1.3', confidentiality: number): TlsSocket {
  const config = createClientConfig({
    provider: nodeCryptoProvider,
    verifier: createServerVerifier({ roots: [pki.root.certDer], signatures: nodeCryptoProvider.signatures }),
    minVersion: version,
    maxVersion: version,
    // secp256r1 too: under TLS 1.2 it also names the ECDSA certificate curves we take (RFC 8422 §5.1).
    groups: ['x25519', 'secp256r1'],
    aeadLimitsForTesting: { confidentiality },
  });
  const tcp = net.connect(port, '127.0.0.1');
  tcp.setNoDelay(true);
  tcp.on('error', () => {});
  const s = new TlsSocket({ connection: new ClientConnection(config, 'localhost'), transport: tcp });
  sockets.add(s);
  return s;
}

const write = (s: TlsSocket, line: string): Promise<void> => new Promise((res, rej) => s.write(line, (e) => (e ? rej(e) : res())));

describe('AEAD limits against openssl s_server', () => {
  it('TLS 1.3: a limit of 16 records: KeyUpdates go out by themselves, 120 records arrive', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, trace: true });
    try {
      const s = client(server.port, 'TLSv1.3', 16);
      await secured(s);
      for (let i = 0; i < 120; i++) await write(s, `line-${i}\n`);
      await server.waitForOutput(/^line-119$/m);
      const out = server.output();
      for (let i = 0; i < 120; i++) assert.match(out, new RegExp(`^line-${i}$`, 'm'));
      const updates = parseOpensslServerOutput(out).keyUpdates;
      // Limit 16, margin 4: one KeyUpdate per 12 records sealed (write callbacks keep one record
      // per write), so about 10; at least 120 / 16 are needed for the data to flow at all.
      assert.ok(updates.length >= 8, `KeyUpdates seen by s_server: ${updates.length}`);
      assert.ok(updates.every((u) => u.dir === 'received' && !u.requested), JSON.stringify(updates));
      s.destroy();
    } finally {
      await server.stop();
    }
  });

  it('TLS 1.2: a limit of 12 records: close_notify before the limit, later writes refused', async () => {
    const leaf = pki.leaves['ecdsa-p256'];
    const server = await startOpensslServer({ certFile: leaf.certPath, keyFile: leaf.keyPath, chainFile: leaf.chainPath, tls13Only: false, extraArgs: ['-tls1_2'], trace: true });
    try {
      const s = client(server.port, 'TLSv1.2', 12);
      const n = await secured(s);
      assert.equal(n.protocolVersion, 'TLSv1.2');
      const errors: unknown[] = [];
      s.on('error', (e) => errors.push(e));
      let written = 0;
      for (let i = 0; i < 30; i++) {
        try {
          await write(s, `v12-${i}\n`);
          written++;
        } catch {
          break;
        }
      }
      assert.ok(written >= 1 && written < 12, `wrote ${written} records before closing`);
      await server.waitForOutput(new RegExp(`^v12-${written - 1}$`, 'm'));
      // s_server -trace shows our close_notify (OpenSSL spells it "close notify"), then DONE.
      await server.waitForOutput(/^\s*Received Record[\s\S]*Level=warning\(1\), description=close notify\(0\)\s*\nDONE$/m);
      assert.ok(errors.every((e) => isTlsError(e) && e.code === 'ERR_TLS_USAGE_CLOSED'), `errors: ${errors.map(String).join('; ')}`);
      s.destroy();
    } finally {
      await server.stop();
    }
  });
});
