/**
 * Bad files (issue 12, defects 2, 4 and 9): every malformed cassette of the table is refused by
 * the store with one TapedeckError naming the file and what is wrong, and `verifyCassettes`
 * reports it with its code and JSON pointer; nothing is skipped silently, nothing crashes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsCassetteStore } from '../../src/adapters/cassettes/fs-cassette-store.js';
import { verifyCassettes } from '../../src/app/verify/verify.js';
import { parseCassette } from '../../src/core/cassette/codec.js';
import { isTapedeckError } from '../../src/core/errors.js';
import {
  countJsonKeys,
  findDuplicateKey,
  inspectJson,
  MAX_JSON_DEPTH,
} from '../../src/core/json.js';
import { detectIn } from '../../src/core/redaction/long-text.js';
import { scanInteraction } from '../../src/core/redaction/scan.js';
import { decodeUtf8, invalidUtf8Offset } from '../../src/core/utf8.js';
import {
  BAD_CASSETTES,
  BODY_DEPTH_BUDGET,
  bigTextCassette,
  docText,
  nestedText,
  validDoc,
  withRawBody,
} from '../helpers/bad-files.js';
import { tempDir } from '../helpers/tmp.js';

const rules = { rules: [], files: [], disabled: new Set<string>() };

function setUp(build: (dir: string, outside: string) => void) {
  const root = tempDir('tapedeck-bad-');
  const dir = join(root, 'cassettes');
  const outside = join(root, 'elsewhere');
  mkdirSync(dir);
  mkdirSync(outside);
  // A good cassette next to the bad entry: it still loads, and is counted.
  writeFileSync(join(dir, 'good.json'), docText());
  build(dir, outside);
  return { root, dir, store: new FsCassetteStore(dir) };
}

function setUpWithOutside(build: (dir: string, outside: string) => void) {
  const made = setUp(build);
  return { ...made, outside: join(made.root, 'elsewhere') };
}

describe('the bad-file table', () => {
  it('has at least 40 rows', () => {
    expect(BAD_CASSETTES.length).toBeGreaterThanOrEqual(40);
  });

  for (const row of BAD_CASSETTES) {
    it(`refuses ${row.name}`, async () => {
      const { root, dir, store } = setUp(row.build);
      const { cassettes, problems } = await store.loadAll();
      expect(cassettes.map((c) => c.name)).toEqual(['good']);
      expect(problems).toHaveLength(row.problems ?? 1);
      const error = problems[0]!.error;
      expect(error.code).toBe(row.code);
      // One message that names the file and says what to do; never a stack trace.
      if (row.code !== 'TD_CASSETTE_NAME_INVALID') expect(error.message).toContain(row.file);
      expect(error.describe()).not.toMatch(/\n\s+at /);
      expect(error.hint ?? '').not.toBe('');

      const report = await verifyCassettes(store, dir, rules, root);
      expect(report.cassettes).toBe(1 + (row.problems ?? 1));
      const found = report.problems.filter((p) => p.code === row.code);
      expect(found.length).toBeGreaterThan(0);
      expect(found.map((p) => p.file)).toContain(`cassettes/${row.file}`);
      const shown = found.map((p) => `${p.pointer} ${p.message}`).join('\n');
      if (row.pointer !== undefined)
        expect(
          found.some((p) => p.pointer.startsWith(row.pointer!) || p.pointer.includes(row.pointer!)),
        ).toBe(true);
      for (const fragment of row.message) {
        if (typeof fragment === 'string') expect(shown).toContain(fragment);
        else expect(shown).toMatch(fragment);
      }
    });
  }
});

describe('a cassette named directly (a request header, --cassette) through a link out', () => {
  it('is refused on load and on update, and nothing is read or written out there', async () => {
    const { dir, outside, store } = setUpWithOutside((d, o) => {
      writeFileSync(join(o, 'shared.json'), docText());
      symlinkSync(join(o, 'shared.json'), join(d, 'shared.json'));
      mkdirSync(join(o, 'folder'));
      symlinkSync(join(o, 'folder'), join(d, 'linked'));
    });
    await expect(store.load('shared')).rejects.toMatchObject({
      code: 'TD_CASSETTE_INVALID',
      message: expect.stringContaining('outside the cassettes directory') as unknown,
    });
    const keep = (c: unknown) => c as never;
    await expect(store.update('shared', keep)).rejects.toMatchObject({
      code: 'TD_CASSETTE_INVALID',
    });
    // A new cassette below a linked folder: refused before its lock or file is made out there.
    await expect(store.update('linked/new', () => validDoc() as never)).rejects.toMatchObject({
      code: 'TD_CASSETTE_INVALID',
      message: expect.stringContaining('cassettes/linked/new.json') as unknown,
    });
    expect(readdirSync(join(outside, 'folder'))).toEqual([]);
    // A cassette inside the folder still loads and updates by name.
    expect(await store.load('good')).toBeDefined();
    await store.update('fresh', () => validDoc() as never);
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toContain('fresh.json');
  });
});

describe('the first writes into a cassettes folder that does not exist yet', () => {
  it('are never taken for links out of it, however they interleave', async () => {
    const root = tempDir('tapedeck-first-');
    const store = new FsCassetteStore(join(root, 'cassettes'));
    const names = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? `n${i}` : `deep/n${i}`));
    await Promise.all(names.map((name) => store.update(name, () => validDoc() as never)));
    expect((await store.list()).length).toBe(20);
  });
});

describe('what loads', () => {
  it('a file with a byte-order mark, read without it', async () => {
    const { store } = setUp((dir) => writeFileSync(join(dir, 'bom.json'), `\ufeff${docText()}`));
    const { cassettes, problems } = await store.loadAll();
    expect(problems).toEqual([]);
    expect(cassettes.map((c) => c.name)).toEqual(['bom', 'good']);
  });

  it('JSON nested up to the limit, and a body nested as deep as the limit leaves room for', () => {
    const text = withRawBody(nestedText(BODY_DEPTH_BUDGET, 'array'));
    expect(() => parseCassette(text, 'deep.json')).not.toThrow();
    expect(() =>
      parseCassette(withRawBody(nestedText(BODY_DEPTH_BUDGET + 1, 'array')), 'x'),
    ).toThrow(/nests deeper than 1000 levels/);
  });

  it('a link to a cassette inside the folder', async () => {
    const { store } = setUp((dir) => {
      mkdirSync(join(dir, 'real'));
      writeFileSync(join(dir, 'real', 'a.json'), docText());
      // A relative link, as git stores them.
      symlinkSync('real/a.json', join(dir, 'alias.json'));
    });
    const { cassettes, problems } = await store.loadAll();
    expect(problems).toEqual([]);
    expect(cassettes.map((c) => c.name)).toEqual(['alias', 'good', 'real/a']);
  });

  it('strings that hold every valid UTF-8 length, and a key named __proto__', () => {
    const text = docText((d) => {
      (d.interactions[0]!['response'] as Record<string, unknown>)['body'] = {
        encoding: 'json',
        json: JSON.parse('{"__proto__":1,"s":"é € 𝄞 \\u0000"}') as unknown,
      };
    });
    const { cassette } = parseCassette(new TextEncoder().encode(text), 'ok.json');
    expect(cassette.interactions).toHaveLength(1);
  });
});

describe('duplicate keys and depth, the helpers', () => {
  it('counts keys in text the way JSON.parse keeps members, escapes included', () => {
    const texts = [
      '{}',
      '{"a":1}',
      '{"a":"x\\"y:","b":[{"c":"\\\\"},{"d" :1}]}',
      '{ "k\\\\" : "v" , "q": ":" }',
      JSON.stringify(validDoc(), null, 2),
    ];
    for (const text of texts)
      expect(countJsonKeys(text)).toBe(inspectJson(JSON.parse(text)).members);
    expect(findDuplicateKey('{"a":{"b":1},"c":[1,{"x":1,"y":2,"x":3}]}')).toEqual({
      path: ['c', 1],
      key: 'x',
      offset: 33,
    });
    expect(findDuplicateKey('{"a":1,"b":{"a":2}}')).toBeUndefined();
  });

  it('walks a million levels without recursion', () => {
    const shape = inspectJson(JSON.parse(nestedText(1_000_000, 'array')));
    expect(shape.tooDeep).toHaveLength(MAX_JSON_DEPTH);
  });

  it('names the byte offset of the first invalid UTF-8 byte', () => {
    const bytes = new Uint8Array([0x61, 0xe2, 0x82, 0xac, 0x62, 0xc3, 0x28]);
    expect(invalidUtf8Offset(bytes)).toBe(5);
    expect(decodeUtf8(bytes)).toEqual({ ok: false, offset: 5 });
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    expect(decodeUtf8(bom)).toEqual({ ok: true, text: '{}', bom: true });
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0xff]))).toEqual({ ok: false, offset: 3 });
  });
});

describe('the scanner over hostile bodies (defect 2)', () => {
  const interaction = (body: unknown, contentType = 'application/json') => ({
    request: { method: 'GET', path: '/', query: {}, headers: {} },
    response: { status: 200, headers: { 'content-type': contentType }, body },
    latencyMs: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
  });

  it('walks JSON of any depth (in a body, and held in a string) without exhausting the stack', () => {
    const deep = JSON.parse(nestedText(100_000, 'object')) as never;
    const findings = scanInteraction(interaction({ encoding: 'json', json: deep }) as never, {
      rules: [],
    });
    expect(findings).toEqual([]);
    const text = `${'['.repeat(100_000)}"sk_live_abcdefghijklmnop"${']'.repeat(100_000)}`;
    const inText = scanInteraction(interaction({ encoding: 'text', text }, 'text/plain') as never, {
      rules: [],
    });
    expect(inText.map((f) => f.rule)).toContain('builtin/payment-key');
  });

  it('keeps the order of findings of a recursive pre-order walk', () => {
    const json = {
      password: 'hunter2-hunter2',
      nested: [{ token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' }, 'x'],
      email: 'someone@corp.io',
    };
    const findings = scanInteraction(interaction({ encoding: 'json', json }) as never, {
      rules: [],
    });
    expect([...new Set(findings.map((f) => f.pointer))]).toEqual([
      '/response/body/json/password',
      '/response/body/json/nested/0/token',
      '/response/body/json/email',
    ]);
  });

  it('scans a text body of several pieces, finding a secret at the end and across a cut', () => {
    const tail = ' sk_live_abcdefghijklmnop';
    const { cassette } = parseCassette(bigTextCassette(3 * (1 << 18) + 17, tail), 'big.json');
    const findings = scanInteraction(cassette.interactions[0]!, { rules: [] });
    expect(findings.map((f) => f.rule)).toEqual(['builtin/payment-key']);
    // A secret straddling the first cut (at a space near 256 KiB) is found in the overlap.
    const unit = 'word '.repeat((1 << 18) / 5 - 2);
    const straddle = `${unit}xx sk_live_abcdefghijklmnopqrstuv ${unit}`;
    const again = scanInteraction(
      interaction({ encoding: 'text', text: straddle }, 'text/plain') as never,
      {
        rules: [],
      },
    );
    expect(again.map((f) => f.rule)).toEqual(['builtin/payment-key']);
  });

  it('finds a secret whose only break is where a piece would start (the overlap is kept whole)', () => {
    const email = 'jane.doe@corp-mail.com';
    for (const before of [3000, 8192 - 5, 8192 + 10, 1 << 12]) {
      const text = `${'a'.repeat((1 << 18) - before)}${email}${'b'.repeat(1 << 18)}`;
      // The letters glued on either side belong to the match: what counts is that it is found.
      const found = detectIn(text, new Set()).map((d) => d.secret);
      expect(
        found.some((f) => f.includes(email)),
        `${before}`,
      ).toBe(true);
    }
  });

  it('handles one 60 MiB run of letters (past maxBodyBytes) without RangeError', () => {
    const text = `${'a'.repeat(60 * 1024 * 1024)}@`;
    const findings = scanInteraction(
      interaction({ encoding: 'text', text }, 'text/plain') as never,
      {
        rules: [],
      },
    );
    expect(findings).toEqual([]);
  });
});

describe('a cassette error names the file', () => {
  it('from load, as well as from loadAll', async () => {
    const { store } = setUp((dir) =>
      writeFileSync(
        join(dir, 'crlf.json'),
        docText((d) => {
          (
            (d.interactions[0]!['response'] as Record<string, unknown>)['headers'] as Record<
              string,
              string
            >
          )['x-a'] = 'b\r\nSet-Cookie: evil=1';
        }),
      ),
    );
    const error = await store.load('crlf').catch((e: unknown) => e);
    expect(isTapedeckError(error) && error.code).toBe('TD_CASSETTE_INVALID');
    expect((error as Error).message).toMatch(
      /crlf\.json[\s\S]*\/interactions\/0\/response\/headers\/x-a/,
    );
  });
});

describe('the recorder never writes what the loader refuses', () => {
  it('keeps a body nested past the limit as base64, and the cassette loads', async () => {
    const { NodeBodyCodec } = await import('../../src/adapters/http/body-codec.js');
    const { serializeCassette } = await import('../../src/core/cassette/codec.js');
    const codec = new NodeBodyCodec();
    const headers = { 'content-type': 'application/json' };
    const deep = new TextEncoder().encode(nestedText(5000, 'array'));
    const body = codec.decode(deep, headers);
    expect(body?.encoding).toBe('base64');
    const near = codec.decode(
      new TextEncoder().encode(nestedText(BODY_DEPTH_BUDGET, 'array')),
      headers,
    );
    expect(near?.encoding).toBe('json');
    const doc = validDoc();
    (doc.interactions[0]!['response'] as Record<string, unknown>)['body'] = body;
    (doc.interactions[0]!['request'] as Record<string, unknown>)['body'] = near;
    const text = serializeCassette(doc as never);
    expect(parseCassette(text, 'recorded.json').cassette.interactions).toHaveLength(1);
  });
});

describe('a FIFO where the recorder writes', () => {
  it('is refused by update without hanging', async () => {
    const { dir, store } = setUp(() => undefined);
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    const error = await store
      .update('pipe', (c) => c ?? (validDoc() as never))
      .catch((e: unknown) => e);
    expect(isTapedeckError(error) && error.code).toBe('TD_CASSETTE_INVALID');
    expect((error as Error).message).toContain('is a FIFO (named pipe), not a cassette file');
  });
});
