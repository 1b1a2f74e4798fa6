/**
 * How a file path is shown to people in messages: relative to the working directory when the
 * file is below it, as given otherwise. Pure: the caller passes the working directory (the
 * composition root reads it), so core never asks the process.
 *
 * Both paths are expected normalized (as `path.resolve`/`path.join` leave them); a relative
 * `file` is already as short as it gets and is returned unchanged.
 */
export function shownPath(file: string, cwd: string): string {
  const separator = cwd.includes('/') || !cwd.includes('\\') ? '/' : '\\';
  const base = cwd.endsWith(separator) ? cwd : `${cwd}${separator}`;
  return file.length > base.length && file.startsWith(base) ? file.slice(base.length) : file;
}
