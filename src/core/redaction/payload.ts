/**
 * Bodies in a redaction pass, by what they hold: JSON (json-walk.ts), form fields, multipart
 * parts (decoded from base64 when a part says so), text, and binary searched for token shapes;
 * then the `body` rules' patterns over the whole text.
 */
import type { Body, HeaderMap } from '../cassette/model.js';
import { firstHeaderValue, isFormMediaType, isJsonMediaType, mediaType } from '../http/index.js';
import {
  multipartBoundary,
  parseMultipart,
  rewriteForm,
  safeAtob,
  serializeMultipart,
} from './bodies.js';
import { jsonText, redactJson } from './json-walk.js';
import type { Pass, Side } from './pass.js';

export function redactBody(
  pass: Pass,
  body: Body | undefined,
  headers: HeaderMap,
  side: Side,
): Body | undefined {
  if (body === undefined) return undefined;
  const location = `${side}.body`;
  const contentType = firstHeaderValue(headers, 'content-type');
  switch (body.encoding) {
    case 'json':
      return { ...body, json: redactJson(pass, body.json, side, location) };
    case 'text': {
      const type = mediaType(contentType);
      let text = body.text;
      const boundary = multipartBoundary(contentType);
      if (isFormMediaType(type)) text = form(pass, text, side, location);
      else if (boundary !== undefined) text = multipart(pass, text, boundary, side, location);
      else if (isJsonMediaType(type) || /^\s*[[{]/.test(text))
        text = jsonText(pass, text, side, location);
      text = bodyRules(pass, text, side, location);
      return {
        encoding: 'text',
        text: boundary === undefined && !isFormMediaType(type) ? pass.text(text, location) : text,
      };
    }
    case 'base64': {
      let binary = safeAtob(body.base64);
      if (binary === undefined) return body;
      const boundary = multipartBoundary(contentType);
      if (boundary !== undefined) binary = multipart(pass, binary, boundary, side, location);
      else binary = pass.text(binary, location, undefined, true);
      binary = bodyRules(pass, binary, side, location);
      return { encoding: 'base64', base64: btoa(binary) };
    }
  }
}

function bodyRules(pass: Pass, text: string, side: Side, location: string): string {
  let out = text;
  for (const rule of pass.rulesFor('body', side)) out = pass.withinPattern(rule, out, location);
  return out;
}

function form(pass: Pass, text: string, side: Side, location: string): string {
  const rules = pass.rulesFor('form', side);
  return rewriteForm(text, (field) => {
    const where = `${location}.${field.name}`;
    const next = pass.named(rules, field.name, field.value, where);
    return next === undefined ? undefined : pass.text(next, where, field.name);
  });
}

function multipart(
  pass: Pass,
  text: string,
  boundary: string,
  side: Side,
  location: string,
): string {
  const parsed = parseMultipart(text, boundary);
  if (parsed === undefined) return pass.text(text, location);
  const rules = pass.rulesFor('multipart', side);
  const parts: { head: string; body: string }[] = [];
  for (const part of parsed.parts) {
    const name = part.name ?? '';
    const where = `${location}.${name}`;
    // A part sent as base64 (Content-Transfer-Encoding) is redacted decoded, then re-encoded.
    const decoded = transferBase64(part.head) ? safeAtob(part.body.replace(/\s+/g, '')) : undefined;
    const next = pass.named(rules, name, decoded ?? part.body, where);
    if (next === undefined) continue;
    // File parts are scanned for known token shapes only; their names say nothing.
    const body =
      part.filename === undefined
        ? pass.text(next, where, name)
        : pass.text(next, where, undefined, true);
    parts.push({
      head: part.head,
      body: decoded === undefined ? body : body === decoded ? part.body : btoa(body),
    });
  }
  return serializeMultipart(boundary, parsed.preamble, parts, parsed.epilogue);
}

/** A multipart part whose body is base64 (`Content-Transfer-Encoding: base64`). */
export function transferBase64(head: string): boolean {
  return /^content-transfer-encoding:\s*base64\s*$/im.test(head);
}
