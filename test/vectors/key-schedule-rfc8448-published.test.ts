// The published RFC 8448 §3 (simple 1-RTT), from Botan's machine-readable copy of its records
// (/work/shared/vectors/rfc8448/botan-transcripts.vec): our key schedule, transcript, X25519
// and AES-128-GCM must derive the RFC's handshake key/IV, decrypt the server's encrypted
// flight, verify both Finished messages and decrypt the client's application data.
// (key-schedule-rfc8448.test.ts checks every intermediate value, on the editors' copy.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sha256 } from '../../src/providers/node/hash.ts';
import { aes128Gcm } from '../../src/providers/node/aead.ts';
import { X25519Exchange } from '../../src/providers/node/key-exchange.ts';
import { EarlySecret, trafficKeys, verifyFinished, finishedVerifyData } from '../../src/core/crypto/key-schedule.ts';
import { Transcript } from '../../src/core/crypto/transcript.ts';
import { fromHex, toHex } from '../../src/core/util.ts';
import type { TrafficKeys } from '../../src/core/crypto/key-schedule.ts';

function section(name: string): Map<string, Uint8Array> {
  const text = readFileSync(new URL('../../../shared/vectors/rfc8448/botan-transcripts.vec', import.meta.url), 'utf8');
  const out = new Map<string, Uint8Array>();
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('[')) inside = line.trim() === `[${name}]`;
    else if (inside) {
      const m = /^(\w+) = ([0-9a-fA-F]*)\s*$/.exec(line);
      if (m && m[2]!.length % 2 === 0) out.set(m[1]!, fromHex(m[2]!)); // (CurrentTimestamp is decimal)
    }
  }
  return out;
}

/** Opens one TLS 1.3 record (RFC 8446 §5.2): nonce = iv XOR seq, AAD = the record header. */
function openRecord(keys: TrafficKeys, seq: number, record: Uint8Array): Uint8Array {
  const key = aes128Gcm.importKey(keys.key);
  const nonce = keys.iv.slice();
  const view = new DataView(nonce.buffer);
  view.setUint32(8, view.getUint32(8) ^ seq);
  const out = new Uint8Array(record.length - 5 - 16);
  const n = key.open(nonce, record.subarray(0, 5), record.subarray(5), out, 0);
  assert.equal(n, out.length, 'record authenticates');
  return out;
}

test('published RFC 8448 §3: handshake keys, encrypted flight, Finished, application data', () => {
  const v = section('Simple_1RTT_Handshake');
  const get = (k: string): Uint8Array => {
    const x = v.get(k);
    assert.ok(x, `botan-transcripts.vec has ${k}`);
    return x;
  };
  // RNG pools: 32-byte hello random, then the X25519 private key.
  const client = X25519Exchange.fromPrivateKey(get('Client_RNG_Pool').subarray(32, 64));
  const server = X25519Exchange.fromPrivateKey(get('Server_RNG_Pool').subarray(32, 64));
  const clientHello = get('Record_ClientHello_1').subarray(5);
  const serverHello = get('Message_ServerHello');
  assert.ok(toHex(clientHello).includes(toHex(client.publicShare)), 'ClientHello carries our share');
  assert.ok(toHex(serverHello).includes(toHex(server.publicShare)), 'ServerHello carries the server share');
  const shared = client.complete(server.publicShare);
  assert.deepEqual(server.complete(client.publicShare), shared);

  const t = new Transcript();
  t.add(clientHello);
  t.startHash(sha256);
  t.add(serverHello);
  const hs = new EarlySecret(sha256, null).intoHandshakeSecret(shared);
  const sHs = hs.serverHandshakeTrafficSecret(t.current());
  const cHs = hs.clientHandshakeTrafficSecret(t.current());
  const sKeys = trafficKeys(sha256, sHs, 16);
  // The server handshake key and IV RFC 8448 §3 prints.
  assert.equal(toHex(sKeys.key), '3fce516009c21727d0f2e4e86ee403bc');
  assert.equal(toHex(sKeys.iv), '5d313eb2671276ee13000b30');

  const flight = openRecord(sKeys, 0, get('Record_ServerHandshakeMessages'));
  assert.equal(flight[flight.length - 1], 22, 'inner content type handshake');
  const ee = get('Message_EncryptedExtensions');
  const cert = get('Message_Server_Certificate');
  const cv = get('Message_Server_CertificateVerify');
  const fin = get('Message_Server_Finished');
  assert.equal(toHex(flight.subarray(0, flight.length - 1)), toHex(ee) + toHex(cert) + toHex(cv) + toHex(fin));
  t.add(ee);
  t.add(cert);
  t.add(cv);
  assert.equal(verifyFinished(sha256, sHs, t.current(), fin.subarray(4)), true, 'server Finished');
  t.add(fin);
  const serverFinishedHash = t.current();

  const clientFinished = openRecord(trafficKeys(sha256, cHs, 16), 0, get('Record_ClientFinished'));
  assert.equal(toHex(clientFinished.subarray(4, 36)), toHex(finishedVerifyData(sha256, cHs, serverFinishedHash)), 'client Finished');

  const ms = hs.intoMasterSecret();
  const cAp = trafficKeys(sha256, ms.clientApplicationTrafficSecret(serverFinishedHash), 16);
  const sAp = trafficKeys(sha256, ms.serverApplicationTrafficSecret(serverFinishedHash), 16);
  const appData = openRecord(cAp, 0, get('Record_Client_AppData'));
  assert.equal(toHex(appData), toHex(get('Client_AppData')) + '17');
  // The server sent its NewSessionTicket first, so its application data is record 1.
  assert.equal(toHex(openRecord(sAp, 1, get('Record_Server_AppData'))), toHex(get('Server_AppData')) + '17');
});
