import { relative } from 'node:path';

/**
 * A file path as shown to people in messages: relative to the working directory when the file
 * is below it, absolute otherwise.
 */
export function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}
