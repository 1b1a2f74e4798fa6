/**
 * Bad files through the built CLI (`npm run build` first): `tapedeck verify` lists each one with
 * its file and JSON path and exits 1; `tapedeck replay` refuses to start with exit 3 (a bad
 * config: 2), one `tapedeck:` line with the next step, never a stack trace or TD_INTERNAL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { BAD_CASSETTES, docText } from '../helpers/bad-files.js';
import { tempDir } from '../helpers/tmp.js';

const running: CliRun[] = [];
afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
});

const SAMPLE = [
  'an empty file (0 bytes)',
  'truncated JSON',
  'invalid UTF-8: a lone 0xFF',
  'a repeated header',
  '100,000 nested arrays in a body',
  '100,000 nested objects in a body',
  'deep JSON in a text body',
  'CR LF in a response header value',
  'a header name with CR LF',
  'a FIFO named x.json (must not hang)',
  'a link to a cassette outside the folder',
  'a link loop',
  'a directory named x.json',
  'a newer format version',
];

function project(build: (dir: string, outside: string) => void): string {
  const cwd = tempDir('tapedeck-badcli-');
  mkdirSync(join(cwd, 'cassettes'));
  mkdirSync(join(cwd, 'elsewhere'));
  writeFileSync(join(cwd, 'cassettes', 'good.json'), docText());
  build(join(cwd, 'cassettes'), join(cwd, 'elsewhere'));
  return cwd;
}

/** Replay, until it exits or (the failure this guards against) starts listening. */
async function replayStart(cwd: string) {
  const run = runCli(['replay', '--port', '0'], { cwd });
  running.push(run);
  const listening = run.waitFor(/listening on/).then(
    () => 'listening' as const,
    () => 'exited' as const,
  );
  const outcome = await Promise.race([run.exited.then(() => 'exited' as const), listening]);
  const code = outcome === 'exited' ? await run.exited : undefined;
  return { outcome, code, stderr: run.stderr };
}

function expectOneClearLine(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('TD_INTERNAL');
  expect(stderr).not.toContain('Maximum call stack');
  expect(stderr.split('\n').filter((line) => line.startsWith('tapedeck:'))).toHaveLength(1);
}

describe('bad cassettes through the CLI', () => {
  for (const name of SAMPLE) {
    const row = BAD_CASSETTES.find((r) => r.name === name);
    if (row === undefined) throw new Error(`no row named ${name}`);

    it(`verify and replay refuse ${name}`, async () => {
      const cwd = project(row.build);
      const verify = await runCliToEnd(['verify'], { cwd });
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(`cassettes/${row.file}`);
      if (row.pointer !== undefined && row.pointer !== '')
        expect(verify.stdout).toContain(row.pointer.slice(0, 40));
      expect(verify.stdout).toContain(`[${row.code}]`);
      expect(verify.stdout).not.toMatch(/^\s+at /m);
      expect(verify.stderr).toBe('');

      const replay = await replayStart(cwd);
      expect(replay.outcome).toBe('exited');
      expect(replay.code).toBe(row.code === 'TD_CASSETTE_NAME_INVALID' ? 2 : 3);
      expectOneClearLine(replay.stderr);
      expect(replay.stderr).toContain(row.file);
      expect(replay.stderr).toContain('then start again');
      if (row.name.includes('link to a cassette outside'))
        expect(replay.stderr).toContain('Move or copy');
      // Each refused file comes with its own next step, not only the general one.
      if (row.name.includes('CR LF in a response header'))
        expect(replay.stderr).toContain('Fix the file (docs/cassette-format.md');
    });
  }
});

describe('bad config files through the CLI', () => {
  for (const [name, content, fragment] of [
    [
      'upstream.timeoutMs: 1e308',
      '{ "upstream": { "timeoutMs": 1e308 } }',
      '/upstream/timeoutMs: must be <= 86400000',
    ],
    [
      'a repeated key',
      '{ "cassettes": "a", "cassettes": "b" }',
      'the key "cassettes" appears twice',
    ],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'not valid UTF-8: the byte at offset 1'],
  ] as const) {
    it(`verify and replay refuse ${name} (exit 2)`, async () => {
      const cwd = project(() => undefined);
      writeFileSync(join(cwd, 'tapedeck.config.json'), content);
      const verify = await runCliToEnd(['verify'], { cwd });
      expect(verify.code).toBe(2);
      expectOneClearLine(verify.stderr);
      expect(verify.stderr).toContain(fragment);
      const replay = await replayStart(cwd);
      expect(replay.code).toBe(2);
      expectOneClearLine(replay.stderr);
    });
  }
});
