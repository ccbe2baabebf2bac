/**
 * Mutation fuzzing of the TLS 1.3 engine over real, reproducible handshake transcripts
 * (test/helpers/engine-transcripts.ts): every suite, three groups, with and without
 * HelloRetryRequest, both sides. A mutated stream must end in a TlsError (never a non-TlsError
 * or internal_error), never stall, keep its buffers bounded, and repeat its error forever;
 * the valid stream in any chunking gives the same result as in one piece.
 *
 * Set TYPETLS_SAVE_ENGINE_CORPUS=1 to (re)write test/fixtures/engine-corpus/ with inputs that
 * reached deep states; test/unit/engine-bad-input.test.ts replays them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CORPUS_DIR, type OpenedRecord, type Outcome, type Scenario, type Transcript, chunksOf, concat, formatCorpusEntry, makeServer, openStream,
  recordTranscript, replay, scenarios, sealStream,
} from '../helpers/engine-transcripts.ts';

const SAVE = process.env.TYPETLS_SAVE_ENGINE_CORPUS === '1';
/**
 * Runs per (scenario, side) and mutation property; 4 scenarios x 2 sides x (wire + inner)
 * x RUNS = 10,400 mutated handshakes at the default.
 */
const RUNS = Number(process.env.TYPETLS_ENGINE_FUZZ_RUNS ?? 650);
const SEED = 0x7e5713;

const transcripts = new Map<string, Transcript>();
const expected = new Map<string, Outcome>();
const key = (s: Scenario, side: string) => `${s.id}/${side}`;
const inbound = (t: Transcript, side: 'client' | 'server') => (side === 'client' ? t.toClient : t.toServer);

/** Record boundaries of a well-framed stream: [start, end) of each record. */
function recordSpans(b: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let p = 0;
  while (p + 5 <= b.length) {
    const end = p + 5 + ((b[p + 3]! << 8) | b[p + 4]!);
    if (end > b.length) break;
    out.push([p, end]);
    p = end;
  }
  return out;
}

type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'set'; pos: number; value: number }
  | { kind: 'insert'; pos: number; value: number }
  | { kind: 'delete'; pos: number; count: number }
  | { kind: 'truncate'; pos: number }
  | { kind: 'length'; rec: number; value: number }
  | { kind: 'split'; rec: number; at: number }
  | { kind: 'duplicate'; rec: number }
  | { kind: 'drop'; rec: number }
  | { kind: 'swap'; rec: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), rec: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -3, max: 3 })) }),
  fc.record({ kind: fc.constant('split' as const), rec: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), rec: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), rec: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), rec: fc.nat() }),
);

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const out = b.slice();
  const spans = recordSpans(b);
  const span = (i: number): [number, number] => spans[i % spans.length]!;
  // Record-level mutations need records: after an earlier mutation there may be none.
  if (spans.length === 0 && (m.kind === 'length' || m.kind === 'split' || m.kind === 'duplicate' || m.kind === 'drop' || m.kind === 'swap')) return out;
  switch (m.kind) {
    case 'flip': out[m.pos % out.length]! ^= 1 << m.bit; return out;
    case 'set': out[m.pos % out.length] = m.value; return out;
    case 'insert': { const p = m.pos % (b.length + 1); return concat([b.subarray(0, p), Uint8Array.of(m.value), b.subarray(p)]); }
    case 'delete': { const p = m.pos % b.length; return concat([b.subarray(0, p), b.subarray(p + m.count)]); }
    case 'truncate': return b.slice(0, m.pos % b.length);
    case 'length': {
      const [s, e] = span(m.rec);
      const len = m.value >= -3 && m.value <= 3 ? Math.max(0, e - s - 5 + m.value) : m.value;
      out[s + 3] = len >> 8; out[s + 4] = len & 0xff;
      return out;
    }
    case 'split': {
      // One record's payload in two records with the same header type and version.
      const [s, e] = span(m.rec);
      const payload = b.subarray(s + 5, e);
      const at = m.at % (payload.length + 1);
      const head = (len: number) => Uint8Array.of(b[s]!, b[s + 1]!, b[s + 2]!, len >> 8, len & 0xff);
      return concat([b.subarray(0, s), head(at), payload.subarray(0, at), head(payload.length - at), payload.subarray(at), b.subarray(e)]);
    }
    case 'duplicate': { const [s, e] = span(m.rec); return concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]); }
    case 'drop': { const [s, e] = span(m.rec); return concat([b.subarray(0, s), b.subarray(e)]); }
    case 'swap': {
      const i = m.rec % spans.length, j = (i + 1) % spans.length;
      if (i === j || j < i) return out;
      const [s1, e1] = spans[i]!, [s2, e2] = spans[j]!;
      return concat([b.subarray(0, s1), b.subarray(s2, e2), b.subarray(s1, e1), b.subarray(e2)]);
    }
  }
}

/** A mutation of one record's inner plaintext (re-protected with the recorded secrets). */
interface InnerMutation {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'type' | 'split' | 'duplicate' | 'drop';
  rec: number;
  pos: number;
  value: number;
}

const innerMutationArb: fc.Arbitrary<InnerMutation> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'type', 'split', 'duplicate', 'drop'),
  rec: fc.nat(),
  pos: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutateInner(records: OpenedRecord[], m: InnerMutation): OpenedRecord[] {
  const out = records.map((r) => ({ ...r }));
  const i = m.rec % out.length;
  const r = out[i]!;
  const c = r.content;
  const p = c.length === 0 ? 0 : m.pos % c.length;
  switch (m.kind) {
    case 'flip': if (c.length > 0) { r.content = c.slice(); r.content[p]! ^= 1 << (m.value & 7); } break;
    case 'set': if (c.length > 0) { r.content = c.slice(); r.content[p] = m.value; } break;
    case 'insert': r.content = concat([c.subarray(0, p), Uint8Array.of(m.value), c.subarray(p)]); break;
    case 'delete': r.content = concat([c.subarray(0, p), c.subarray(p + 1 + (m.value & 7))]); break;
    case 'truncate': r.content = c.slice(0, p); break;
    case 'type': if (r.epoch >= 0) r.innerType = m.value % 26; break;
    case 'split': out.splice(i, 1, { ...r, content: c.subarray(0, p) }, { ...r, content: c.subarray(p) }); break;
    case 'duplicate': out.splice(i, 0, { ...r }); break;
    case 'drop': if (out.length > 1) out.splice(i, 1); break;
  }
  return out;
}

/** Saved corpus candidates: the deepest input per (side, scenario, code). */
const candidates = new Map<string, { outcome: Outcome; input: Uint8Array; side: 'client' | 'server'; scenario: string }>();
function consider(side: 'client' | 'server', s: Scenario, input: Uint8Array, o: Outcome): void {
  if (!SAVE || o.code === null) return;
  const k = `${side}/${s.id}/${o.code}`;
  const prev = candidates.get(k);
  if (prev === undefined || o.statesSeen > prev.outcome.statesSeen) candidates.set(k, { outcome: o, input: input.slice(), side, scenario: s.id });
}

describe('engine mutation fuzzing', () => {
  before(() => {
    for (const s of scenarios) {
      const t = recordTranscript(s);
      transcripts.set(s.id, t);
      for (const side of ['client', 'server'] as const) expected.set(key(s, side), replay(side, s, [concat(inbound(t, side))]));
    }
  });

  for (const s of scenarios) {
    it(`${s.id}: recorded transcripts replay into fresh engines (both sides)`, () => {
      const t = transcripts.get(s.id)!;
      for (const side of ['client', 'server'] as const) {
        const o = expected.get(key(s, side))!;
        assert.equal(o.code, null, `${side} replay error`);
        assert.equal(o.handshakeDone, true, `${side} handshake done`);
        assert.equal(o.plaintext, `hello from the ${side === 'client' ? 'server' : 'client'}`, `${side} plaintext`);
      }
      assert.equal(expected.get(key(s, 'server'))!.peerClosed, true, 'server saw close_notify');
      // The replayed server writes exactly what the recorded one wrote (determinism).
      const srv = makeServer(s);
      const out: Uint8Array[] = [];
      for (const f of t.toServer) {
        srv.readTls(f);
        srv.processNewPackets();
        for (let o = srv.writeTls(); o !== null; o = srv.writeTls()) out.push(o);
      }
      srv.writePlaintext(new TextEncoder().encode('hello from the server'));
      for (let o = srv.writeTls(); o !== null; o = srv.writeTls()) out.push(o);
      assert.deepEqual(concat(out), concat(t.toClient), 'deterministic server flight');
      if (s.id.startsWith('hrr')) assert.equal(t.toClient.length >= 2 && t.toServer.length >= 3, true, 'HRR adds a round trip');
    });

    for (const side of ['client', 'server'] as const) {
      it(`${s.id} ${side}: the valid stream one byte at a time and in random chunkings gives the same result`, () => {
        const t = transcripts.get(s.id)!;
        const whole = concat(inbound(t, side));
        const want = expected.get(key(s, side))!;
        const bytewise = Array.from({ length: whole.length }, (_, i) => whole.subarray(i, i + 1));
        const one = replay(side, s, bytewise);
        assert.deepEqual([one.code, one.handshakeDone, one.plaintext, one.peerClosed], [want.code, want.handshakeDone, want.plaintext, want.peerClosed], 'byte at a time');
        fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
          const o = replay(side, s, chunksOf(whole, cuts));
          assert.deepEqual([o.code, o.handshakeDone, o.plaintext, o.peerClosed], [want.code, want.handshakeDone, want.plaintext, want.peerClosed], 'chunked');
        }), { numRuns: 40, seed: SEED });
      });

      it(`${s.id} ${side}: mutated streams end in a TlsError or the valid result, bounded, never stalling`, () => {
        const t = transcripts.get(s.id)!;
        const whole = concat(inbound(t, side));
        fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), (ms, cuts) => {
          let input = whole;
          for (const m of ms) if (input.length > 0) input = mutate(input, m);
          const o = replay(side, s, chunksOf(input, cuts));
          consider(side, s, input, o);
        }), { numRuns: RUNS, seed: SEED ^ s.id.length ^ (side === 'client' ? 1 : 2) });
      });

      it(`${s.id} ${side}: mutated handshake and record plaintext, re-protected, reaches deep states safely`, () => {
        const t = transcripts.get(s.id)!;
        const opened = openStream(t, side);
        assert.equal(sealStream(t, side, opened).length, concat(inbound(t, side)).length, 're-sealing the opened stream keeps its size');
        const deep = new Set<string>();
        fc.assert(fc.property(fc.array(innerMutationArb, { minLength: 1, maxLength: 2 }), fc.array(fc.nat(), { maxLength: 4 }), (ms, cuts) => {
          let recs = opened;
          for (const m of ms) recs = mutateInner(recs, m);
          const input = sealStream(t, side, recs);
          const o = replay(side, s, chunksOf(input, cuts));
          if (o.code !== null) deep.add(o.code);
          consider(side, s, input, o);
        }), { numRuns: RUNS, seed: SEED ^ 0x55 ^ s.id.length ^ (side === 'client' ? 1 : 2) });
        // Mutated plaintext reaches the message decoders and state checks, not just the AEAD.
        assert.ok([...deep].some((c) => c.startsWith('ERR_TLS_DECODE_') || c.startsWith('ERR_TLS_PEER_')), `only record-level errors seen: ${[...deep].join(', ')}`);
      });
    }
  }

  after(() => {
    if (!SAVE) return;
    mkdirSync(CORPUS_DIR, { recursive: true });
    for (const f of readdirSync(CORPUS_DIR)) if (f.endsWith('.hex')) unlinkSync(join(CORPUS_DIR, f));
    let n = 0;
    for (const c of [...candidates.values()].sort((a, b) => b.outcome.statesSeen - a.outcome.statesSeen)) {
      if (n >= 40) break; // the deepest 40 keep the fixture small
      const name = `${c.side}-${c.scenario}-${c.outcome.code!.replace(/^ERR_TLS_/, '').toLowerCase()}.hex`;
      writeFileSync(join(CORPUS_DIR, name), formatCorpusEntry({ side: c.side, scenario: c.scenario, expect: c.outcome.code!, state: c.outcome.state, input: c.input },
        `engine-fuzz mutation that reached ${c.outcome.statesSeen} states; replayed by test/unit/engine-bad-input.test.ts`));
      n++;
    }
    assert.ok(n > 0, 'some corpus entries were written');
  });
});
