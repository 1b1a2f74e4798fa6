/**
 * The bad-file table: malformed cassettes, each built in code (no fixture is committed), with
 * the code it must be refused with and fragments of the message and JSON pointer that must name
 * what is wrong. test/unit/bad-files.test.ts runs every row through the store and `verify`;
 * test/e2e/bad-files-cli.test.ts runs a sample through `bin/tapedeck verify` and `replay`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Doc = Record<string, unknown> & { interactions: Record<string, unknown>[] };

/** A valid one-interaction cassette, to break one way at a time. */
export function validDoc(): Doc {
  return {
    version: 1,
    interactions: [
      {
        request: { method: 'GET', path: '/users', query: {}, headers: { accept: '*/*' } },
        response: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: { encoding: 'json', json: { ok: true } },
        },
        latencyMs: 3,
        recordedAt: '2026-01-01T00:00:00.000Z',
      },
    ],
  };
}

/** The same, changed by `change`, as JSON text. */
export function docText(change: (doc: Doc) => void = () => undefined): string {
  const doc = validDoc();
  change(doc);
  return JSON.stringify(doc, null, 2);
}

function response(doc: Doc): Record<string, unknown> {
  return doc.interactions[0]!['response'] as Record<string, unknown>;
}
function request(doc: Doc): Record<string, unknown> {
  return doc.interactions[0]!['request'] as Record<string, unknown>;
}
function responseHeaders(doc: Doc): Record<string, unknown> {
  return response(doc)['headers'] as Record<string, unknown>;
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels, as text (JSON.stringify would overflow). */
export function nestedText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A cassette whose response body is `json` given as raw text. */
export function withRawBody(json: string): string {
  return JSON.stringify(validDoc()).replace('{"ok":true}', json);
}

export interface BadFileCase {
  readonly name: string;
  /** Writes the bad entry (and anything it needs) into the cassettes directory `dir`. */
  readonly build: (dir: string, outside: string) => void;
  /** The cassette file the problem is reported for, relative to the directory. */
  readonly file: string;
  readonly code: 'TD_CASSETTE_INVALID' | 'TD_CASSETTE_VERSION' | 'TD_CASSETTE_NAME_INVALID';
  /** Part of the problem's JSON pointer ("" for the file as a whole). */
  readonly pointer?: string;
  /** How many entries are refused (one unless said). */
  readonly problems?: number;
  /** Parts of the problem's message. */
  readonly message: readonly (string | RegExp)[];
}

function file(name: string, content: string | Uint8Array): (dir: string) => void {
  return (dir) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Valid cassette bytes with `bytes` spliced in place of the `@@` in `text`. */
function spliced(text: string, bytes: readonly number[]): { data: Uint8Array; offset: number } {
  const [before, after] = text.split('@@') as [string, string];
  const head = utf8(before);
  const data = new Uint8Array([...head, ...bytes, ...utf8(after)]);
  return { data, offset: head.length };
}

function badUtf8(name: string, bytes: readonly number[], at = 0): BadFileCase {
  const { data, offset } = spliced(
    docText((d) => {
      responseHeaders(d)['x-note'] = 'caf@@e';
    }),
    bytes,
  );
  return {
    name: `invalid UTF-8: ${name}`,
    build: file('utf8.json', data),
    file: 'utf8.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['not valid UTF-8', `offset ${offset + at}`],
  };
}

function bad(
  name: string,
  text: string | Uint8Array,
  pointer: string | undefined,
  ...message: (string | RegExp)[]
): BadFileCase {
  return {
    name,
    build: file('bad.json', text),
    file: 'bad.json',
    code: 'TD_CASSETTE_INVALID',
    ...(pointer === undefined ? {} : { pointer }),
    message,
  };
}

/** How deep a body may nest: the cassette's own structure takes five of the 1000 levels. */
export const BODY_DEPTH_BUDGET = 1000 - 5;

export const BAD_CASSETTES: readonly BadFileCase[] = [
  // Bytes that are not a JSON document.
  bad('an empty file (0 bytes)', '', undefined, 'is empty (0 bytes)'),
  bad('only white space', ' \n\t\n', undefined, 'is empty (only whitespace)'),
  bad('truncated JSON', docText().slice(0, 120), undefined, 'is not valid JSON at line'),
  bad('a trailing comma', docText().replace(/\n}$/, ',\n}'), undefined, 'is not valid JSON'),
  bad('two documents', `${docText()}\n${docText()}`, undefined, 'is not valid JSON'),
  bad('comments', `// hi\n${docText()}`, undefined, 'is not valid JSON'),
  bad('a byte-order mark before invalid JSON', `\ufeff{`, undefined, 'is not valid JSON'),
  bad('a top-level array', '[]', '', 'must be a JSON object'),
  bad('a top-level string', '"cassette"', '', 'must be a JSON object'),
  bad('null', 'null', '', 'must be a JSON object'),
  badUtf8('a lone 0xFF', [0xff]),
  badUtf8('a Latin-1 é (0xE9)', [0xe9]),
  badUtf8('an overlong "/" (C0 AF)', [0xc0, 0xaf]),
  badUtf8('an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]),
  badUtf8('a truncated 3-byte sequence', [0xe2, 0x82]),
  badUtf8('a stray continuation byte', [0x80]),
  badUtf8('past U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]),
  // Repeated keys: JSON.parse would keep the last one without a word.
  bad(
    'a repeated top-level key',
    docText().replace('"version": 1', '"version": 1,\n  "version": 1'),
    '',
    'has the key "version" twice',
  ),
  bad(
    'a repeated header',
    docText().replace('"accept": "*/*"', '"accept": "*/*", "accept": "text/html"'),
    '/interactions/0/request/headers',
    'has the key "accept" twice',
    /line \d+, column \d+/,
  ),
  bad(
    'a repeated key in a JSON body',
    withRawBody('{"id":1,"name":"a","id":2}'),
    '/interactions/0/response/body/json',
    'has the key "id" twice',
  ),
  bad(
    'a repeated key deep in a body array',
    withRawBody('{"items":[{"a":1},{"b":1,"b":2}]}'),
    '/interactions/0/response/body/json/items/1',
    'has the key "b" twice',
  ),
  bad(
    'a key repeated under another spelling (\\u0061)',
    withRawBody('{"a":1,"\\u0061":2}'),
    '/interactions/0/response/body/json',
    'has the key "a" twice',
  ),
  bad(
    'a repeated key in meta',
    docText((d) => (d['meta'] = { target: 'x' })).replace(
      '"target": "x"',
      '"target": "x", "target": "y"',
    ),
    '/meta',
    'has the key "target" twice',
  ),
  // Nesting (defect 2).
  bad(
    '100,000 nested arrays in a body',
    withRawBody(nestedText(100_000, 'array')),
    '/interactions/0/response/body/json/0/',
    'nests deeper than 1000 levels',
  ),
  bad(
    '100,000 nested objects in a body',
    withRawBody(nestedText(100_000, 'object')),
    '/interactions/0/response/body/json/a/',
    'nests deeper than 1000 levels',
  ),
  bad(
    'one level past the limit',
    withRawBody(nestedText(BODY_DEPTH_BUDGET + 1, 'array')),
    '/interactions/0/response/body/json/0/…(991 more)…/0/0/0',
    'nests deeper than 1000 levels',
  ),
  bad(
    'deep JSON in a text body',
    docText((d) => {
      response(d)['body'] = { encoding: 'text', text: nestedText(5000, 'array') };
    }),
    '/interactions/0/response/body/text',
    'holds JSON nested deeper than 995 levels',
  ),
  bad(
    'deep JSON in a request text body after leading white space (the matcher parses it)',
    docText((d) => {
      request(d)['headers'] = { 'content-type': 'application/json' };
      request(d)['body'] = {
        encoding: 'text',
        text: `${' '.repeat(2000)}${nestedText(5000, 'array')}`,
      };
    }),
    '/interactions/0/request/body/text',
    'holds JSON nested deeper than 995 levels',
  ),
  // Values JSON can spell but a replay cannot give back as written.
  bad(
    'a number too large for a double in a JSON body (1e400)',
    withRawBody('{"ok":1e400}'),
    '/interactions/0/response/body/json/ok',
    'a number too large for a double',
  ),
  bad(
    'an integer of 400 digits in a JSON body (Infinity without an exponent)',
    withRawBody(`{"price":${'9'.repeat(400)}}`),
    '/interactions/0/response/body/json/price',
    'a number too large for a double',
  ),
  bad(
    'a lone surrogate in a text body',
    docText((d) => {
      response(d)['body'] = { encoding: 'text', text: 'a' };
    }).replace('"text": "a"', '"text": "a\\ud800b"'),
    '/interactions/0/response/body/text',
    'a lone UTF-16 surrogate',
  ),
  bad(
    'a lone surrogate in a JSON body key',
    withRawBody('{"\\udc00":1}'),
    '/interactions/0/response/body/json/',
    'a lone UTF-16 surrogate',
  ),
  bad(
    'CR LF in the recorded path',
    docText().replace('"path": "/users"', '"path": "/users\\r\\nX-Evil: 1"'),
    '/interactions/0/request/path',
    'never with CR, LF, NUL',
  ),
  bad(
    'deep nesting where the format has no room for it',
    docText((d) => (d['meta'] = { description: 'x' })).replace(
      '"description": "x"',
      `"description": ${nestedText(2000, 'array')}`,
    ),
    '/meta/description',
    'nests deeper than 1000 levels',
  ),
  // Header values (defect 4) and names.
  bad(
    'CR LF in a response header value',
    docText((d) => (responseHeaders(d)['x-a'] = 'b\r\nSet-Cookie: evil=1')),
    '/interactions/0/response/headers/x-a',
    'U+000D at character 1',
    'never CR, LF, NUL',
  ),
  bad(
    'LF in a request header value',
    docText((d) => ((request(d)['headers'] as Record<string, unknown>)['x-b'] = 'a\nb')),
    '/interactions/0/request/headers/x-b',
    'U+000A',
  ),
  bad(
    'NUL in a header value',
    docText((d) => (responseHeaders(d)['x-a'] = 'a\u0000')),
    '/interactions/0/response/headers/x-a',
    'U+0000',
  ),
  bad(
    'CR in the second value of a repeated header',
    docText((d) => (responseHeaders(d)['set-cookie'] = ['a=1', 'b=2\r'])),
    '/interactions/0/response/headers/set-cookie/1',
    'U+000D',
  ),
  bad(
    'DEL in a header value',
    docText((d) => (responseHeaders(d)['x-a'] = 'a\u007f')),
    '/interactions/0/response/headers/x-a',
    'U+007F',
  ),
  bad(
    'a character past Latin-1 in a header value',
    docText((d) => (responseHeaders(d)['x-a'] = 'caf\u2028')),
    '/interactions/0/response/headers/x-a',
    'U+2028',
  ),
  bad(
    'a header name with CR LF',
    docText((d) => (responseHeaders(d)['x-\r\nevil'] = 'b')),
    '/interactions/0/response/headers/x-\\u000d\\u000aevil',
    'is not a valid header name',
    'U+000D',
  ),
  bad(
    'an upper-case header name',
    docText((d) => (responseHeaders(d)['X-Api'] = 'b')),
    '/interactions/0/response/headers/X-Api',
    'the upper-case "X"',
  ),
  bad(
    'an empty header name',
    docText((d) => (responseHeaders(d)[''] = 'b')),
    '/interactions/0/response/headers/',
    'it is empty',
  ),
  // The format itself.
  bad(
    'no version',
    docText((d) => delete d['version']),
    '/version',
    'must be the integer 1',
  ),
  bad(
    'the version as a string',
    docText((d) => (d['version'] = '1')),
    '/version',
    'must be the integer 1',
  ),
  {
    name: 'a newer format version',
    build: file(
      'bad.json',
      docText((d) => (d['version'] = 99)),
    ),
    file: 'bad.json',
    code: 'TD_CASSETTE_VERSION',
    message: ['format version 99'],
  },
  bad(
    'no interactions',
    docText((d) => delete (d as Record<string, unknown>)['interactions']),
    '',
    'interactions',
  ),
  bad(
    'status 1e308',
    docText().replace('"status": 200', '"status": 1e308'),
    '/interactions/0/response/status',
    'must be <= 599',
  ),
  bad(
    'latencyMs 1e400 (Infinity)',
    docText().replace('"latencyMs": 3', '"latencyMs": 1e400'),
    '/interactions/0/latencyMs',
    'a number too large for a double',
  ),
  bad(
    'a lower-case method',
    docText((d) => (request(d)['method'] = 'get')),
    '/interactions/0/request/method',
    'must match pattern',
  ),
  bad(
    'a path without its slash',
    docText((d) => (request(d)['path'] = 'users')),
    '/interactions/0/request/path',
    'must match pattern',
  ),
  bad(
    'recordedAt that is no time',
    docText((d) => (d.interactions[0]!['recordedAt'] = 'yesterday')),
    '/interactions/0/recordedAt',
    'must match pattern',
  ),
  bad(
    'base64 body with other characters',
    docText((d) => (response(d)['body'] = { encoding: 'base64', base64: 'not base64!' })),
    '/interactions/0/response/body',
    'must match',
  ),
  bad(
    'an unknown body encoding',
    docText((d) => (response(d)['body'] = { encoding: 'gzip', data: '' })),
    '/interactions/0/response/body',
    'must',
  ),
  bad(
    'an unknown member',
    docText((d) => (d.interactions[0]!['extra'] = true)),
    '/interactions/0',
    'is not a known',
  ),
  // What is in the cassettes folder besides files.
  {
    name: 'a directory named x.json',
    build: (dir) => mkdirSync(join(dir, 'x.json')),
    file: 'x.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['is a directory, not a cassette file'],
  },
  {
    name: 'a FIFO named x.json (must not hang)',
    build: (dir) => execFileSync('mkfifo', [join(dir, 'x.json')]),
    file: 'x.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['is a FIFO (named pipe), not a cassette file'],
  },
  {
    name: 'a link to a cassette outside the folder',
    build: (dir, outside) => {
      writeFileSync(join(outside, 'shared.json'), docText());
      symlinkSync(join(outside, 'shared.json'), join(dir, 'shared.json'));
    },
    file: 'shared.json',
    code: 'TD_CASSETTE_INVALID',
    message: [
      'is a symbolic link to ',
      'shared.json, outside the cassettes directory',
      /Move or copy/,
    ],
  },
  {
    name: 'a link to a folder outside',
    build: (dir, outside) => {
      mkdirSync(join(outside, 'more'));
      writeFileSync(join(outside, 'more', 'a.json'), docText());
      symlinkSync(join(outside, 'more'), join(dir, 'more'));
    },
    file: 'more',
    code: 'TD_CASSETTE_INVALID',
    message: ['more, outside the cassettes directory'],
  },
  {
    name: 'a link to /dev/null',
    build: (dir) => symlinkSync('/dev/null', join(dir, 'null.json')),
    file: 'null.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['is a symbolic link to /dev/null, outside the cassettes directory'],
  },
  {
    name: 'a link loop',
    build: (dir) => {
      symlinkSync(join(dir, 'b.json'), join(dir, 'a.json'));
      symlinkSync(join(dir, 'a.json'), join(dir, 'b.json'));
    },
    file: 'a.json',
    code: 'TD_CASSETTE_INVALID',
    problems: 2,
    message: ['is a symbolic link that loops back on itself'],
  },
  {
    name: 'a dangling link',
    build: (dir) => symlinkSync(join(dir, 'gone.txt'), join(dir, 'dangling.json')),
    file: 'dangling.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['is a symbolic link to a file that does not exist (ENOENT)'],
  },
  {
    name: 'a link inside the folder to a directory named *.json',
    build: (dir) => {
      mkdirSync(join(dir, 'folder'));
      symlinkSync(join(dir, 'folder'), join(dir, 'folder-link.json'));
    },
    file: 'folder-link.json',
    code: 'TD_CASSETTE_INVALID',
    message: ['is a symbolic link to a directory, not a cassette file'],
  },
  {
    name: 'a file name that is no cassette name',
    build: file('bad name!.json', docText()),
    file: 'bad name!.json',
    code: 'TD_CASSETTE_NAME_INVALID',
    message: ['bad name!'],
  },
];

/** A cassette with a text body of `size` characters (a few words, repeated) and `tail` last. */
export function bigTextCassette(size: number, tail = ''): string {
  const unit = 'lorem ipsum dolor sit amet 0123456789 ';
  const text = unit
    .repeat(Math.ceil((size - tail.length) / unit.length))
    .slice(0, size - tail.length);
  return docText((d) => {
    response(d)['headers'] = { 'content-type': 'text/plain' };
    response(d)['body'] = { encoding: 'text', text: text + tail };
  });
}
