import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const KEY = { TAPEDECK_REDACTION_KEY: 'har-cli-redaction-key-0123456789abcdef' };
const FIXTURE = fileURLToPath(new URL('../fixtures/har/devtools-mixed.har', import.meta.url));

function project() {
  const dir = tempDir();
  copyFileSync(FIXTURE, join(dir, 'devtools.har'));
  return { dir, env: { ...KEY, TAPEDECK_STATE_DIR: join(dir, '.state') } };
}

describe('tapedeck import har / export har', () => {
  it('imports, lists what it skipped and why, and exports the chosen cassettes', async () => {
    const { dir, env } = project();
    const imported = await runCliToEnd(['import', 'har', 'devtools.har'], { cwd: dir, env });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe(
      [
        '✓ devtools/api.example.test: 3 interaction(s) from https://api.example.test',
        '✓ devtools/cdn.example.test_8443: 1 interaction(s) from https://cdn.example.test:8443',
        '• skipped entry 2: GET wss:…: WebSocket: its frames are not HTTP exchanges',
        '• skipped entry 3: CONNECT https://api.example.test/: CONNECT: a proxy tunnel, not an API call',
        '• skipped entry 4: GET data:…: a data: URL is not an HTTP exchange',
        '• skipped entry 5: GET blob:…: a blob: URL is not an HTTP exchange',
        '• skipped entry 6: GET chrome-extension:…: a chrome-extension: URL is not an HTTP exchange',
        '• skipped entry 7: GET https://api.example.test/blocked: status 0: the request failed, was blocked or was aborted',
        '• skipped entry 8: GET https://api.example.test/pending: no response in the HAR',
        '• skipped entry 9: GET https://api.example.test/no-content: the response body is not in the HAR (export it "with content")',
        'devtools.har: 12 entries, 4 imported into 2 cassette(s), 8 skipped',
        '',
      ].join('\n'),
    );
    const cassette = readFileSync(
      join(dir, 'cassettes', 'devtools', 'api.example.test.json'),
      'utf8',
    );
    expect(cassette).not.toContain('hartoken-aa11bb22cc33dd44');

    // Importing again would double the session: refused, nothing changed.
    const again = await runCliToEnd(['import', 'har', 'devtools.har'], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(join(dir, 'cassettes', 'devtools', 'api.example.test.json'), 'utf8')).toBe(
      cassette,
    );

    const out = await runCliToEnd(
      ['export', 'har', '--cassette', 'devtools/cdn.example.test_8443'],
      {
        cwd: dir,
        env,
      },
    );
    expect(out.code).toBe(0);
    const har = JSON.parse(out.stdout) as {
      log: { version: string; entries: { request: { url: string } }[] };
    };
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries.map((e) => e.request.url)).toEqual([
      'https://cdn.example.test:8443/app.js',
    ]);

    const missing = await runCliToEnd(['export', 'har', '--cassette', 'nope'], { cwd: dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No cassette named nope.');
  });

  it('refuses a malformed HAR naming the file and the JSON pointer, before any key is made', async () => {
    const { dir, env } = project();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
      log: { entries: { request: Record<string, unknown> }[] };
    };
    delete doc.log.entries[4]!.request['method'];
    writeFileSync(join(dir, 'broken.har'), JSON.stringify(doc));
    const result = await runCliToEnd(['import', 'har', 'broken.har', '--json'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'HAR file broken.har is not valid HAR 1.2: at /log/entries/4/request: must have the property "method".',
    );
    expect(result.stderr).toContain('[TD_HAR_INVALID]');
    expect(existsSync(join(dir, '.state'))).toBe(false);
    expect(existsSync(join(dir, 'cassettes'))).toBe(false);

    const absent = await runCliToEnd(['import', 'har', 'absent.har'], { cwd: dir, env });
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('Cannot read the HAR file absent.har');
  });
});
