/**
 * TLS 1.3 record protection reproduced byte for byte from the RFC 8448 traces:
 * - the editor's copy of the draft (every key, IV, payload and record of section 3; a different
 *   run from the published RFC, see /work/shared/vectors/rfc8448/README.md);
 * - Botan's machine-readable copy of the published RFC 8448 §3 records, with the RFC's traffic
 *   keys and IVs.
 */
import { sharedPath } from '../helpers/shared-data.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tls13RecordOpener, Tls13RecordSealer } from '../../src/core/record/tls13-protection.ts';
import { NoSealer } from '../../src/core/record/no-protection.ts';
import { RecordFragmenter } from '../../src/core/record/fragmenter.ts';
import { RecordDeframer } from '../../src/core/record/deframer.ts';
import { HandshakeJoiner } from '../../src/core/record/handshake-joiner.ts';
import { aes128Gcm } from '../../src/providers/node/aead.ts';
import { ContentType } from '../../src/core/codec/codepoints.ts';

const DIR = sharedPath('vectors', 'rfc8448');

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** The trace's steps: `{side}  description:` followed by `name (N octets):  hex` fields. */
interface Step { header: string; fields: Map<string, Uint8Array> }

function parseSection(text: string, title: string, nextTitle: string): Step[] {
  const lines = text.split('\n').filter((l) => !/^(Thomson|Internet-Draft)\s/.test(l) && !l.includes('\f'));
  const start = lines.findIndex((l) => l.startsWith(title));
  const end = lines.findIndex((l, i) => i > start && l.startsWith(nextTitle));
  assert.ok(start >= 0 && end > start, `section ${title} not found`);
  const steps: Step[] = [];
  let field: { name: string; octets: number; hex: string } | null = null;
  const close = () => {
    if (field === null) return;
    const bytes = field.hex.trim() === '(empty)' ? new Uint8Array(0) : hex(field.hex);
    assert.equal(bytes.length, field.octets, `${field.name}: ${bytes.length} of ${field.octets} octets`);
    steps[steps.length - 1]!.fields.set(field.name, bytes);
    field = null;
  };
  for (const line of lines.slice(start + 1, end)) {
    if (/^ {3}\{/.test(line)) {
      close();
      steps.push({ header: line.trim(), fields: new Map() });
      continue;
    }
    const m = /^ {6}(\S.*?) \((\d+) octets\):\s*(.*)$/.exec(line);
    if (m !== null) {
      close();
      field = { name: m[1]!, octets: Number(m[2]), hex: m[3]! };
    } else if (field !== null && /^ {9}[0-9a-f]{2}( |$)/.test(line)) {
      field.hex += ' ' + line;
    } else if (line.trim() !== '') {
      close();
    }
  }
  close();
  return steps;
}

const editors = readFileSync(`${DIR}/draft-ietf-tls-tls13-vectors-editors-copy-20180927.txt`, 'latin1');
const simple = parseSection(editors, '3.  Simple 1-RTT Handshake', '4.  Resumed 0-RTT Handshake');

function steps(prefix: string): Step[] {
  return simple.filter((s) => s.header.startsWith(prefix));
}

function field(step: Step | undefined, name: string): Uint8Array {
  assert.ok(step, 'step missing');
  const v = step.fields.get(name);
  assert.ok(v, `${step.header}: no field ${name}`);
  return v;
}

function keys(prefix: string): { key: Uint8Array; iv: Uint8Array } {
  const s = steps(prefix)[0];
  return { key: field(s, 'key expanded'), iv: field(s, 'iv expanded') };
}

function sealOne(sealer: Tls13RecordSealer, type: number, payload: Uint8Array): Uint8Array {
  return new RecordFragmenter().sealToBytes(sealer, type, payload);
}

function openAll(opener: Tls13RecordOpener, wire: Uint8Array): { type: number; payload: Uint8Array }[] {
  const d = new RecordDeframer();
  assert.equal(d.write(wire), wire.length);
  const out: { type: number; payload: Uint8Array }[] = [];
  for (let r = d.next(); r !== null; r = d.next()) {
    const p = opener.open(r);
    out.push({ type: p.contentType, payload: p.payload.slice() });
  }
  return out;
}

describe('RFC 8448 §3 trace (editor\'s copy): record protection byte for byte', () => {
  const serverHs = keys('{server}  derive write traffic keys for handshake data');
  const clientHs = keys('{server}  derive read traffic keys for handshake data');
  const serverAp = keys('{server}  derive write traffic keys for application data');
  const clientAp = keys('{client}  derive write traffic keys for application data');
  const serverHsRecords = steps('{server}  send handshake record');
  const clientHsRecords = steps('{client}  send handshake record');

  it('parses the trace', () => {
    assert.equal(serverHs.key.length, 16);
    assert.equal(serverHs.iv.length, 12);
    assert.equal(serverHsRecords.length, 3); // ServerHello, encrypted flight, NewSessionTicket
    assert.equal(clientHsRecords.length, 2); // ClientHello, Finished
  });

  it('plaintext ClientHello and ServerHello records', () => {
    const ch = clientHsRecords[0]!;
    assert.deepEqual(sealOneNo(new NoSealer(0x0301), field(ch, 'payload')), field(ch, 'complete record'));
    const sh = serverHsRecords[0]!;
    assert.deepEqual(sealOneNo(new NoSealer(), field(sh, 'payload')), field(sh, 'complete record'));
  });

  it('server encrypted handshake flight under the server handshake key', () => {
    const step = serverHsRecords[1]!;
    const sealer = new Tls13RecordSealer(aes128Gcm, serverHs.key, serverHs.iv);
    assert.deepEqual(sealOne(sealer, ContentType.Handshake, field(step, 'payload')), field(step, 'complete record'));
    // And back: deframe, open, join into EncryptedExtensions, Certificate, CertificateVerify, Finished.
    const opened = openAll(new Tls13RecordOpener(aes128Gcm, serverHs.key, serverHs.iv), field(step, 'complete record'));
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.type, ContentType.Handshake);
    assert.deepEqual(opened[0]!.payload, field(step, 'payload'));
    const j = new HandshakeJoiner();
    j.push(opened[0]!.payload);
    const types: number[] = [];
    for (let m = j.next(); m !== null; m = j.next()) types.push(m.type);
    assert.deepEqual(types, [8, 11, 15, 20]);
    j.assertAtKeyChange();
  });

  it('client Finished under the client handshake key', () => {
    const step = clientHsRecords[1]!;
    const sealer = new Tls13RecordSealer(aes128Gcm, clientHs.key, clientHs.iv);
    assert.deepEqual(sealOne(sealer, ContentType.Handshake, field(step, 'payload')), field(step, 'complete record'));
    const opened = openAll(new Tls13RecordOpener(aes128Gcm, clientHs.key, clientHs.iv), field(step, 'complete record'));
    assert.deepEqual(opened[0]!.payload, field(step, 'payload'));
  });

  it('server NewSessionTicket, application data and close_notify under one key (sequence 0, 1, 2)', () => {
    const sealer = new Tls13RecordSealer(aes128Gcm, serverAp.key, serverAp.iv);
    const opener = new Tls13RecordOpener(aes128Gcm, serverAp.key, serverAp.iv);
    const records: [number, Step][] = [
      [ContentType.Handshake, serverHsRecords[2]!],
      [ContentType.ApplicationData, steps('{server}  send application_data record')[0]!],
      [ContentType.Alert, steps('{server}  send alert record')[0]!],
    ];
    for (const [type, step] of records) {
      assert.deepEqual(sealOne(sealer, type, field(step, 'payload')), field(step, 'complete record'), step.header);
      const opened = openAll(opener, field(step, 'complete record'));
      assert.deepEqual(opened, [{ type, payload: field(step, 'payload') }]);
    }
  });

  it('client application data and close_notify (sequence 0, 1)', () => {
    const sealer = new Tls13RecordSealer(aes128Gcm, clientAp.key, clientAp.iv);
    const opener = new Tls13RecordOpener(aes128Gcm, clientAp.key, clientAp.iv);
    for (const [type, step] of [[ContentType.ApplicationData, steps('{client}  send application_data record')[0]!], [ContentType.Alert, steps('{client}  send alert record')[0]!]] as const) {
      assert.deepEqual(sealOne(sealer, type, field(step, 'payload')), field(step, 'complete record'), step.header);
      assert.deepEqual(openAll(opener, field(step, 'complete record')), [{ type, payload: field(step, 'payload') }]);
    }
  });
});

function sealOneNo(sealer: NoSealer, payload: Uint8Array): Uint8Array {
  return new RecordFragmenter().sealToBytes(sealer, ContentType.Handshake, payload);
}

/** Botan's `[Section]` with `Key = hex` lines. */
function botanSection(name: string): Map<string, Uint8Array> {
  const text = readFileSync(`${DIR}/botan-transcripts.vec`, 'latin1');
  const out = new Map<string, Uint8Array>();
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('[')) inside = line.trim() === `[${name}]`;
    else if (inside) {
      const m = /^(\w+) = ([0-9a-fA-F]+)$/.exec(line.trim());
      if (m !== null) out.set(m[1]!, hex(m[2]!));
    }
  }
  return out;
}

describe('RFC 8448 §3 (published values via Botan): record protection byte for byte', () => {
  const v = botanSection('Simple_1RTT_Handshake');
  const get = (k: string) => { const b = v.get(k); assert.ok(b, k); return b; };
  // Traffic keys and IVs from RFC 8448 §3.
  const serverHs = { key: hex('3fce516009c21727d0f2e4e86ee403bc'), iv: hex('5d313eb2671276ee13000b30') };
  const clientHs = { key: hex('dbfaa693d1762c5b666af5d950258d01'), iv: hex('5bd3c71b836e0b76bb73265f') };
  const serverAp = { key: hex('9f02283b6c9c07efc26bb9f2ac92e356'), iv: hex('cf782b88dd83549aadf1e984') };
  const clientAp = { key: hex('17422dda596ed5d9acd890e3c63f5051'), iv: hex('5b78923dee08579033e523d9') };

  it('server handshake flight', () => {
    const flight = Buffer.concat([get('Message_EncryptedExtensions'), get('Message_Server_Certificate'), get('Message_Server_CertificateVerify'), get('Message_Server_Finished')]);
    const sealer = new Tls13RecordSealer(aes128Gcm, serverHs.key, serverHs.iv);
    assert.deepEqual(sealOne(sealer, ContentType.Handshake, new Uint8Array(flight)), get('Record_ServerHandshakeMessages'));
  });

  it('client Finished, NewSessionTicket, application data and close_notify', () => {
    const finished = openAll(new Tls13RecordOpener(aes128Gcm, clientHs.key, clientHs.iv), get('Record_ClientFinished'));
    assert.equal(finished[0]!.type, ContentType.Handshake);
    assert.equal(finished[0]!.payload[0], 20);
    assert.deepEqual(sealOne(new Tls13RecordSealer(aes128Gcm, clientHs.key, clientHs.iv), ContentType.Handshake, finished[0]!.payload), get('Record_ClientFinished'));

    const server = new Tls13RecordSealer(aes128Gcm, serverAp.key, serverAp.iv);
    const nst = openAll(new Tls13RecordOpener(aes128Gcm, serverAp.key, serverAp.iv), get('Record_NewSessionTicket'));
    assert.equal(nst[0]!.payload[0], 4);
    assert.deepEqual(sealOne(server, ContentType.Handshake, nst[0]!.payload), get('Record_NewSessionTicket'));
    assert.deepEqual(sealOne(server, ContentType.ApplicationData, get('Server_AppData')), get('Record_Server_AppData'));
    assert.deepEqual(sealOne(server, ContentType.Alert, Uint8Array.of(1, 0)), get('Record_Server_CloseNotify'));

    const client = new Tls13RecordSealer(aes128Gcm, clientAp.key, clientAp.iv);
    assert.deepEqual(sealOne(client, ContentType.ApplicationData, get('Client_AppData')), get('Record_Client_AppData'));
    assert.deepEqual(sealOne(client, ContentType.Alert, Uint8Array.of(1, 0)), get('Record_Client_CloseNotify'));
  });
});
