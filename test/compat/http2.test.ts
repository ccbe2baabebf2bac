// HTTP/2 over typetls: fetch through an undici Agent with typetlsConnector({ allowH2 }) against
// a node:http2 secure server (allowHTTP1), node's http2 client over a typetls socket
// (createConnection, differential with node:tls), and a node:http2 server fed typetls sockets.
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as nodeTls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Agent as UndiciAgent, fetch } from 'undici';
import compat, { typetlsConnector } from '../../src/node-compat/index.ts';
import { close, impls, listen, makePki, type Pki } from './harness.ts';

let p: Pki;
let server: http2.Http2SecureServer;
let port: number;
/** What the server saw per request: `${httpVersion} ${alpnProtocol}`. */
const seen: string[] = [];
// Large enough for several flow-control WINDOW_UPDATEs while the response is read (the client
// writes from inside its read path: the case a re-entrant socket gets wrong).
const BIG = 300_000;

before(async () => {
  p = makePki();
  server = http2.createSecureServer({ key: p.good.keyPem, cert: p.good.certPem, allowHTTP1: true }, (req, res) => {
    seen.push(`${req.httpVersion} ${String((req.socket as nodeTls.TLSSocket).alpnProtocol)}`);
    res.end(req.url === '/big' ? 'b'.repeat(BIG) : `v=${req.httpVersion} ${req.url}`);
  });
  port = await listen(server);
});

after(async () => {
  await close(server);
  p.pki.cleanup();
});

async function fetchText(dispatcher: UndiciAgent, path: string): Promise<string> {
  const res = await fetch(`https://localhost:${port}${path}`, { dispatcher });
  assert.equal(res.status, 200);
  return res.text();
}

describe('undici fetch over typetls with allowH2', () => {
  test('allowH2: the server sees HTTP/2 (ALPN h2); bodies, including a large one, arrive whole', async () => {
    seen.length = 0;
    const dispatcher = new UndiciAgent({ allowH2: true, connect: typetlsConnector({ ca: p.root.certPem, allowH2: true }) as never });
    try {
      assert.equal(await fetchText(dispatcher, '/a'), 'v=2.0 /a');
      assert.equal((await fetchText(dispatcher, '/big')).length, BIG);
      assert.equal(await fetchText(dispatcher, '/c'), 'v=2.0 /c');
    } finally {
      await dispatcher.close();
    }
    assert.deepEqual(seen, ['2.0 h2', '2.0 h2', '2.0 h2']);
  });

  test('without allowH2: HTTP/1.1 (only http/1.1 offered)', async () => {
    seen.length = 0;
    const dispatcher = new UndiciAgent({ connect: typetlsConnector({ ca: p.root.certPem }) as never });
    try {
      assert.equal(await fetchText(dispatcher, '/d'), 'v=1.1 /d');
      assert.equal((await fetchText(dispatcher, '/big')).length, BIG);
    } finally {
      await dispatcher.close();
    }
    assert.deepEqual(seen, ['1.1 http/1.1', '1.1 http/1.1']);
  });

  test('an Agent with allowH2 but a connector without it stays on HTTP/1.1', async () => {
    seen.length = 0;
    const dispatcher = new UndiciAgent({ allowH2: true, connect: typetlsConnector({ ca: p.root.certPem }) as never });
    try {
      assert.equal(await fetchText(dispatcher, '/e'), 'v=1.1 /e');
    } finally {
      await dispatcher.close();
    }
    assert.deepEqual(seen, ['1.1 http/1.1']);
  });

  test('allowH2 fetch refuses an untrusted server with the node code in the cause', async () => {
    const dispatcher = new UndiciAgent({ allowH2: true, connect: typetlsConnector({ ca: p.otherRoot.certPem, allowH2: true }) as never });
    try {
      await assert.rejects(fetch(`https://localhost:${port}/`, { dispatcher }), (e: Error) => (e.cause as { code?: string } | undefined)?.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await dispatcher.close();
    }
  });
});

/** One request on an http2 client session; resolves with the body. */
function request(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => { body += d; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

for (const impl of impls) {
  describe(`node:http2 client over ${impl.name} (createConnection)`, () => {
    const connectH2 = (ca: string): http2.ClientHttp2Session => http2.connect(`https://localhost:${port}`, {
      createConnection: () => impl.tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2'] }) as never,
    });

    test('requests over one session, a large body included', async () => {
      seen.length = 0;
      const session = connectH2(p.root.certPem);
      try {
        assert.equal(await request(session, '/x'), 'v=2.0 /x');
        assert.equal((await request(session, '/big')).length, BIG);
        assert.equal(await request(session, '/y'), 'v=2.0 /y');
      } finally {
        session.close();
      }
      assert.deepEqual(seen, ['2.0 h2', '2.0 h2', '2.0 h2']);
    });

    test('an untrusted server fails the session with the node code', async () => {
      const session = connectH2(p.otherRoot.certPem);
      const err = await new Promise<Error & { code?: string }>((resolve) => session.once('error', resolve));
      assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      session.destroy();
    });
  });
}

describe('node:http2 server fed typetls sockets', () => {
  test('a compat tls.Server (ALPN h2) hands its sockets to http2.createServer()', async () => {
    // node's secure http2 server only takes its own TLS; the plain one accepts any Duplex via
    // 'connection' (it then reports the session as h2c: see the report of this work).
    const h2 = http2.createServer((req, res) => res.end(`typetls ${req.httpVersion} ${req.url}`));
    const front = compat.createServer({ key: p.good.keyPem, cert: p.good.certPem, ALPNProtocols: ['h2'] }, (s) => h2.emit('connection', s));
    const frontPort = await listen(front);
    const session = http2.connect(`https://localhost:${frontPort}`, { ca: p.root.certPem });
    try {
      assert.equal(await request(session, '/z'), 'typetls 2.0 /z');
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
      await close(front);
      h2.close();
    }
  });
});
