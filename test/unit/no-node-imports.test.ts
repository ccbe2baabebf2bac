// ARCHITECTURE "runtime-agnostic core": nothing under src/core/ or src/webpki/ may import a
// `node:` module or a Node builtin, nor touch `Buffer`, `process`, `require` or timers.
// Comments are stripped before matching; string contents are blanked for the identifier rules
// (an error message may say "process"), but kept for the import rules (specifiers are strings).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';

const ROOTS = ['src/core', 'src/webpki'];
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** Returns `[codeWithStrings, codeWithoutStrings]`: comments removed, line breaks kept. */
export function stripComments(src: string): [string, string] {
  let withStrings = '';
  let bare = '';
  let i = 0;
  const n = src.length;
  const both = (s: string): void => {
    withStrings += s;
    bare += s;
  };
  while (i < n) {
    const c = src[i]!;
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] === '\n') both('\n');
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      // A string or template literal: copied whole to `withStrings`, blanked in `bare`.
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c !== '`' && src[j] === '\n') break; // unterminated: stop at the line end
        j++;
      }
      const lit = src.slice(i, j + 1);
      withStrings += lit;
      bare += c + lit.slice(1, -1).replace(/[^\n]/g, ' ') + c;
      i = j + 1;
    } else {
      both(c);
      i++;
    }
  }
  return [withStrings, bare];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

function isNodeSpecifier(spec: string): boolean {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!);
}

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"`])([^'"`]+)\1/g, // import x from 'm'
  /\bexport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"`])([^'"`]+)\1/g, // export { x } from 'm'
  /\bimport\s*(['"`])([^'"`]+)\1/g, //                               import 'm'
  /\bimport\s*\(\s*(['"`])([^'"`]+)\1/g, //                          import('m')
  /\brequire\s*\(\s*(['"`])([^'"`]+)\1/g, //                         require('m')
];

const GLOBAL_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(?<![.\w$])Buffer\b/g, 'Buffer'],
  [/(?<![.\w$])process\s*[.[]/g, 'process'],
  [/\bglobalThis\s*\.\s*(?:process|Buffer)\b/g, 'globalThis.process/Buffer'],
  [/(?<![.\w$])(?:setTimeout|setImmediate|setInterval|clearTimeout|clearImmediate|clearInterval)\b/g, 'timers'],
  [/(?<![.\w$])require\s*\(/g, 'require()'],
  [/(?<![.\w$])(?:__dirname|__filename)\b/g, '__dirname/__filename'],
];

/** Every violation in one file's text, as `line: what`. */
export function findViolations(src: string): string[] {
  const [code, bare] = stripComments(src);
  const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;
  const out: string[] = [];
  for (const re of IMPORT_PATTERNS) {
    for (const m of code.matchAll(re)) {
      if (isNodeSpecifier(m[2]!)) out.push(`${lineOf(code, m.index)}: imports '${m[2]}'`);
    }
  }
  for (const [re, what] of GLOBAL_PATTERNS) {
    for (const m of bare.matchAll(re)) out.push(`${lineOf(bare, m.index)}: uses ${what}`);
  }
  return out;
}

function walk(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(name)) out.push(p);
  }
  return out;
}

describe('no Node APIs in src/core and src/webpki', () => {
  test('every source file is free of node: imports, builtins, Buffer, process and timers', () => {
    const files = ROOTS.flatMap((r) => walk(r, []));
    assert.ok(files.length > 0, 'expected source files under src/core and src/webpki');
    const problems: string[] = [];
    for (const f of files) {
      for (const v of findViolations(readFileSync(f, 'utf8'))) problems.push(`${relative('.', f)}:${v}`);
    }
    assert.deepEqual(problems, [], `Node-specific code in the runtime-agnostic core:\n${problems.join('\n')}`);
  });
});

describe('the scanner itself', () => {
  const cases: ReadonlyArray<[string, number]> = [
    ["import { createHash } from 'node:crypto';", 1],
    ["import * as fs from 'fs';", 1],
    ["import type { Socket } from 'net';", 1],
    ["import {\n  readFile,\n} from 'fs/promises';", 1],
    ["export { Duplex } from 'stream';", 1],
    ["import 'node:buffer';", 1],
    ["const m = await import('tls');", 1],
    ["const b = Buffer.from('x');", 1],
    ['if (process.env.X) {}', 1],
    ["const e = process['env'];", 1],
    ['setTimeout(() => {}, 1);', 1],
    ['queue(() => setImmediate(f));', 1],
    ["const x = require('crypto');", 2], // require() and a builtin
    ["import { Reader } from '../codec/reader.ts';", 0],
    ["import { x } from './buffer.ts';", 0],
    ["// import 'node:fs'; Buffer process.env setTimeout\nconst a = 1;", 0],
    ["/* Buffer.from\n process.exit() */ const b = 2;", 0],
    ["throw new Error('Buffer overflow in process. setTimeout');", 0],
    ['const msg = `the process.env of Buffer`;', 0],
    ['obj.process.run(); this.setTimeout = 1; x.Buffer = y;', 0],
    ["const url = 'http://example.com'; import('./local.ts');", 0],
  ];
  for (const [src, expected] of cases) {
    test(`${expected} violation(s): ${JSON.stringify(src)}`, () => {
      assert.equal(findViolations(src).length, expected, findViolations(src).join('; '));
    });
  }

  test('reports the line of the violation', () => {
    assert.deepEqual(findViolations("const a = 1;\n// x\n\nimport { x } from 'node:fs';"), ["4: imports 'node:fs'"]);
  });
});
