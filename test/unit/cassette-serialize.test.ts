import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  sealCassette,
  serializeCassette,
  serializeCassetteChunks,
} from '../../src/core/cassette/codec.js';
import type { Body, Cassette, Interaction } from '../../src/core/cassette/model.js';
import { isInsideJsonBody } from '../../src/core/cassette/model.js';
import * as json from '../../src/core/json.js';
import { stableStringify, type JsonValue } from '../../src/core/json.js';
import { assertProperty } from '../helpers/property.js';

// Counts how often pieces of a cassette are serialized, to see that sealed text is reused.
vi.mock('../../src/core/json.js', async (importOriginal) => {
  const original = await importOriginal<typeof json>();
  return { ...original, stableStringifyAt: vi.fn(original.stableStringifyAt) };
});

/** What serializeCassette produced before it became incremental: everything from scratch. */
function fromScratch(cassette: Cassette): string {
  return stableStringify({ ...cassette, version: 1 }, isInsideJsonBody);
}

/** The file that serializeCassetteChunks' pieces make, as text. */
function joined(cassette: Cassette): string {
  return Buffer.concat(serializeCassetteChunks(cassette)).toString('utf8');
}

function interaction(i: number, body?: Body, requestBody?: Body): Interaction {
  return {
    request: {
      method: 'POST',
      path: `/v1/things/${i}`,
      query: { z: 'last', a: ['1', '2'] },
      headers: { 'x-b': 'b', 'content-type': 'application/json', 'x-a': ['1', '2'] },
      ...(requestBody === undefined ? {} : { body: requestBody }),
    },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    },
    latencyMs: i + 0.25,
    recordedAt: '2026-01-02T03:04:05.678Z',
  };
}

const bodies: Record<string, Body> = {
  'JSON, keys unsorted at every depth': {
    encoding: 'json',
    // Parsed, so that "__proto__" is an own key, as in a body an API sent.
    json: JSON.parse(
      '{"zeta": 1, "alpha": {"y": [3, {"q": null, "b": true}], "x": "x", "": []},' +
        ' "list": [{"b": 1, "a": 2}, [], {}, "text \\"quoted\\"\\n", -0, 1e21, 0.1],' +
        ' "10": "integer-like key", "__proto__": {"kept": "as data"}}',
    ) as JsonValue,
  },
  'JSON, pretty': { encoding: 'json', json: { b: 1, a: [1, 2] }, format: 'pretty' },
  'JSON scalar': { encoding: 'json', json: 'just a string' },
  text: {
    encoding: 'text',
    text: 'hello\nworld \u2028 \u00e9 "quotes" \\ back \u{1f600} lone \ud800 \udc00 \u0000',
  },
  base64: { encoding: 'base64', base64: 'AAECAwQF/w==' },
};

const cases: Record<string, Cassette> = {
  'with meta': {
    version: 1,
    meta: { target: 'https://staging.example', recordedWith: 'tapedeck 0.1.0', description: 'd' },
    interactions: Object.values(bodies).map((body, i) => interaction(i, body)),
  },
  'without meta': {
    version: 1,
    interactions: Object.values(bodies).map((body, i) => interaction(i, undefined, body)),
  },
  'with empty meta': { version: 1, meta: {}, interactions: [interaction(0)] },
  'with no interactions': { version: 1, interactions: [] },
  'with meta and no interactions': {
    version: 1,
    meta: { description: 'empty' },
    interactions: [],
  },
};

describe('serializeCassette', () => {
  for (const [name, cassette] of Object.entries(cases)) {
    it(`writes exactly what stableStringify writes: cassette ${name}`, () => {
      const expected = fromScratch(cassette);
      expect(serializeCassette(cassette)).toBe(expected);
      expect(joined(cassette)).toBe(expected);
      const sealed = sealCassette(cassette);
      expect(serializeCassette(sealed)).toBe(expected);
      expect(joined(sealed)).toBe(expected);
      // The second time it reuses the interactions' text and bytes.
      expect(serializeCassette(sealed)).toBe(expected);
      expect(joined(sealed)).toBe(expected);
    });
  }

  for (const [name, body] of Object.entries(bodies)) {
    it(`writes exactly what stableStringify writes after appending: ${name} bodies`, () => {
      let cassette = sealCassette({ version: 1, interactions: [interaction(0, body)] });
      expect(serializeCassette(cassette)).toBe(fromScratch(cassette));
      for (let i = 1; i <= 3; i++) {
        cassette = sealCassette({
          ...cassette,
          meta: { recordedWith: `tapedeck ${i}` },
          interactions: [...cassette.interactions, interaction(i, body, body)],
        });
        expect(serializeCassette(cassette)).toBe(fromScratch(cassette));
        expect(joined(cassette)).toBe(fromScratch(cassette));
      }
      expect(JSON.parse(serializeCassette(cassette))).toEqual(
        JSON.parse(JSON.stringify(cassette)) as unknown,
      );
    });
  }

  it('keeps the key order of recorded JSON bodies and sorts everything else', () => {
    const text = serializeCassette(sealCassette(cases['with meta']!));
    expect(text.indexOf('"zeta": 1')).toBeLessThan(text.indexOf('"alpha": {'));
    expect(text.indexOf('"x-a"')).toBeLessThan(text.indexOf('"x-b"'));
    expect(text.startsWith('{\n  "interactions": [\n    {\n      "latencyMs": 0.25,')).toBe(true);
    expect(
      text.endsWith(
        '\n  ],\n  "meta": {\n    "description": "d",\n    "recordedWith": "tapedeck 0.1.0",\n    "target": "https://staging.example"\n  },\n  "version": 1\n}\n',
      ),
    ).toBe(true);
  });

  it('serializes only the appended interactions of a sealed cassette again', () => {
    const spy = vi.mocked(json.stableStringifyAt);
    const first = sealCassette({
      version: 1,
      interactions: Array.from({ length: 50 }, (_, i) => interaction(i, bodies['text'])),
    });
    serializeCassette(first);
    const next = sealCassette({
      ...first,
      interactions: [...first.interactions, interaction(50), interaction(51)],
    });
    spy.mockClear();
    expect(serializeCassette(next)).toBe(fromScratch(next));
    const interactionCalls = spy.mock.calls.filter(([, path]) => path[0] === 'interactions');
    expect(interactionCalls.map(([, path]) => path[1])).toEqual(['50', '51']);
  });

  it('encodes only the appended interactions of a sealed cassette again, as bytes', () => {
    const spy = vi.mocked(json.stableStringifyAt);
    const first = sealCassette({
      version: 1,
      meta: { description: 'bytes' },
      interactions: Array.from({ length: 20 }, (_, i) => interaction(i, bodies['base64'])),
    });
    const before = serializeCassetteChunks(first);
    const next = sealCassette({
      ...first,
      interactions: [...first.interactions, interaction(20, bodies['text'])],
    });
    spy.mockClear();
    const after = serializeCassetteChunks(next);
    expect(Buffer.concat(after).toString('utf8')).toBe(fromScratch(next));
    const interactionCalls = spy.mock.calls.filter(([, path]) => path[0] === 'interactions');
    expect(interactionCalls.map(([, path]) => path[1])).toEqual(['20']);
    // The very same bytes for the interactions written before: head, then item, separator, ...
    for (let i = 0; i < 20; i++) expect(after[1 + 2 * i]).toBe(before[1 + 2 * i]);
  });

  it('serializes interactions that are not sealed afresh every time', () => {
    const mutable = JSON.parse(JSON.stringify(interaction(0))) as {
      latencyMs: number;
    } & Interaction;
    const cassette: Cassette = { version: 1, interactions: [mutable] };
    expect(serializeCassette(cassette)).toContain('"latencyMs": 0.25');
    mutable.latencyMs = 7;
    expect(serializeCassette(cassette)).toContain('"latencyMs": 7');
    expect(serializeCassette(cassette)).toBe(fromScratch(cassette));
  });

  it('matches stableStringify for arbitrary JSON bodies, appended one by one', () => {
    assertProperty(
      fc.property(
        // Any code unit, lone surrogates included: the bytes must still match the text.
        fc.array(fc.jsonValue({ stringUnit: 'binary' }), { minLength: 1, maxLength: 4 }),
        (values) => {
          let cassette = sealCassette({ version: 1, interactions: [] });
          for (const [i, value] of values.entries()) {
            cassette = sealCassette({
              ...cassette,
              interactions: [
                ...cassette.interactions,
                interaction(i, { encoding: 'json', json: value as JsonValue }),
              ],
            });
            expect(serializeCassette(cassette)).toBe(fromScratch(cassette));
            expect(joined(cassette)).toBe(fromScratch(cassette));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('sealCassette', () => {
  it('deep-freezes a copy and leaves the caller its own objects', () => {
    const mine = interaction(1, { encoding: 'json', json: { a: [1, { b: 2 }] } });
    const sealed = sealCassette({ version: 1, meta: { description: 'x' }, interactions: [mine] });
    expect(sealed.interactions[0]).not.toBe(mine);
    expect(sealed.interactions[0]).toEqual(mine);
    expect(Object.isFrozen(mine)).toBe(false);
    for (const value of [
      sealed,
      sealed.meta,
      sealed.interactions,
      sealed.interactions[0],
      sealed.interactions[0]!.request.headers,
      sealed.interactions[0]!.response.body,
      (sealed.interactions[0]!.response.body as unknown as { json: { a: unknown[] } }).json.a[1],
    ]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => (sealed.interactions as Interaction[]).push(mine)).toThrow(TypeError);
    // Changing the caller's object afterwards changes nothing sealed, nor its text.
    const text = serializeCassette(sealed);
    (mine.response.headers as Record<string, string>)['content-type'] = 'text/plain';
    expect(serializeCassette(sealed)).toBe(text);
  });

  it('shares interactions sealed before and freezes an adopted cassette in place', () => {
    const parsed = JSON.parse(JSON.stringify(cases['with meta'])) as Cassette;
    const adopted = sealCassette(parsed, true);
    expect(adopted.interactions[0]).toBe(parsed.interactions[0]);
    expect(Object.isFrozen(parsed.interactions[2]!.response.body)).toBe(true);
    const again = sealCassette({ ...adopted, interactions: [...adopted.interactions] });
    expect(again.interactions[1]).toBe(adopted.interactions[1]);
  });

  it('keeps a "__proto__" key of a JSON body as data', () => {
    const sealed = sealCassette(cases['with meta']!);
    const text = serializeCassette(sealed);
    expect(text).toContain('"__proto__": {');
    expect(text).toBe(fromScratch(cases['with meta']!));
    const json = (sealed.interactions[0]!.response.body as { json: object }).json;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
  });
});
