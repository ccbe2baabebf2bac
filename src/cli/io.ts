/** What the CLI commands read and write, injectable for tests. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Opened lazily: touching `process.stdin` keeps the process alive. */
  readonly stdin: () => Readable;
  readonly readFile: (path: string) => Uint8Array;
  readonly env: Readonly<Record<string, string | undefined>>;
}
