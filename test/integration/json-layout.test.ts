import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanup.js';
import { header, send } from '../helpers/client.js';
import { layout, startTapedeck } from '../helpers/tapedeck.js';
import { tmpDir } from '../helpers/tmp.js';
import { startUpstream } from '../helpers/upstream.js';

afterEach(runCleanups);

const VALUE = { args: {}, headers: { Accept: '*/*' }, url: 'http://127.0.0.1/get', n: [1, 2] };
/** What frameworks send: Flask's jsonify, indented answers, and layouts kept as text. */
const BODIES: Record<string, string> = {
  '/flask': `${JSON.stringify(VALUE)}\n`,
  '/pretty': `${JSON.stringify(VALUE, null, 2)}\n`,
  '/four': JSON.stringify(VALUE, null, 4),
  '/python-spaced': '{"a": 1, "b": [1, 2]}\n',
};

describe('JSON answers in the layout the API chose', () => {
  it('are stored as JSON where they can be, and replayed byte for byte', async () => {
    const root = await tmpDir();
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(BODIES[req.url]);
    });
    const proxy = await startTapedeck('record', { ...layout(root), target: upstream.url });
    for (const path of Object.keys(BODIES))
      expect((await send(proxy.url, path)).text()).toBe(BODIES[path]);
    await proxy.stop();

    const cassette = JSON.parse(readFileSync(join(root, 'cassettes', 'default.json'), 'utf8')) as {
      interactions: { response: { body: Record<string, unknown> } }[];
    };
    const bodies = cassette.interactions.map((i) => i.response.body);
    expect(bodies[0]).toEqual({ encoding: 'json', json: VALUE, trailingNewline: true });
    expect(bodies[1]).toEqual({
      encoding: 'json',
      json: VALUE,
      format: 'pretty',
      trailingNewline: true,
    });
    expect(bodies[2]).toEqual({ encoding: 'json', json: VALUE, format: 'pretty', indent: 4 });
    expect(bodies[3]).toEqual({ encoding: 'text', text: BODIES['/python-spaced'] });

    const replay = await startTapedeck('replay', { ...layout(root) });
    for (const path of Object.keys(BODIES)) {
      const answer = await send(replay.url, path);
      expect(header(answer.headers, 'x-tapedeck-miss')).toBe(undefined);
      expect(answer.raw.equals(Buffer.from(BODIES[path]!))).toBe(true);
      expect(header(answer.headers, 'content-length')).toBe(
        String(Buffer.byteLength(BODIES[path]!)),
      );
    }
  });
});
