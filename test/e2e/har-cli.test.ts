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
        '• skipped entry 3: CONNECT https://api.example.test/…: CONNECT: a proxy tunnel, not an API call',
        '• skipped entry 4: GET data:…: a data: URL is not an HTTP exchange',
        '• skipped entry 5: GET blob:…: a blob: URL is not an HTTP exchange',
        '• skipped entry 6: GET chrome-extension:…: a chrome-extension: URL is not an HTTP exchange',
        '• skipped entry 7: GET https://api.example.test/…: status 0: the request failed, was blocked or was aborted',
        '• skipped entry 8: GET https://api.example.test/…: no response in the HAR',
        '• skipped entry 9: GET https://api.example.test/…: the response body is not in the HAR (export it "with content")',
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
  it('never prints in the skip list (text or --json) a value another entry taught', async () => {
    const { dir, env } = project();
    const sid = 'Zq8xK2mP9vLw4RtY';
    const entry = (url: string, status: number, headers: { name: string; value: string }[]) => ({
      startedDateTime: '2026-01-01T00:00:00.000Z',
      time: 1,
      request: { method: 'GET', url, httpVersion: 'HTTP/1.1', headers: [], queryString: [] },
      response: {
        status,
        statusText: '',
        httpVersion: 'HTTP/1.1',
        headers,
        content: { size: 0, mimeType: 'text/plain', text: '' },
      },
    });
    writeFileSync(
      join(dir, 'learned.har'),
      JSON.stringify({
        log: {
          version: '1.2',
          creator: { name: 't', version: '1' },
          entries: [
            entry('https://api.example.test/login', 200, [
              { name: 'Set-Cookie', value: `session=${sid}; Path=/` },
            ]),
            entry(`https://api.example.test/sessions/${sid}/info`, 0, []),
          ],
        },
      }),
    );
    const text = await runCliToEnd(['import', 'har', 'learned.har'], { cwd: dir, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      '• skipped entry 1: GET https://api.example.test/…: status 0: the request failed, was blocked or was aborted',
    );
    expect(text.stdout + text.stderr).not.toContain(sid);

    const json = await runCliToEnd(
      ['import', 'har', 'learned.har', '--cassette', 'again', '--json'],
      { cwd: dir, env },
    );
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { skipped: { entry: number; url: string }[] };
    expect(report.skipped).toMatchObject([{ entry: 1, url: 'https://api.example.test/…' }]);
    expect(json.stdout + json.stderr).not.toContain(sid);
  });

  it('refuses an entry the conversion rejects before any key file is made', async () => {
    const { dir } = project();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
      log: { entries: { request: Record<string, unknown> }[] };
    };
    doc.log.entries[1]!.request['method'] = 'PO ST';
    writeFileSync(join(dir, 'method.har'), JSON.stringify(doc));
    // No key in the environment: loading redaction would generate .tapedeck/redaction.key.
    const result = await runCliToEnd(['import', 'har', 'method.har'], { cwd: dir, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[TD_HAR_INVALID]');
    expect(result.stderr).toContain('/log/entries/1/request/method');
    expect(existsSync(join(dir, '.tapedeck'))).toBe(false);
    expect(existsSync(join(dir, 'cassettes'))).toBe(false);
  });

  it('names the file and the position of broken JSON, quoting none of it', async () => {
    const { dir, env } = project();
    writeFileSync(
      join(dir, 'token.har'),
      '{"log": {"version": "1.2",\n  "entries": [{"request": {"headers": [{"authorization": Bearer_ghp_SECRETSECRET}]}}]}}\n',
    );
    for (const args of [
      ['import', 'har', 'token.har'],
      ['import', 'har', 'token.har', '--json'],
    ]) {
      const result = await runCliToEnd(args, { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'HAR file token.har is not valid JSON at line 2, column 58 (offset 84).',
      );
      for (const part of ['Bearer', 'ghp_', 'SECRET'])
        expect(result.stdout + result.stderr).not.toContain(part);
    }
  });
});
