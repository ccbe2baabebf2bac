/**
 * How the bench's tools start their child processes: from the TypeScript sources the children
 * load through tsx (a devDependency), compiled (`dist/bench`, after `npm run build`) they are
 * plain JavaScript, so the tools measure what ships (BENCHMARKS.md, pass 7).
 */
import { join } from 'node:path';

/** True when this module runs from the TypeScript sources. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** `execArgv` for a child running a sibling module of this directory. */
export const CHILD_EXEC_ARGV: readonly string[] = FROM_SOURCES ? ['--import', 'tsx'] : [];

/** The file of sibling module `name` ('worker' -> worker.ts or worker.js). */
export function siblingFile(dir: string, name: string): string {
  return join(dir, `${name}${FROM_SOURCES ? '.ts' : '.js'}`);
}
