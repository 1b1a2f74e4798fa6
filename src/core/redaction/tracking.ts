/**
 * Step 2 of a redaction pass, value tracking: every string of the redacted interaction gets the
 * replacement of every secret the pass (or an earlier one sharing the registry) remembered, in
 * every encoding the registry knows. Nothing to do while the registry is empty.
 */
import type { Body, RecordedRequest, RecordedResponse } from '../cassette/model.js';
import { mapJsonStrings, setOwn } from '../json.js';
import { safeAtob } from './bodies.js';
import type { Pass } from './pass.js';

export function trackRequest(pass: Pass, request: RecordedRequest): RecordedRequest {
  if (pass.registry.size === 0) return request;
  const body = trackBody(pass, request.body);
  return {
    ...request,
    path: pass.replace(request.path),
    query: mapMulti(request.query, pass.replace),
    headers: mapMulti(request.headers, pass.replace),
    ...(body === undefined ? {} : { body }),
  };
}

export function trackResponse(pass: Pass, response: RecordedResponse): RecordedResponse {
  if (pass.registry.size === 0) return response;
  const body = trackBody(pass, response.body);
  const { body: _old, ...rest } = response;
  return {
    ...rest,
    headers: mapMulti(response.headers, pass.replace),
    ...(body === undefined ? {} : { body }),
  };
}

function trackBody(pass: Pass, body: Body | undefined): Body | undefined {
  if (body === undefined || pass.registry.size === 0) return body;
  switch (body.encoding) {
    case 'json':
      return { ...body, json: mapJsonStrings(body.json, pass.replace) };
    case 'text':
      return { encoding: 'text', text: pass.replace(body.text) };
    case 'base64': {
      const binary = safeAtob(body.base64);
      return binary === undefined
        ? body
        : { encoding: 'base64', base64: btoa(pass.replace(binary)) };
    }
  }
}

function mapMulti(
  map: Record<string, string | string[]>,
  f: (s: string) => string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(map)) setOwn(out, k, typeof v === 'string' ? f(v) : v.map(f));
  return out;
}
