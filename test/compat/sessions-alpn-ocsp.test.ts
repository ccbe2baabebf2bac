// Differential: session resumption, ALPNCallback, OCSP stapling events, getFinished and TLS 1.2
// through node:tls and typetls/node-compat with identical assertions. The other end is node:tls,
// so every typetls run is also a mixed pair; the last block pairs node-compat with itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { close, impls, listen, makePki, readToEnd, type AnySocket, type Pki, type TlsModule } from './harness.ts';

let p: Pki;
before(() => { p = makePki(); });
after(() => p.pki.cleanup());

function secured(s: AnySocket): Promise<void> {
  return new Promise((resolve, reject) => { s.once('secureConnect', () => resolve()); s.once('error', reject); });
}

/**
 * Connects and reads to the end, collecting 'session' events (TLS 1.3 tickets come after the
 * handshake, before the server's data and close here); `session` is the first one, if any.
 */
async function connectForSession(tls: TlsModule, options: Record<string, unknown>): Promise<{ s: AnySocket; session: Buffer | undefined; sessions: Buffer[]; count: number }> {
  const s = tls.connect(options);
  const sessions: Buffer[] = [];
  s.on('session', (b: Buffer) => sessions.push(b));
  await secured(s);
  await readToEnd(s);
  return { s, session: sessions[0], sessions, count: sessions.length };
}

// A DER-shaped stand-in: node:tls and typetls hand the stapled bytes through unparsed.
const OCSP_BYTES = Buffer.from('3003020100', 'hex');

async function withServer(tls: TlsModule, options: Record<string, unknown>, onConn: (s: AnySocket) => void, fn: (port: number, server: nodeTls.Server) => Promise<void>): Promise<void> {
  const server = tls.createServer({ key: p.good.keyPem, cert: p.good.certPem, ...options }, onConn);
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try { await fn(port, server); } finally { await close(server); }
}

const base = (port: number): Record<string, unknown> => ({ host: '127.0.0.1', port, ca: p.root.certPem, servername: 'localhost' });

for (const impl of impls) {
  const tls = impl.tls;
  describe(`client side: ${impl.name} against node:tls`, () => {
    test('session event, getSession, connect({ session }) resumes (TLS 1.3)', async () => {
      await withServer(nodeTls as unknown as TlsModule, {}, (s) => s.end('hi'), async (port) => {
        const a = await connectForSession(tls, base(port));
        assert.equal(a.s.isSessionReused(), false);
        assert.equal(Buffer.isBuffer(a.session), true, 'session is a Buffer');
        assert.equal(Buffer.isBuffer(a.s.getSession()), true, 'getSession() after a ticket');
        const b = await connectForSession(tls, { ...base(port), session: a.session });
        assert.equal(b.s.isSessionReused(), true, 'resumed');
        assert.equal(b.s.authorized, true, 'a resumed session is authorized');
        assert.equal(b.s.getProtocol(), 'TLSv1.3');
      });
    });

    test('requestOCSP: OCSPResponse carries the staple, or null without one', async () => {
      const server = nodeTls.createServer({ key: p.good.keyPem, cert: p.good.certPem }, (s) => s.end());
      let staple: Buffer | null = OCSP_BYTES;
      server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple ?? undefined));
      const port = await listen(server);
      try {
        for (const expected of [OCSP_BYTES, null]) {
          staple = expected;
          const s = tls.connect({ ...base(port), requestOCSP: true });
          const got = new Promise<Buffer | null>((resolve) => s.once('OCSPResponse', resolve));
          await secured(s);
          assert.deepEqual(await got, expected);
          await readToEnd(s);
        }
      } finally {
        await close(server);
      }
    });

    test('getFinished / getPeerFinished match the server (TLS 1.3 and 1.2)', async () => {
      for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
        let serverSide: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
        await withServer(nodeTls as unknown as TlsModule, { maxVersion }, (s) => { serverSide = [s.getFinished(), s.getPeerFinished()]; s.end(); }, async (port) => {
          const s = tls.connect(base(port));
          await secured(s);
          const mine = [s.getFinished(), s.getPeerFinished()];
          await readToEnd(s);
          // TLS 1.3: Hash.length of the suite (SHA-384 for the AES-256 suite both pick); TLS 1.2: 12.
          assert.equal(mine[0]?.length, maxVersion === 'TLSv1.3' ? 48 : 12);
          assert.deepEqual(mine, [serverSide[1], serverSide[0]]);
        });
      }
    });

    test('TLS 1.2: maxVersion, OpenSSL cipher names, getProtocol/getCipher', async () => {
      await withServer(nodeTls as unknown as TlsModule, {}, (s) => s.end('over 1.2'), async (port) => {
        const s = tls.connect({ ...base(port), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
        await secured(s);
        assert.equal(s.getProtocol(), 'TLSv1.2');
        assert.deepEqual(s.getCipher(), { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', version: 'TLSv1.2' });
        assert.equal(s.authorized, true);
        assert.equal((await readToEnd(s)).toString(), 'over 1.2');
      });
      // minVersion TLSv1.3 against a TLS 1.2-only server: the same failure code.
      await withServer(nodeTls as unknown as TlsModule, { maxVersion: 'TLSv1.2' }, (s) => s.end(), async (port) => {
        const err = await new Promise<Error & { code?: string }>((resolve) => tls.connect({ ...base(port), minVersion: 'TLSv1.3' }).on('error', resolve));
        assert.match(String(err.code), /^ERR_SSL_/);
      });
    });
  });

  describe(`server side: ${impl.name} with node:tls clients`, () => {
    test('tickets resume; getTicketKeys/setTicketKeys; shared ticketKeys resume across servers', async () => {
      const keys = randomBytes(48);
      await withServer(tls, { ticketKeys: keys }, (s) => s.end('hi'), async (port, server) => {
        assert.deepEqual(server.getTicketKeys(), keys);
        const a = await connectForSession(nodeTls as unknown as TlsModule, base(port));
        assert.equal(a.count >= 2, true, 'two tickets (OpenSSL and typetls default)');
        const b = await connectForSession(nodeTls as unknown as TlsModule, { ...base(port), session: a.session });
        assert.equal(b.s.isSessionReused(), true, 'resumed on the same server');
        await withServer(tls, { ticketKeys: keys }, (s) => s.end('hi'), async (port2) => {
          const c = await connectForSession(nodeTls as unknown as TlsModule, { ...base(port2), session: a.sessions[1] });
          assert.equal(c.s.isSessionReused(), true, 'resumed on a server with the same ticketKeys');
        });
        server.setTicketKeys(randomBytes(48));
        const d = await connectForSession(nodeTls as unknown as TlsModule, { ...base(port), session: a.sessions[1] });
        assert.equal(d.s.isSessionReused(), false, 'new ticket keys: full handshake');
      });
    });

    test('server socket isSessionReused', async () => {
      const reused: boolean[] = [];
      await withServer(tls, {}, (s) => { reused.push(s.isSessionReused()); s.end('x'); }, async (port) => {
        const a = await connectForSession(nodeTls as unknown as TlsModule, base(port));
        await connectForSession(nodeTls as unknown as TlsModule, { ...base(port), session: a.session });
      });
      assert.deepEqual(reused, [false, true]);
    });

    test('ALPNCallback chooses, undefined refuses (TLS 1.3 and 1.2)', async () => {
      for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
        const seen: unknown[] = [];
        const chosen: Array<string | false> = [];
        await withServer(tls, {
          maxVersion,
          ALPNCallback: (info: { servername: string; protocols: string[] }) => { seen.push(info); return info.protocols.includes('b') ? 'b' : undefined; },
        }, (s) => { chosen.push(s.alpnProtocol as string | false); s.end(); }, async (port) => {
          const c = nodeTls.connect({ ...base(port), ALPNProtocols: ['a', 'b'] });
          await secured(c);
          assert.equal(c.alpnProtocol, 'b');
          await readToEnd(c);
          const err = await new Promise<Error & { code?: string }>((resolve) => nodeTls.connect({ ...base(port), ALPNProtocols: ['c'] }).on('error', resolve));
          assert.equal(err.code, 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
        });
        assert.deepEqual(seen, [{ servername: 'localhost', protocols: ['a', 'b'] }, { servername: 'localhost', protocols: ['c'] }]);
        assert.deepEqual(chosen, ['b']);
      }
      assert.throws(() => tls.createServer({ ALPNCallback: () => 'x', ALPNProtocols: ['x'], key: p.good.keyPem, cert: p.good.certPem }), { code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS' });
    });

    test('OCSPRequest staples what the callback gives', async () => {
      const args: string[] = [];
      await withServer(tls, {}, (s) => s.end(), async (port, server) => {
        server.on('OCSPRequest', (cert: Buffer, issuer: Buffer, cb: (e: Error | null, r?: Buffer) => void) => {
          // The issuer is the next certificate of our chain; none here (a leaf under the root).
          args.push(Buffer.isBuffer(cert) && cert.length > 0 ? 'cert' : 'none', Buffer.isBuffer(issuer) ? 'issuer' : String(issuer));
          setImmediate(() => cb(null, OCSP_BYTES));
        });
        const c = nodeTls.connect({ ...base(port), requestOCSP: true } as nodeTls.ConnectionOptions);
        const got = new Promise<Buffer | null>((resolve) => c.once('OCSPResponse', resolve));
        await secured(c);
        assert.deepEqual(await got, OCSP_BYTES);
        await readToEnd(c);
        // No status_request from the client: no OCSPRequest event.
        const d = nodeTls.connect(base(port));
        await secured(d);
        await readToEnd(d);
      });
      assert.deepEqual(args, ['cert', 'null']);
    });

    test('TLS 1.2 server: maxVersion and getFinished pairs', async () => {
      let fin: [Buffer | undefined, Buffer | undefined, string | null] = [undefined, undefined, null];
      await withServer(tls, { maxVersion: 'TLSv1.2' }, (s) => { fin = [s.getFinished(), s.getPeerFinished(), s.getProtocol()]; s.end(); }, async (port) => {
        const c = nodeTls.connect({ ...base(port), ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
        await secured(c);
        assert.equal(c.getProtocol(), 'TLSv1.2');
        assert.equal(c.getCipher().name, 'ECDHE-ECDSA-CHACHA20-POLY1305');
        const mine = [c.getFinished(), c.getPeerFinished()];
        await readToEnd(c);
        assert.deepEqual([fin[1], fin[0], fin[2]], [...mine, 'TLSv1.2']);
      });
    });
  });
}

describe('typetls/node-compat with itself', () => {
  const compat = impls[1]!.tls;
  test('resumption and getFinished between two node-compat ends', async () => {
    await withServer(compat, {}, (s) => s.end('hi'), async (port) => {
      const a = await connectForSession(compat, base(port));
      const b = await connectForSession(compat, { ...base(port), session: a.session });
      assert.equal(b.s.isSessionReused(), true);
      assert.equal(b.s.getFinished()?.length, 48);
    });
  });

  test('bytes that are not a session mean a full handshake, as node:tls (d2i_SSL_SESSION fails quietly)', async () => {
    await withServer(compat, {}, (s) => s.end('hi'), async (port) => {
      const a = await connectForSession(compat, { ...base(port), session: Buffer.from('garbage') });
      assert.equal(a.s.isSessionReused(), false);
      assert.equal(a.count >= 1, true, 'a new session arrives');
    });
  });
});
