// The recordings every replay peer serves: read back from the tapedeck cassettes the suite
// writes (bench/lib/fixtures.mjs, `writeCassettes`), so every tool answers from the same data.
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URLSearchParams } from 'node:url';

/**
 * Every interaction of the v1 cassettes under `dir`, as what a peer needs to answer it: method,
 * path (with its query string), status, response headers and the body as the exact text that
 * tapedeck replay sends (compact JSON for JSON bodies).
 */
export function recordedRoutes(dir) {
  const routes = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) {
        for (const { request, response } of JSON.parse(readFileSync(full, 'utf8')).interactions) {
          const query = new URLSearchParams();
          for (const [k, values] of Object.entries(request.query ?? {})) {
            for (const v of [values].flat()) query.append(k, v);
          }
          const qs = query.toString();
          const body = response.body ?? { encoding: 'empty' };
          // base64 bodies would need each peer's binary form; the benchmark records only JSON.
          let text;
          if (body.encoding === 'json') text = JSON.stringify(body.json);
          else if (body.encoding === 'text') text = body.text;
          else if (body.encoding === 'empty') text = '';
          else throw new Error(`${full}: body encoding ${body.encoding} is not supported here`);
          const headers = {};
          for (const [k, v] of Object.entries(response.headers ?? {})) {
            headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          // A recording of a real upstream carries the body's length; tapedeck computes it.
          if (
            headers['content-length'] === undefined &&
            headers['transfer-encoding'] === undefined
          ) {
            headers['content-length'] = String(Buffer.byteLength(text));
          }
          routes.push({
            method: request.method,
            path: request.path,
            url: qs === '' ? request.path : `${request.path}?${qs}`,
            status: response.status,
            headers,
            body: text,
          });
        }
      }
    }
  };
  walk(dir);
  return routes;
}
