/**
 * A secret kept in a file of the state directory (`record --webhooks --forward-to`'s local
 * signing secret): made once, readable by its owner only (0600), the same on every later start,
 * as `stripe listen` keeps its `whsec_…`. Two processes starting at once agree on one secret:
 * the file is created exclusively, and the loser reads the winner's.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KeptSecret {
  readonly secret: string;
  /** True when this call made it (the first start). */
  readonly created: boolean;
}

/**
 * The secret in `file` (trimmed), or a new one from `make` written there first. What is read is
 * not checked here: the caller knows what a valid one looks like.
 */
export function keptSecret(file: string, make: () => string): KeptSecret {
  mkdirSync(dirname(file), { recursive: true });
  try {
    const fd = openSync(file, 'wx', 0o600);
    const secret = make();
    try {
      writeSync(fd, `${secret}\n`);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode further, never widened it; set it exactly anyway.
    chmodSync(file, 0o600);
    return { secret, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { secret: readFileSync(file, 'utf8').trim(), created: false };
}
