import { decodeFormComponent } from '../http/percent.js';

/**
 * Form and multipart bodies, taken apart and put back together so redaction can change one
 * field without re-encoding the others: untouched fields keep their exact bytes.
 */

export interface FormField {
  readonly name: string;
  readonly value: string;
  /** The field exactly as it was on the wire, for fields nobody changes. */
  readonly raw: string;
}

export function encodeFormComponent(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}

export function parseForm(text: string): FormField[] {
  if (text === '') return [];
  return text.split('&').map((raw) => {
    const eq = raw.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? raw : raw.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(raw.slice(eq + 1));
    return { name, value, raw };
  });
}

/**
 * Rebuilds a form. `change` returns the new value, `undefined` to drop the field, or the same
 * value to keep the original bytes.
 */
export function rewriteForm(
  text: string,
  change: (field: FormField) => string | undefined,
): string {
  const out: string[] = [];
  for (const field of parseForm(text)) {
    const value = change(field);
    if (value === undefined) continue;
    out.push(
      value === field.value
        ? field.raw
        : `${encodeFormComponent(field.name)}=${encodeFormComponent(value)}`,
    );
  }
  return out.join('&');
}

export interface MultipartPart {
  /** The part's header block, as sent. */
  readonly head: string;
  readonly name: string | undefined;
  /** Set for file parts. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\//i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Splits a multipart body (as text, or as a latin-1 string of its bytes) into its parts. Returns
 * undefined when the body does not have the shape its boundary promises.
 */
export function parseMultipart(
  text: string,
  boundary: string,
): { preamble: string; parts: MultipartPart[]; epilogue: string } | undefined {
  const delimiter = `--${boundary}`;
  const chunks = text.split(delimiter);
  if (chunks.length < 3) return undefined;
  const preamble = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  if (!last.startsWith('--')) return undefined;
  const parts: MultipartPart[] = [];
  for (const chunk of chunks.slice(1, -1)) {
    // Each chunk is "\r\n<headers>\r\n\r\n<body>\r\n".
    const split = chunk.indexOf('\r\n\r\n');
    if (!chunk.startsWith('\r\n') || split === -1 || !chunk.endsWith('\r\n')) return undefined;
    const head = chunk.slice(2, split);
    const body = chunk.slice(split + 4, -2);
    const disposition = /^content-disposition:(.*)$/im.exec(head)?.[1] ?? '';
    const name =
      /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? /\bname=([^;\s]+)/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim();
    parts.push({ head, name, filename, contentType, body });
  }
  return { preamble, parts, epilogue: last.slice(2) };
}

export function serializeMultipart(
  boundary: string,
  preamble: string,
  parts: readonly { readonly head: string; readonly body: string }[],
  epilogue: string,
): string {
  const delimiter = `--${boundary}`;
  return `${preamble}${parts.map((p) => `${delimiter}\r\n${p.head}\r\n\r\n${p.body}\r\n`).join('')}${delimiter}--${epilogue}`;
}

/**
 * JSON values that start a line after a short prefix (`data: {…}` in server-sent events, NDJSON,
 * log lines): each as the line's index, the prefix, and the parsed value.
 */
export function jsonLines(text: string): { line: number; prefix: string; value: object }[] {
  const found: { line: number; prefix: string; value: object }[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const start = line.search(/[[{]/);
    if (start === -1 || start > 32) return;
    try {
      const value = JSON.parse(line.slice(start)) as unknown;
      if (value !== null && typeof value === 'object')
        found.push({ line: i, prefix: line.slice(0, start), value });
    } catch {
      // Not JSON: left to the detectors.
    }
  });
  return found;
}

/** A string that could be base64 of something: what redaction and the scanner decode once. */
export const BASE64ISH = /^[A-Za-z0-9+/_-]{24,}={0,2}$/;

/** `atob`, or undefined when the text is not base64. */
export function safeAtob(text: string): string | undefined {
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}
