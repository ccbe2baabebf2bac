/**
 * RFC 8448 §5 (HelloRetryRequest). The client side is reproduced byte for byte: ClientHello1,
 * ClientHello2 (cookie echoed; RFC 7685 padding to 512 bytes, as NSS and BoringSSL pad), the
 * Finished flight and close_notify, with the trace's random, X25519 and P-256 keys injected.
 * Client config: `grease: false`, `middleboxCompat: false`, `recordSizeLimit: 16385`; its
 * signature_algorithms come from the test-only verifier (the trace's list, DSA/SHA-1 included).
 *
 * The server side is NOT reproduced byte for byte, and cannot be without an illegitimate hook:
 * the trace's HelloRetryRequest carries NSS's 114-byte encrypted cookie, ours is 32 random
 * bytes (a stateless-cookie callback, as OpenSSL has, would be the legitimate feature), and
 * the trace's ClientHello2 echoes NSS's cookie, which our server rightly refuses. Also, NSS
 * sends a HelloRetryRequest because it prefers secp256r1 over the client's x25519 share; ours
 * uses any share for a group it supports. So the server test checks our HelloRetryRequest
 * field by field against the trace's (everything but the cookie), with a server that
 * supports secp256r1 and secp384r1 only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection } from '../../src/core/client/connection.ts';
import { createClientConfig } from '../../src/core/client/config.ts';
import { ServerConnection } from '../../src/core/server/connection.ts';
import { createServerConfig } from '../../src/core/server/config.ts';
import { decodeServerHello, isHelloRetryRequest } from '../../src/core/codec/server-hello.ts';
import { createFixedProvider } from '../helpers/fixed-provider.ts';
import {
  Rfc8448TestOnlyVerifier, TraceReplaySigningKey, feed, field, hex, loadTraces, rfc8448Certificate, splitPool, takeOutput,
} from '../helpers/rfc8448.ts';

const t = loadTraces().get('HelloRetryRequest_Handshake')!;
const cert = rfc8448Certificate();
const suites = ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'];
const now = (): number => 1651826546000; // the trace's CurrentTimestamp

test('RFC 8448 §5 client: both ClientHellos, Finished and close_notify byte for byte', () => {
  const [random, x25519, p256] = splitPool(field(t, 'Client_RNG_Pool'), 32, 32, 32);
  const provider = createFixedProvider({ randoms: [random!], x25519PrivateKeys: [x25519!], secp256r1PrivateKeys: [p256!] });
  const verifier = new Rfc8448TestOnlyVerifier(cert);
  const config = createClientConfig({
    provider, verifier, cipherSuites: suites, groups: ['x25519', 'secp256r1', 'secp384r1'], now,
    grease: false, middleboxCompat: false, recordSizeLimit: 16385,
  });
  const client = new ClientConnection(config, 'server');
  assert.equal(hex(takeOutput(client)), hex(field(t, 'Record_ClientHello_1')));

  feed(client, field(t, 'Record_HelloRetryRequest'));
  const ch2 = takeOutput(client);
  assert.equal(ch2.length, 5 + 512, 'ClientHello2 is padded to 512 bytes');
  assert.equal(hex(ch2), hex(field(t, 'Record_ClientHello_2')));

  feed(client, Uint8Array.from(Buffer.concat([field(t, 'Record_ServerHello'), field(t, 'Record_ServerHandshakeMessages')])));
  assert.equal(verifier.signaturesVerified, 1);
  assert.equal(client.isHandshaking(), false);
  assert.equal(hex(takeOutput(client)), hex(field(t, 'Record_ClientFinished')));
  const n = client.negotiated!;
  assert.equal(n.group, 'secp256r1');
  assert.equal(n.helloRetried, true);
  assert.equal(provider.remaining().randoms, 0);

  client.sendCloseNotify();
  assert.equal(hex(takeOutput(client)), hex(field(t, 'Record_Client_CloseNotify')));
  feed(client, field(t, 'Record_Server_CloseNotify'));
  assert.equal(client.error, null);
  assert.equal(client.wantsRead(), false);
});

test('RFC 8448 §5 server: HelloRetryRequest equals the trace field by field except the cookie (see header)', () => {
  const cookie = new Uint8Array(32).fill(0x5a);
  const provider = createFixedProvider({ randoms: [cookie] });
  const key = new TraceReplaySigningKey(cert, field(t, 'Server_MessageToSign'), field(t, 'Server_MessageSignature'));
  const config = createServerConfig({
    provider, cipherSuites: suites, groups: ['secp256r1', 'secp384r1'], now,
    certificates: [{ chain: [cert], key }], recordSizeLimit: 16385,
  });
  const server = new ServerConnection(config);
  feed(server, field(t, 'Record_ClientHello_1'));
  const ours = takeOutput(server);
  const theirs = field(t, 'Record_HelloRetryRequest');
  // No CCS after it: the client's legacy_session_id is empty (RFC 8446 D.4).
  assert.equal(ours[0], 0x16);
  assert.equal(ours.length, 5 + ((ours[3]! << 8) | ours[4]!), 'one record, no compatibility CCS');
  const a = decodeServerHello(ours.subarray(9));
  const b = decodeServerHello(theirs.subarray(9));
  assert.ok(isHelloRetryRequest(a) && isHelloRetryRequest(b));
  assert.equal(hex(a.random), hex(b.random));
  assert.equal(hex(a.legacySessionIdEcho), hex(b.legacySessionIdEcho));
  assert.equal(a.cipherSuite, b.cipherSuite);
  assert.equal(a.extensions.selectedGroup, b.extensions.selectedGroup);
  assert.equal(a.extensions.supportedVersions, b.extensions.supportedVersions);
  assert.deepEqual(a.extensions.order, b.extensions.order, 'extension order key_share, cookie, supported_versions');
  assert.equal(hex(a.extensions.cookie!), hex(cookie));
  assert.notEqual(b.extensions.cookie!.length, a.extensions.cookie!.length);
  // The trace's ClientHello2 echoes NSS's cookie, not ours: refused as RFC 8446 §4.2.2 says.
  assert.throws(() => feed(server, field(t, 'Record_ClientHello_2')), { code: 'ERR_TLS_PEER_ILLEGAL_PARAMETER' });
});
