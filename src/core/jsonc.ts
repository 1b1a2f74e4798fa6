/**
 * Removes `//` and `/* *\/` comments from JSON text outside strings, keeping line breaks so
 * positions in error messages still point at the right line. The config file is JSON with
 * comments (like tsconfig.json), so `tapedeck init` can explain every setting in place.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Line and column (1-based) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Parses JSON with comments. On a syntax error, says where: `" at line 4, column 1"` (empty when
 * the engine gives no position), with the parser's message, so every file tapedeck reads reports
 * bad JSON the same way.
 */
export function parseJsonc(
  text: string,
): { ok: true; value: unknown } | { ok: false; where: string; message: string; cause: unknown } {
  const stripped = stripJsonComments(text);
  try {
    return { ok: true, value: JSON.parse(stripped) as unknown };
  } catch (cause) {
    const message = (cause as Error).message;
    const m = /position (\d+)/.exec(message);
    const at = m ? lineAndColumn(stripped, Number(m[1])) : undefined;
    return {
      ok: false,
      where: at ? ` at line ${at.line}, column ${at.column}` : '',
      message,
      cause,
    };
  }
}
