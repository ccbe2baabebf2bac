/**
 * Reproducible TLS 1.3 handshake transcripts for mutation fuzzing and the saved engine corpus:
 * fixed certificates (test/fixtures/engine-corpus/pki.json), a fixed clock, deterministic
 * randomness and ephemeral keys, and an Ed25519 server key (deterministic signatures), so a
 * fresh engine of either side accepts the recorded bytes of its peer up to a mutation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientConnection, ServerConnection, createClientConfig, createServerConfig, type CertifiedKey } from '../../src/core/index.ts';
import type { TlsConnection } from '../../src/core/conn/api.ts';
import type { CryptoProvider, Tls13CipherSuite } from '../../src/core/crypto/provider.ts';
import { isTlsError, type TlsError } from '../../src/core/errors.ts';
import { nodeCryptoProvider } from '../../src/providers/node/index.ts';
import { createServerVerifier } from '../../src/webpki/index.ts';
import { createFixedProvider } from './fixed-provider.ts';
import { KeyLog, RawProtection, parseRecords, record } from './engine-bad-input-tools.ts';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'engine-corpus');

/** A handshake configuration; `id` names it in corpus files. */
export interface Scenario {
  readonly id: string;
  readonly suite: string;
  readonly clientGroups: readonly string[];
  readonly serverGroups: readonly string[];
}

export const scenarios: readonly Scenario[] = [
  { id: 'aes128-x25519', suite: 'TLS_AES_128_GCM_SHA256', clientGroups: ['x25519'], serverGroups: ['x25519'] },
  { id: 'aes256-p384', suite: 'TLS_AES_256_GCM_SHA384', clientGroups: ['secp384r1'], serverGroups: ['secp384r1'] },
  { id: 'chacha-p256', suite: 'TLS_CHACHA20_POLY1305_SHA256', clientGroups: ['secp256r1'], serverGroups: ['secp256r1'] },
  { id: 'hrr-aes128-p256', suite: 'TLS_AES_128_GCM_SHA256', clientGroups: ['x25519', 'secp256r1'], serverGroups: ['secp256r1'] },
];

export function scenarioById(id: string): Scenario {
  const s = scenarios.find((x) => x.id === id);
  assert.ok(s !== undefined, `no scenario ${id}`);
  return s;
}

const pki = JSON.parse(readFileSync(join(CORPUS_DIR, 'pki.json'), 'utf8')) as { rootDer: string; leafDer: string; leafKeyPem: string };
const rootDer = Uint8Array.from(Buffer.from(pki.rootDer, 'hex'));
const certified: CertifiedKey = { chain: [Uint8Array.from(Buffer.from(pki.leafDer, 'hex'))], key: nodeCryptoProvider.loadSigningKey(pki.leafKeyPem) };
const verifier = createServerVerifier({ roots: [rootDer], signatures: nodeCryptoProvider.signatures });
const NOW = Date.UTC(2025, 5, 1);

/** A provider whose randomness (xorshift from `seed`) and ephemeral keys are fixed. */
export function deterministicProvider(seed: number): CryptoProvider {
  const keys = (n: number, len: number) => [Uint8Array.from({ length: len }, (_, i) => (i === 0 ? 1 : (n * 31 + i * 7 + seed) & 0x7f))];
  const fixed = createFixedProvider({
    x25519PrivateKeys: [...keys(1, 32), ...keys(2, 32)],
    secp256r1PrivateKeys: [...keys(3, 32), ...keys(4, 32)],
    secp384r1PrivateKeys: [...keys(5, 48), ...keys(6, 48)],
    whenKeysRunOut: 'generate',
  });
  let x = (seed * 2654435761) >>> 0 || 1;
  return {
    ...fixed,
    fillRandom(out: Uint8Array): void {
      for (let i = 0; i < out.length; i++) {
        x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
        out[i] = x & 0xff;
      }
    },
  };
}

export function makeClient(s: Scenario, keyLog: ((line: string) => void) | null = null): ClientConnection {
  return new ClientConnection(createClientConfig({
    provider: deterministicProvider(1), verifier, cipherSuites: [s.suite], groups: s.clientGroups, now: () => NOW, keyLog,
  }), 'server.test');
}

export function makeServer(s: Scenario, keyLog: ((line: string) => void) | null = null): ServerConnection {
  return new ServerConnection(createServerConfig({
    provider: deterministicProvider(2), certificates: [certified], cipherSuites: [s.suite], groups: s.serverGroups, now: () => NOW, keyLog,
  }));
}

export function suiteOf(s: Scenario): Tls13CipherSuite {
  const suite = nodeCryptoProvider.cipherSuites.find((x): x is Tls13CipherSuite => x.version === 'TLSv1.3' && x.name === s.suite);
  assert.ok(suite !== undefined, `provider has ${s.suite}`);
  return suite;
}

/** Everything each side sent, in order, as flights (one `writeTls()` each). */
export interface Transcript {
  readonly scenario: Scenario;
  readonly toServer: Uint8Array[];
  readonly toClient: Uint8Array[];
  /** Key-log secrets of both sides (same labels on each side). */
  readonly secrets: KeyLog;
}

/** One record of a stream, opened when protected (`epoch` indexes the traffic secret; -1: plaintext). */
export interface OpenedRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  innerType: number;
  content: Uint8Array;
}

/** The handshake and application traffic secrets protecting what `side` receives. */
function secretsFor(t: Transcript, side: 'client' | 'server'): Uint8Array[] {
  return side === 'client'
    ? [t.secrets.get('SERVER_HANDSHAKE_TRAFFIC_SECRET'), t.secrets.get('SERVER_TRAFFIC_SECRET_0')]
    : [t.secrets.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), t.secrets.get('CLIENT_TRAFFIC_SECRET_0')];
}

/** Opens every record `side` receives in `t` (protected ones with the key-log secrets). */
export function openStream(t: Transcript, side: 'client' | 'server'): OpenedRecord[] {
  const secrets = secretsFor(t, side);
  const suite = suiteOf(t.scenario);
  let epoch = 0;
  let p = new RawProtection(suite, secrets[0]!);
  const out: OpenedRecord[] = [];
  for (const r of parseRecords(concat(side === 'client' ? t.toClient : t.toServer))) {
    if (r.type !== 23) { out.push({ type: r.type, version: r.version, epoch: -1, innerType: r.type, content: r.payload }); continue; }
    let o = p.tryOpen(r);
    if (o === null && epoch + 1 < secrets.length) {
      epoch++;
      p = new RawProtection(suite, secrets[epoch]!);
      o = p.tryOpen(r);
    }
    assert.ok(o !== null, `record ${out.length} opens with a known secret`);
    out.push({ type: 23, version: r.version, epoch, innerType: o.type, content: o.content });
  }
  return out;
}

/** Re-frames (and re-protects, in order) opened records into a byte stream. */
export function sealStream(t: Transcript, side: 'client' | 'server', records: readonly OpenedRecord[]): Uint8Array {
  const secrets = secretsFor(t, side);
  const suite = suiteOf(t.scenario);
  const prot = secrets.map((s) => new RawProtection(suite, s));
  return concat(records.map((r) => (r.epoch < 0 ? record(r.type, r.content, r.version) : prot[r.epoch]!.seal(r.innerType, r.content))));
}

/** Runs a handshake, one message each way, and close_notify from the client. */
export function recordTranscript(s: Scenario): Transcript {
  const secrets = new KeyLog();
  const c = makeClient(s, secrets.sink), sv = makeServer(s, secrets.sink);
  const toServer: Uint8Array[] = [], toClient: Uint8Array[] = [];
  const move = (from: TlsConnection, to: TlsConnection, log: Uint8Array[]) => {
    for (let out = from.writeTls(); out !== null; out = from.writeTls()) {
      log.push(out.slice());
      assert.equal(to.readTls(out), out.length, 'whole flight accepted');
      to.processNewPackets();
    }
  };
  for (let i = 0; i < 10 && (c.isHandshaking() || sv.isHandshaking() || c.wantsWrite() || sv.wantsWrite()); i++) {
    move(c, sv, toServer);
    move(sv, c, toClient);
  }
  assert.equal(c.isHandshaking() || sv.isHandshaking(), false, 'recorded handshake completes');
  c.writePlaintext(new TextEncoder().encode('hello from the client'));
  sv.writePlaintext(new TextEncoder().encode('hello from the server'));
  c.sendCloseNotify();
  move(c, sv, toServer);
  move(sv, c, toClient);
  return { scenario: s, toServer, toClient, secrets };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** What a replay into a fresh engine ended with. */
export interface Outcome {
  /** The error code, or null when every byte was accepted without error. */
  readonly code: string | null;
  readonly handshakeDone: boolean;
  readonly plaintext: string;
  readonly peerClosed: boolean;
  /** The last handshake state the engine was in. */
  readonly state: string;
  /** How many distinct states it went through (a depth measure for the corpus). */
  readonly statesSeen: number;
  /** Largest `tlsBytesToWrite` + `plaintextBytesToRead` observed. */
  readonly maxQueued: number;
}

/** Reads a private field of the engine (a test-only peek at its buffers and state). */
function peek(conn: TlsConnection, field: string): unknown {
  return Reflect.get(conn, field) as unknown;
}

/** Largest bytes the deframer may hold (two maximal records) and the output we allow queued. */
const MAX_DEFRAMER_BYTES = 2 * (5 + 0x4000 + 256);
const MAX_QUEUED_BYTES = 256 * 1024 + 64 * 1024;

/**
 * Feeds `chunks` into a fresh engine of `side`, checking on every call: only `TlsError`s,
 * never ERR_TLS_INTERNAL (a non-TlsError inside the engine), progress on every call (no
 * stall), bounded buffers, and after an error the same error forever.
 */
export function replay(side: 'client' | 'server', s: Scenario, chunks: readonly Uint8Array[]): Outcome {
  const conn: TlsConnection = side === 'client' ? makeClient(s) : makeServer(s);
  const plain: Uint8Array[] = [];
  const states = new Set<string>();
  let maxQueued = 0;
  let error: TlsError | null = null;
  const stateName = () => (peek(conn, 'state') as { name: string }).name;
  states.add(stateName());
  // Every state the engine enters, even several within one processNewPackets() call.
  const runStep = peek(conn, 'runStep') as (step: unknown) => void;
  Reflect.set(conn, 'runStep', function (this: TlsConnection, step: unknown): void {
    runStep.call(this, step);
    states.add(stateName());
  });
  const check = (e: unknown): TlsError => {
    assert.ok(isTlsError(e), `engine threw a non-TlsError: ${e instanceof Error ? e.stack : String(e)}`);
    const te = e as TlsError;
    assert.notEqual(te.code, 'ERR_TLS_INTERNAL', `engine bug wrapped as internal_error: ${te.message}`);
    assert.equal(conn.error, te, 'connection records its error');
    return te;
  };
  conn.writeTls();
  let peerClosed = false;
  outer: for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      const n = conn.readTls(chunk.subarray(off));
      // The deframer keeps room for a record once complete ones are processed, and we drain
      // plaintext: a healthy engine always takes bytes (else a driver would hang).
      assert.ok(n > 0, `engine stalled: accepts no bytes (state ${stateName()})`);
      off += n;
      let io;
      try {
        io = conn.processNewPackets();
      } catch (e) {
        error = check(e);
        break outer;
      } finally {
        states.add(stateName());
      }
      peerClosed = io.peerHasClosed;
      maxQueued = Math.max(maxQueued, io.tlsBytesToWrite + io.plaintextBytesToRead);
      const deframer = peek(conn, 'deframer') as { buffered(): number };
      assert.ok(deframer.buffered() <= MAX_DEFRAMER_BYTES, `deframer holds ${deframer.buffered()} bytes`);
      assert.ok(maxQueued <= MAX_QUEUED_BYTES, `engine queued ${maxQueued} bytes`);
      conn.writeTls();
      for (let p = conn.readPlaintext(); p !== null; p = conn.readPlaintext()) plain.push(p.slice());
    }
  }
  if (error !== null) {
    const e = error;
    assert.throws(() => conn.processNewPackets(), (x: unknown) => x === e, 'the error repeats');
    assert.equal(conn.readTls(Uint8Array.of(23, 3, 3, 0, 0)), 0, 'a failed connection takes no bytes');
    conn.writeTls();
    assert.equal(conn.writeTls(), null, 'nothing more to write after the alert');
  }
  return {
    code: error === null ? null : error.code,
    handshakeDone: conn.negotiated !== null,
    plaintext: new TextDecoder().decode(concat(plain)),
    peerClosed,
    state: stateName(),
    statesSeen: states.size,
    maxQueued,
  };
}

/** Cut points -> chunks covering `data`. */
export function chunksOf(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) { out.push(data.subarray(prev, p)); prev = p; }
  out.push(data.subarray(prev));
  return out;
}

/** One saved corpus entry (test/fixtures/engine-corpus/*.hex). */
export interface CorpusEntry {
  readonly name: string;
  readonly side: 'client' | 'server';
  readonly scenario: string;
  readonly expect: string;
  readonly state: string;
  readonly input: Uint8Array;
}

export function formatCorpusEntry(e: Omit<CorpusEntry, 'name'>, note: string): string {
  const h = Buffer.from(e.input).toString('hex').replace(/.{1,96}/g, '$&\n');
  return `# ${note}\n# side: ${e.side}\n# scenario: ${e.scenario}\n# expect: ${e.expect}\n# state: ${e.state}\n${h}`;
}

export function parseCorpusEntry(name: string, text: string): CorpusEntry {
  const field = (k: string): string => {
    const m = new RegExp(`^# ${k}: (.*)$`, 'm').exec(text);
    assert.ok(m !== null, `${name}: no "${k}" line`);
    return m[1]!.trim();
  };
  const side = field('side');
  assert.ok(side === 'client' || side === 'server', `${name}: side ${side}`);
  const hexText = text.split('\n').filter((l) => !l.startsWith('#')).join('').trim();
  return { name, side, scenario: field('scenario'), expect: field('expect'), state: field('state'), input: Uint8Array.from(Buffer.from(hexText, 'hex')) };
}
