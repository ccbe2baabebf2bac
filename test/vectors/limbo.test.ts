// x509-limbo in-process: every case not in limbo-exceptions.json must agree, and the pass
// count must not fall below the committed floor (limbo-floor.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { limboPath, runLimbo } from './limbo-harness.ts';

const floor = (JSON.parse(readFileSync(resolve(import.meta.dirname, 'limbo-floor.json'), 'utf8')) as { passFloor: number }).passFloor;

test('x509-limbo agrees except for the reviewed exceptions', () => {
  assert.ok(existsSync(limboPath), `missing ${limboPath}: CI keeps shared/ beside the clone`);
  const run = runLimbo();
  const unexpected = run.results.filter((r) => r.outcome === 'fail' && run.exceptions[r.id] === undefined);
  assert.deepEqual(unexpected.map((r) => `${r.id}: expected ${r.expected}, got ${r.actual} ${r.detail.split('\n')[0]}`), []);
  const crashes = run.results.filter((r) => r.actual.startsWith('crash'));
  assert.deepEqual(crashes.map((r) => r.id), [], 'only TlsErrors may be thrown');
  assert.ok(run.passed >= floor, `${run.passed} passed, floor is ${floor}`);
  for (const [id, reason] of Object.entries(run.exceptions)) assert.ok(reason.length > 10, `exception ${id} needs a reason`);
});
