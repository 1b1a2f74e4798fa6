/**
 * A secret kept in a file of the state directory (`record --webhooks --forward-to`'s local
 * signing secret): made once, readable by its owner only (0600), the same on every later start,
 * as `stripe listen` keeps its `whsec_…`. Two processes starting at once agree on one secret:
 * each writes its own temporary file whole, then links it to the name, which only one link can
 * take; the loser reads the winner's. The name never points at a file still being written, so a
 * crash or a reader at the wrong instant never sees it empty.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
  const temporary = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    const secret = make();
    try {
      writeSync(fd, `${secret}\n`);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode further, never widened it; set it exactly anyway.
    chmodSync(temporary, 0o600);
    try {
      linkSync(temporary, file);
      return { secret, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  return { secret: readFileSync(file, 'utf8').trim(), created: false };
}
