// fetch through an undici Agent with the typetls connector, https.get through the compat
// Agent, ws over wss with createConnection: each against a local node server, over typetls.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { Agent as UndiciAgent, fetch } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import compat, { Agent, createConnection, typetlsConnector } from '../../src/node-compat/index.ts';
import { close, listen, makePki, type Pki } from './harness.ts';

let p: Pki;
let server: https.Server;
let port: number;
let wss: WebSocketServer;
const protocols: string[] = [];
/** isSessionReused() of the server socket, per request path. */
const reused = new Map<string, boolean>();

before(async () => {
  p = makePki();
  server = https.createServer({ key: p.good.keyPem, cert: p.good.certPem }, (req, res) => {
    protocols.push((req.socket as import('node:tls').TLSSocket).getProtocol() ?? '');
    reused.set(req.url ?? '', (req.socket as import('node:tls').TLSSocket).isSessionReused());
    // A new connection for the next request (session resumption tests).
    if (req.url?.startsWith('/close') === true) res.setHeader('connection', 'close');
    res.end(`hello ${req.url}`);
  });
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${String(m)}`)));
  port = await listen(server);
});

after(async () => {
  wss.close();
  await close(server);
  p.pki.cleanup();
});

describe('integrations over typetls', () => {
  test('fetch with an undici Agent and typetlsConnector', async () => {
    const dispatcher = new UndiciAgent({ connect: typetlsConnector({ ca: p.root.certPem }) as never });
    try {
      const res = await fetch(`https://localhost:${port}/fetch`, { dispatcher });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello /fetch');
    } finally {
      await dispatcher.close();
    }
  });

  test('fetch refuses an untrusted server (Node code in the cause)', async () => {
    const dispatcher = new UndiciAgent({ connect: typetlsConnector({ ca: p.otherRoot.certPem }) as never });
    try {
      await assert.rejects(fetch(`https://localhost:${port}/`, { dispatcher }), (e: Error) => (e.cause as { code?: string } | undefined)?.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    } finally {
      await dispatcher.close();
    }
  });

  /** GET https://localhost:PORT/PATH through `agent`; resolves with the body. */
  const httpsGet = (agent: Agent, path: string): Promise<string> => new Promise((resolve, reject) => {
    https.get(`https://localhost:${port}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });

  test('https.get through the compat Agent (keep-alive reuses the connection)', async () => {
    const agent = new Agent({ ca: p.root.certPem, keepAlive: true });
    const get = (path: string): Promise<string> => httpsGet(agent, path);
    try {
      assert.equal(await get('/a'), 'hello /a');
      assert.equal(await get('/b'), 'hello /b');
    } finally {
      agent.destroy();
    }
  });

  test('typetlsConnector resumes TLS sessions on new connections (cache per server name)', async () => {
    const dispatcher = new UndiciAgent({ connect: typetlsConnector({ ca: p.root.certPem }) as never });
    try {
      const res1 = await fetch(`https://localhost:${port}/close-fetch-1`, { dispatcher });
      assert.equal(await res1.text(), 'hello /close-fetch-1');
      const res2 = await fetch(`https://localhost:${port}/close-fetch-2`, { dispatcher });
      assert.equal(await res2.text(), 'hello /close-fetch-2');
    } finally {
      await dispatcher.close();
    }
    assert.deepEqual([reused.get('/close-fetch-1'), reused.get('/close-fetch-2')], [false, true]);
    const noCache = new UndiciAgent({ connect: typetlsConnector({ ca: p.root.certPem, maxCachedSessions: 0 }) as never });
    try {
      for (const path of ['/close-nocache-1', '/close-nocache-2']) await (await fetch(`https://localhost:${port}${path}`, { dispatcher: noCache })).text();
    } finally {
      await noCache.close();
    }
    assert.deepEqual([reused.get('/close-nocache-1'), reused.get('/close-nocache-2')], [false, false]);
  });

  test('the compat Agent resumes sessions from its cache (as https.Agent), per agent', async () => {
    const agent = new Agent({ ca: p.root.certPem });
    const other = new Agent({ ca: p.root.certPem, maxCachedSessions: 0 });
    try {
      assert.equal(await httpsGet(agent, '/close-agent-1'), 'hello /close-agent-1');
      assert.equal(await httpsGet(agent, '/close-agent-2'), 'hello /close-agent-2');
      await httpsGet(other, '/close-other-1');
      await httpsGet(other, '/close-other-2');
    } finally {
      agent.destroy();
      other.destroy();
    }
    assert.deepEqual([reused.get('/close-agent-1'), reused.get('/close-agent-2')], [false, true]);
    assert.deepEqual([reused.get('/close-other-1'), reused.get('/close-other-2')], [false, false]);
  });

  test('ws over wss with createConnection', async () => {
    const ws = new WebSocket(`wss://localhost:${port}/`, { createConnection: ((o: Record<string, unknown>) => createConnection({ ...o, ca: p.root.certPem })) as never });
    try {
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.send('ping');
      const reply = await new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
      assert.equal(reply, 'echo ping');
    } finally {
      ws.close();
    }
  });

  test('the module object exposes the helpers', () => {
    assert.equal(compat.Agent, Agent);
    assert.equal(compat.typetlsConnector, typetlsConnector);
  });
});
