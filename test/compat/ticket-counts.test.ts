// How many TLS 1.3 tickets a server sends after a full and after a resumed handshake,
// differential: node:tls and typetls/node-compat servers, a node:tls client counting 'session'.
import assert from 'node:assert/strict';
import * as nodeTls from 'node:tls';
import { after, before, test } from 'node:test';
import { close, impls, listen, makePki, type AnySocket, type Pki } from './harness.ts';

let pki: Pki;
before(() => { pki = makePki(); });
after(() => pki.pki.cleanup());

function connectCounting(port: number, session?: Buffer): Promise<{ reused: boolean; sessions: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const sessions: Buffer[] = [];
    const c = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...(session !== undefined ? { session } : {}) });
    c.on('session', (s: Buffer) => sessions.push(s));
    c.on('data', () => {});
    c.on('error', reject);
    // The server ends after 100 ms: every ticket it sends arrives before the end.
    c.on('end', () => resolve({ reused: c.isSessionReused(), sessions }));
  });
}

for (const { name, tls } of impls) {
  test(`${name} server: 2 TLS 1.3 tickets after a full handshake, none after a resumed one`, async () => {
    const s = tls.createServer({ key: pki.good.keyPem, cert: pki.good.certPem }, (c: AnySocket) => { setTimeout(() => c.end(), 100); });
    const port = await listen(s);
    try {
      const full = await connectCounting(port);
      assert.equal(full.reused, false);
      assert.equal(full.sessions.length, 2, 'tickets after the full handshake');
      const resumed = await connectCounting(port, full.sessions[1]);
      assert.equal(resumed.reused, true, 'resumed with a ticket');
      assert.equal(resumed.sessions.length, 0, 'tickets after the resumed handshake');
    } finally {
      await close(s);
    }
  });
}
