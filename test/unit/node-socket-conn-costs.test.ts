// The Node adapter's per-connection economies (issue 5) keep behaviour: the shared handshake
// timer fires for each socket (an earlier deadline registered after a later one included) and
// forgets sockets that finish; the handshake-completing turn leaves in one transport write;
// a socket destroyed inside 'secureConnect' still sends its Finished; the routine "closed
// without close_notify" error carries a stack string without frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { connect, createServer, TlsSocket, type TlsServer } from '../../src/node/index.ts';
import { createDemoCa } from '../../src/cli/demo-ca.ts';
import { createTicketer } from '../../src/core/server/ticketer.ts';
import { createClientSessionStore } from '../../src/core/client/session-store.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import type { TlsError } from '../../src/core/errors.ts';
import { FakeConnection } from '../helpers/node-fake-connection.ts';
import { closeServer, listen } from '../helpers/listen.ts';

const ca = createDemoCa('conn costs test CA');
const leaf = ca.issue(['localhost']);

test('handshake timeouts share one timer: each stalled socket fails, the earlier deadline first', async () => {
  const accepted: net.Socket[] = [];
  const listener = net.createServer((c) => accepted.push(c)); // never answers
  const port = await listen(listener);
  const order: string[] = [];
  const open = (name: string, ms: number): Promise<TlsError> => {
    const s = new TlsSocket({ connection: new FakeConnection('client'), transport: net.connect({ port, host: '127.0.0.1' }), handshakeTimeout: ms });
    return once(s, 'error').then(([e]) => {
      order.push(name);
      s.destroy();
      return e as TlsError;
    });
  };
  try {
    // The later deadline is registered first: the shared timer must be re-armed for the earlier one.
    const slow = open('slow', 400);
    const fast = open('fast', 40);
    const [a, b] = await Promise.all([slow, fast]);
    assert.deepEqual(order, ['fast', 'slow']);
    for (const e of [a, b]) {
      assert.equal(e.code, 'ERR_TLS_CLOSED');
      assert.match(e.message, /handshake did not complete in time/);
    }
  } finally {
    for (const c of accepted) c.destroy();
    await closeServer(listener);
  }
});

test('a completed handshake leaves the timer: no late timeout on an established connection', async () => {
  // Long enough for a cold handshake on a loaded 2-core machine (150 ms was not); the wait
  // below starts after the handshake, so it passes both deadlines.
  const timeout = 1000;
  const server = createServer({ cert: leaf.pem + ca.certificate.pem, key: leaf.keyPem, handshakeTimeout: timeout }, (s) => {
    s.on('error', () => {});
  });
  const port = await listen(server);
  const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, handshakeTimeout: timeout });
  const errors: Error[] = [];
  c.on('error', (e: Error) => errors.push(e));
  try {
    await once(c, 'secureConnect');
    await new Promise((r) => setTimeout(r, timeout + 100)); // past both deadlines
    assert.deepEqual(errors, []);
    assert.equal(c.destroyed, false);
  } finally {
    c.destroy();
    await closeServer(server);
  }
});

test('the server\'s tickets and what its secure listener writes leave in one transport write', async () => {
  const ticketer = createTicketer({ provider: nodeCryptoProvider });
  const raws: Duplex[] = [];
  const server: TlsServer = createServer({ cert: leaf.pem + ca.certificate.pem, key: leaf.keyPem, ticketer, ticketsToSend: 1 }, (s) => {
    s.on('error', () => {});
    s.end('hello');
  });
  // Counts the raw socket's write calls (ahead of the server's own 'connection' listener).
  const writes: number[] = [];
  server.prependListener('connection', (raw: net.Socket) => {
    raws.push(raw);
    const w = raw._write.bind(raw), wv = raw._writev!.bind(raw);
    raw._write = (chunk, enc, cb) => { writes.push(1); w(chunk, enc, cb); };
    raw._writev = (chunks, cb) => { writes.push(chunks.length); wv(chunks, cb); };
  });
  const port = await listen(server);
  const store = createClientSessionStore();
  try {
    const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem, sessionStore: store });
    const parts: Buffer[] = [];
    c.on('data', (d: Buffer) => parts.push(d));
    await once(c, 'end');
    assert.equal(Buffer.concat(parts).toString(), 'hello');
    assert.equal(store.size, 1, 'the ticket arrived');
    // Flight 1 (ServerHello..Finished), then ticket + "hello" + close_notify in one writev.
    assert.equal(writes[0], 1);
    assert.ok(writes.length >= 2 && writes[1]! >= 2, `writes per call: ${writes.join(',')}`);
    c.destroy();
  } finally {
    for (const r of raws) r.destroy();
    await closeServer(server);
  }
});

test('a client destroyed in its secureConnect listener still sends Finished: the server completes', async () => {
  const server = createServer({ cert: leaf.pem + ca.certificate.pem, key: leaf.keyPem }, (s) => s.on('error', () => {}));
  const secured = once(server, 'secureConnection');
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem });
    const closed = once(c, 'close');
    c.on('secureConnect', () => c.destroy());
    await Promise.all([secured, closed]);
  } finally {
    await closeServer(server);
  }
});

test('the peer dropping the transport: ERR_TLS_CLOSED whose stack is a plain line, no frames', async () => {
  const server = createServer({ cert: leaf.pem + ca.certificate.pem, key: leaf.keyPem });
  const got = new Promise<TlsError>((resolve) => {
    server.on('secureConnection', (s: TlsSocket) => s.once('error', (e: Error) => resolve(e as TlsError)));
  });
  const port = await listen(server);
  try {
    const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificate.pem });
    await once(c, 'secureConnect');
    c.transport.end(); // TCP FIN, no close_notify
    const e = await got;
    assert.equal(e.code, 'ERR_TLS_CLOSED');
    assert.match(e.message, /without close_notify/);
    assert.equal(e.stack, `TlsError: ${e.message}`);
    c.destroy();
  } finally {
    await closeServer(server);
  }
});
