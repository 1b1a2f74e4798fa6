import { resolve } from 'node:path';
import { shownPath as shownFrom } from '../../core/paths.js';

/**
 * A file path as shown to people in messages, relative to this process's working directory:
 * the adapters' view of core's `shownPath`. Resolving first normalizes `..` and `.` segments.
 */
export function shownPath(file: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, file);
  const shown = shownFrom(absolute, resolve(cwd));
  // A path outside the working directory is shown as the caller wrote it, as before.
  return shown === absolute ? file : shown;
}
