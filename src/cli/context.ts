import type { Io } from '../app/compose/compose.js';

/** What commands get from main: the process's streams and env, the cwd, and how to stop. */
export interface CliContext {
  readonly io: Io;
  readonly cwd: string;
  exitCode: number;
  /** Resolves with the signal's name on the first SIGINT or SIGTERM. */
  stopSignal(): Promise<string>;
}
