// TlsSocket's driving loop over real 127.0.0.1 sockets, with a stand-in connection (no crypto)
// so that backpressure, half-close, blocking callbacks and failures are tested on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { TlsSocket } from '../../src/node/socket.ts';
import { isTlsError, TlsError } from '../../src/core/errors.ts';
import { duplexPair, FakeConnection, type FakeOptions } from '../helpers/node-fake-connection.ts';

interface Pair {
  client: TlsSocket;
  server: TlsSocket;
  serverConnection: FakeConnection;
  close(): Promise<void>;
}

async function pair(serverOptions: FakeOptions = {}, socketOptions: { allowHalfOpen?: boolean; clientInputLimit?: number } = {}): Promise<Pair> {
  const listener = net.createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const raw = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const [rawServer] = await accepted;
  const serverConnection = new FakeConnection('server', serverOptions);
  const server = new TlsSocket({ connection: serverConnection, transport: rawServer, allowHalfOpen: socketOptions.allowHalfOpen ?? false });
  const clientConnection = new FakeConnection('client', socketOptions.clientInputLimit === undefined ? {} : { inputLimit: socketOptions.clientInputLimit });
  const client = new TlsSocket({ connection: clientConnection, transport: raw, allowHalfOpen: socketOptions.allowHalfOpen ?? false });
  return {
    client, server, serverConnection,
    async close() {
      client.destroy();
      server.destroy();
      listener.close();
      await once(listener, 'close');
    },
  };
}

/** Reads until 'end' without destroying the socket (a for-await loop would destroy it). */
function readAll(s: TlsSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

test('handshake events, then echo of 1 MiB through a slow reader (backpressure both ways)', async () => {
  // In-memory transports with real backpressure: loopback TCP buffers would absorb 1 MiB.
  const [rawClient, rawServer] = duplexPair(16 * 1024);
  const p = {
    client: new TlsSocket({ connection: new FakeConnection('client'), transport: rawClient }),
    server: new TlsSocket({ connection: new FakeConnection('server'), transport: rawServer }),
    async close() {
      this.client.destroy();
      this.server.destroy();
    },
  };
  try {
    const secure = once(p.server, 'secure');
    const secureConnect = once(p.client, 'secureConnect');
    await Promise.all([secure, secureConnect]);
    assert.equal(p.client.secure, true);
    assert.equal(p.client.negotiated?.protocolVersion, 'TLSv1.3');
    assert.equal(p.client.alpnProtocol, null);
    assert.deepEqual(p.client.getPeerCertificates(), []);

    const data = randomBytes(1 << 20);
    // The server reads nothing yet: the client's writes must start reporting backpressure.
    let sawBackpressure = false;
    let offset = 0;
    while (offset < data.length) {
      const ok = p.client.write(data.subarray(offset, offset + 16384));
      offset += 16384;
      if (!ok) {
        sawBackpressure = true;
        break;
      }
    }
    assert.ok(sawBackpressure, 'client.write() returned false while nobody read');
    // Let the bytes flow until the server's readable buffer is full and its transport paused.
    for (let i = 0; i < 50 && !p.server._readPaused; i++) await new Promise((r) => setImmediate(r));
    assert.ok(p.server._readPaused, 'server paused its transport when push() returned false');
    assert.ok(p.server.readableLength <= 16384 * 4, `server buffered ${p.server.readableLength} bytes, expected about one high-water mark`);

    const rest = (async () => {
      while (offset < data.length) {
        if (!p.client.write(data.subarray(offset, offset + 16384))) await once(p.client, 'drain');
        offset += 16384;
      }
      p.client.end();
    })();
    // The server echoes; it ends after the client's close_notify (allowHalfOpen false).
    p.server.pipe(p.server);
    const [echoed] = await Promise.all([readAll(p.client), rest]);
    assert.equal(echoed.length, data.length);
    assert.ok(echoed.equals(data), 'echoed bytes match');
  } finally {
    await p.close();
  }
});

test('half-close: the client ends, the server still answers, then both end cleanly', async () => {
  const p = await pair({}, { allowHalfOpen: true });
  try {
    const closed = Promise.all([once(p.client, 'close'), once(p.server, 'close')]);
    p.client.end('request');
    const request = await readAll(p.server);
    assert.equal(request.toString(), 'request');
    assert.equal(p.server.writable, true, 'server can still write after the client ended');
    p.server.end('response after half-close');
    const response = await readAll(p.client);
    assert.equal(response.toString(), 'response after half-close');
    await closed;
    assert.equal(p.client.errored, null);
    assert.equal(p.server.errored, null);
  } finally {
    await p.close();
  }
});

test('a failed handshake emits a TlsError on both sides and the alert reaches the client', async () => {
  const failure = new TlsError('ERR_TLS_PEER_NO_COMMON_SUITE', 'no common cipher suite');
  const p = await pair({ failHandshake: failure });
  try {
    const [serverErr] = (await once(p.server, 'error')) as [unknown];
    const [clientErr] = (await once(p.client, 'error')) as [unknown];
    assert.ok(isTlsError(serverErr));
    assert.equal(serverErr.code, 'ERR_TLS_PEER_NO_COMMON_SUITE');
    assert.ok(isTlsError(clientErr));
    assert.equal(clientErr.code, 'ERR_TLS_ALERT_RECEIVED', `client saw ${clientErr.message}`);
    assert.equal((clientErr as unknown as { received: number }).received, 40); // handshake_failure
  } finally {
    await p.close();
  }
});

test('a pending callback parks the handshake; data written meanwhile arrives after it settles', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const p = await pair({ blockOn: gate });
  try {
    p.client.write('early data ');
    p.client.end('and more');
    let secure = false;
    p.server.once('secure', () => { secure = true; });
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    assert.equal(secure, false, 'no secure event while blocked');
    assert.equal(p.server._blocked, true);
    release();
    const got = await readAll(p.server);
    assert.equal(secure, true);
    assert.equal(got.toString(), 'early data and more');
  } finally {
    await p.close();
  }
});

test('a transport closed without close_notify is an ERR_TLS_CLOSED error, not a clean end', async () => {
  const p = await pair();
  try {
    await once(p.client, 'secureConnect');
    p.server.on('error', () => {}); // its own transport vanished too
    p.server.transport.destroy();
    const [err] = (await once(p.client, 'error')) as [TlsError];
    assert.equal(err.code, 'ERR_TLS_CLOSED');
    assert.match(err.message, /close_notify/);
  } finally {
    await p.close();
  }
});

test('an engine that accepts input in small pieces still receives every byte', async () => {
  const p = await pair({}, { clientInputLimit: 20_000 });
  try {
    const data = randomBytes(200_000);
    p.server.end(data);
    const got = await readAll(p.client);
    assert.ok(got.equals(data));
  } finally {
    await p.close();
  }
});

test('the handshake timeout fails a stalled handshake', async () => {
  const accepted: net.Socket[] = [];
  const listener = net.createServer((c) => accepted.push(c)); // never answers
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const raw = net.connect({ port, host: '127.0.0.1' });
  const s = new TlsSocket({ connection: new FakeConnection('client'), transport: raw, handshakeTimeout: 50 });
  try {
    const [err] = (await once(s, 'error')) as [TlsError];
    assert.equal(err.code, 'ERR_TLS_CLOSED');
    assert.match(err.message, /handshake/);
  } finally {
    s.destroy();
    for (const c of accepted) c.destroy();
    listener.close();
    await once(listener, 'close');
  }
});

test('reads from a kernel socket are lent to the engine; reads from any other Duplex are copied', async () => {
  const p = await pair();
  try {
    await Promise.all([once(p.server, 'secure'), once(p.client, 'secureConnect')]);
    const got = once(p.server, 'data');
    p.client.write('over TCP');
    await got;
    assert.ok(p.serverConnection.lends > 0, `a net.Socket's chunks are lent (lends: ${p.serverConnection.lends})`);
  } finally {
    await p.close();
  }
  const [rawClient, rawServer] = duplexPair(16 * 1024);
  const serverConnection = new FakeConnection('server');
  const server = new TlsSocket({ connection: serverConnection, transport: rawServer });
  const client = new TlsSocket({ connection: new FakeConnection('client'), transport: rawClient });
  try {
    await Promise.all([once(server, 'secure'), once(client, 'secureConnect')]);
    const got = once(server, 'data');
    client.write('over an in-memory pair');
    await got;
    assert.equal(serverConnection.lends, 0, 'a Duplex that may share its chunks is copied from');
  } finally {
    client.destroy();
    server.destroy();
  }
});
