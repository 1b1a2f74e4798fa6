/**
 * Bad config and redaction rule files (issue 12, defect 9): repeated keys, invalid UTF-8,
 * numbers past every bound, nesting; each refused with one message naming the file and the key.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../src/adapters/redaction/redaction-io.js';
import { resolveConfig } from '../../src/app/config/config.js';
import { MAX_BYTES, MAX_TIMEOUT_MS } from '../../src/app/config/schema.js';
import { TapedeckError } from '../../src/core/errors.js';
import { nestedText } from '../helpers/bad-files.js';
import { tempDir } from '../helpers/tmp.js';

function thrown(run: () => unknown): TapedeckError {
  try {
    run();
  } catch (error) {
    if (error instanceof TapedeckError) return error;
    throw error;
  }
  throw new Error('expected a TapedeckError');
}

interface ConfigCase {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly message: readonly string[];
}

const CONFIG_CASES: readonly ConfigCase[] = [
  {
    name: 'upstream.timeoutMs: 1e308',
    content: '{ "upstream": { "timeoutMs": 1e308 } }',
    message: ['/upstream/timeoutMs', `must be <= ${MAX_TIMEOUT_MS}`],
  },
  {
    name: 'drift.timeoutMs past a day',
    content: `{ "drift": { "timeoutMs": ${MAX_TIMEOUT_MS + 1} } }`,
    message: ['/drift/timeoutMs', `must be <= ${MAX_TIMEOUT_MS}`],
  },
  {
    name: 'maxBodyBytes: 1e12',
    content: '{ "maxBodyBytes": 1e12 }',
    message: ['/maxBodyBytes', `must be <= ${MAX_BYTES}`],
  },
  {
    name: 'server.port: 1e308',
    content: '{ "server": { "port": 1e308 } }',
    message: ['/server/port', 'must be <= 65535'],
  },
  {
    name: 'drift.concurrency: 1e9',
    content: '{ "drift": { "concurrency": 1e9 } }',
    message: ['/drift/concurrency', 'must be <= 256'],
  },
  {
    name: 'a negative timeout',
    content: '{ "upstream": { "timeoutMs": -1 } }',
    message: ['/upstream/timeoutMs', 'must be >= 1'],
  },
  {
    name: 'a repeated top-level key',
    content: '{\n  "cassettes": "a",\n  "cassettes": "b"\n}',
    message: ['line 3, column 3', 'the key "cassettes" appears twice in the top level'],
  },
  {
    name: 'a repeated nested key',
    content: '{ "upstream": { "timeoutMs": 5, /* again */ "timeoutMs": 6 } }',
    message: ['the key "timeoutMs" appears twice in /upstream'],
  },
  {
    name: 'invalid UTF-8',
    content: new Uint8Array([...new TextEncoder().encode('{ "cassettes": "caf'), 0xe9, 0x22, 0x7d]),
    message: ['is not valid UTF-8', 'offset 19'],
  },
  {
    name: 'nesting past the limit',
    content: `{ "x": ${nestedText(2000, 'array')} }`,
    message: ['nests deeper than 1000 levels'],
  },
  { name: 'an empty file', content: '', message: ['is not valid JSON'] },
  { name: 'an array', content: '[]', message: ['must hold a JSON object'] },
];

describe('bad config files', () => {
  for (const row of CONFIG_CASES) {
    it(`refuses ${row.name}`, () => {
      const cwd = tempDir();
      writeFileSync(join(cwd, 'tapedeck.config.json'), row.content);
      const error = thrown(() => resolveConfig({ cwd, env: {}, flags: [] }));
      expect(error.code).toBe('TD_CONFIG_INVALID');
      expect(error.message).toContain('tapedeck.config.json');
      for (const fragment of row.message) expect(error.message).toContain(fragment);
      expect(error.describe()).not.toMatch(/\n\s+at /);
    });
  }

  it('reads a file with a byte-order mark', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'tapedeck.config.json'),
      '\ufeff{ "upstream": { "timeoutMs": 86400000 } }',
    );
    const { config } = resolveConfig({ cwd, env: {}, flags: [] });
    expect(config.upstream.timeoutMs).toBe(MAX_TIMEOUT_MS);
  });

  it('refuses a FIFO in the place of the config file without reading it (a read would block)', () => {
    const cwd = tempDir();
    execFileSync('mkfifo', [join(cwd, 'tapedeck.config.json')]);
    const error = thrown(() => resolveConfig({ cwd, env: {}, flags: [] }));
    expect(error.code).toBe('TD_CONFIG_INVALID');
    expect(error.message).toContain('tapedeck.config.json is not a regular file');
  });

  it('refuses an environment value past the bound, naming where it came from', () => {
    const cwd = tempDir();
    const error = thrown(() => resolveConfig({ cwd, env: { TAPEDECK_PORT: '1e308' }, flags: [] }));
    expect(error.code).toBe('TD_CONFIG_INVALID');
    expect(error.message).toContain('TAPEDECK_PORT');
  });
});

describe('bad redaction rule files', () => {
  const rule = '{ "id": "x/one", "target": "header", "name": "x-secret", "action": "mask" }';

  it('refuses a repeated key, naming the file, the key and where', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(
      join(dir, 'rules', 'team.json'),
      `{ "rules": [ ${rule.replace('"action": "mask"', '"action": "mask", "action": "remove"')} ] }`,
    );
    const error = thrown(() => loadRuleFiles(join(dir, 'rules')));
    expect(error.code).toBe('TD_RULES_INVALID');
    expect(error.message).toContain('team.json');
    expect(error.message).toContain('the key "action" appears twice in /rules/0');
  });

  it('refuses invalid UTF-8, naming the byte offset', () => {
    const dir = tempDir();
    const text = Buffer.from(`{ "rules": [ ${rule.replace('x-secret', 'x-\u00ff')} ] }`, 'latin1');
    writeFileSync(join(dir, 'latin1.json'), text);
    const error = thrown(() => loadRuleFiles(dir));
    expect(error.code).toBe('TD_RULES_INVALID');
    expect(error.message).toContain('latin1.json is not valid UTF-8: the byte at offset');
  });

  it('refuses a FIFO or a directory named *.json without opening it (a FIFO would block)', () => {
    for (const make of ['fifo', 'dir'] as const) {
      const dir = tempDir();
      if (make === 'fifo') execFileSync('mkfifo', [join(dir, 'pipe.json')]);
      else mkdirSync(join(dir, 'folder.json', 'inner'), { recursive: true });
      const error = thrown(() => loadRuleFiles(dir));
      expect(error.code).toBe('TD_RULES_INVALID');
      expect(error.message).toMatch(/(pipe|folder)\.json is not a regular file/);
      expect(error.hint).toContain('Rename or remove it');
    }
  });

  it('refuses nesting past the limit', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deep.json'), `{ "rules": ${nestedText(5000, 'array')} }`);
    const error = thrown(() => loadRuleFiles(dir));
    expect(error.code).toBe('TD_RULES_INVALID');
    expect(error.message).toContain('nests deeper than 1000 levels');
  });
});
