import {
  countJsonKeys,
  findDuplicateKey,
  inspectJson,
  jsonPointer,
  MAX_JSON_DEPTH,
  shortPointer,
} from './json.js';

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
 * bad JSON the same way. A key repeated in one object is refused the same way (JSON.parse would
 * keep the last one without a word, so a setting written twice would silently lose one), as is
 * nesting deeper than MAX_JSON_DEPTH.
 */
export function parseJsonc(
  text: string,
): { ok: true; value: unknown } | { ok: false; where: string; message: string; cause: unknown } {
  const stripped = stripJsonComments(text);
  let value: unknown;
  try {
    value = JSON.parse(stripped) as unknown;
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
  const shape = inspectJson(value, MAX_JSON_DEPTH);
  if (shape.tooDeep !== undefined) {
    const message = `${shortPointer(shape.tooDeep)} nests deeper than ${MAX_JSON_DEPTH} levels`;
    return { ok: false, where: '', message, cause: new Error(message) };
  }
  if (shape.members !== countJsonKeys(stripped)) {
    const duplicate = findDuplicateKey(stripped);
    if (duplicate !== undefined) {
      const at = lineAndColumn(stripped, duplicate.offset);
      const where = duplicate.path.length === 0 ? 'the top level' : jsonPointer(duplicate.path);
      const message = `the key ${JSON.stringify(duplicate.key)} appears twice in ${where} (JSON would keep only the last one; remove one of them)`;
      return {
        ok: false,
        where: ` at line ${at.line}, column ${at.column}`,
        message,
        cause: new Error(message),
      };
    }
  }
  return { ok: true, value };
}
