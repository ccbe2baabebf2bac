/**
 * Where the workplace's shared test data lives: `../shared` beside the repository (CI clones the
 * repository elsewhere and puts shared/ beside the clone). `TYPETLS_SHARED_DIR` overrides it.
 */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of a file or folder under shared/, e.g. `sharedPath('vectors', 'rfc8448')`. */
export function sharedPath(...parts: string[]): string {
  const base = process.env.TYPETLS_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
  return resolve(base, ...parts);
}
