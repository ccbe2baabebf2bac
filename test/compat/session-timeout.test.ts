// sessionTimeout sets the lifetime of the tickets a server issues, differential (node:tls and
// typetls/node-compat servers), read by `openssl s_client` ("lifetime hint") as a neutral peer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { close, impls, listen, makePki, type AnySocket, type Pki } from './harness.ts';

let pki: Pki;
before(() => { pki = makePki(); });
after(() => pki.pki.cleanup());

/** Runs s_client against 127.0.0.1:port, waits for the session tickets, returns every lifetime hint seen. */
function lifetimeHints(port: number, version: '-tls1_3' | '-tls1_2'): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, version, '-servername', 'localhost', '-ign_eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    p.on('error', reject);
    p.on('close', () => resolve([...out.matchAll(/lifetime hint: (\d+)/g)].map((m) => Number(m[1]))));
    // The server ends the connection after the handshake; stdin stays open until then.
    setTimeout(() => p.stdin.end(), 3000).unref();
  });
}

for (const { name, tls } of impls) {
  for (const version of ['-tls1_3', '-tls1_2'] as const) {
    test(`${name} server, sessionTimeout 60 (${version}): tickets say 60 seconds; unset, 7200 (OpenSSL's default, not the 300 node's docs give)`, async () => {
      for (const [timeout, expected] of [[60, 60], [undefined, 7200]] as const) {
        const s = tls.createServer({ key: pki.good.keyPem, cert: pki.good.certPem, ...(timeout !== undefined ? { sessionTimeout: timeout } : {}) }, (c: AnySocket) => {
          setTimeout(() => c.end(), 200);
        });
        const port = await listen(s);
        try {
          const hints = await lifetimeHints(port, version);
          assert.ok(hints.length > 0, `s_client saw a session ticket from ${name}`);
          assert.deepEqual([...new Set(hints)], [expected]);
        } finally {
          await close(s);
        }
      }
    });
  }
}
