import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const KEY = { TAPEDECK_REDACTION_KEY: 'e2e-redaction-key-0123456789abcdef' };
const PLANTED = 'sk_live_51PlantedSecretValue9x';

function cassetteWith(responseJson: unknown, headers: Record<string, string> = {}) {
  return `${JSON.stringify(
    {
      version: 1,
      interactions: [
        {
          request: { method: 'GET', path: '/v1/account', query: {}, headers },
          response: {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: { encoding: 'json', json: responseJson },
          },
          latencyMs: 1,
          recordedAt: '2026-01-01T00:00:00Z',
        },
      ],
    },
    null,
    2,
  )}\n`;
}

function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'cassettes'));
  return dir;
}

const env = (dir: string) => ({ ...KEY, TAPEDECK_STATE_DIR: join(dir, '.state') });

describe('secrets in cassettes, end to end', () => {
  it('verify fails on a hand-planted secret with file, JSON pointer and rule id, and never prints the value', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'cassettes', 'account.json'),
      cassetteWith(
        { id: 'acct_1', settings: { keys: [{ secret: PLANTED }] } },
        { authorization: 'Bearer realtoken123456' },
      ),
    );
    const result = await runCliToEnd(['verify'], { cwd: dir, env: env(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('cassettes/account.json');
    expect(result.stdout).toContain(
      'at /interactions/0/response/body/json/settings/keys/0/secret: looks secret (builtin/payment-key)',
    );
    expect(result.stdout).toContain(
      'at /interactions/0/request/headers/authorization: looks secret (builtin/credential-header)',
    );
    expect(result.stdout + result.stderr).not.toContain(PLANTED);
    expect(result.stdout + result.stderr).not.toContain('realtoken123456');

    const json = await runCliToEnd(['verify', '--json'], { cwd: dir, env: env(dir) });
    const report = JSON.parse(json.stdout) as {
      problems: { rule?: string; code: string; pointer: string }[];
    };
    expect(report.problems.map((p) => p.rule)).toContain('builtin/payment-key');
    expect(report.problems.every((p) => p.code === 'TD_SECRET_DETECTED')).toBe(true);
    expect(json.stdout).not.toContain(PLANTED);
  });

  it('redact rewrites the cassette atomically, verify then passes, and a second redact changes nothing', async () => {
    const dir = project();
    const file = join(dir, 'cassettes', 'account.json');
    writeFileSync(
      file,
      cassetteWith({ id: 'acct_1', owner: { email: 'jane.doe@corp.io' }, note: `key ${PLANTED}` }),
    );

    const first = await runCliToEnd(['redact'], { cwd: dir, env: env(dir) });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('rewrote account');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain('jane.doe@corp.io');
    expect(text).toMatch(/"email": "td-[0-9a-f]{10}@example\.com"/);

    expect((await runCliToEnd(['verify'], { cwd: dir, env: env(dir) })).code).toBe(0);
    const second = await runCliToEnd(['redact'], { cwd: dir, env: env(dir) });
    expect(second.stdout).toContain('0 changed');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('redact applies a rule added after recording, and --dry-run writes nothing', async () => {
    const dir = project();
    const file = join(dir, 'cassettes', 'account.json');
    writeFileSync(file, cassetteWith({ id: 'acct_1', loyalty: { memberNumber: 'M-778812' } }));
    mkdirSync(join(dir, 'redaction-rules'));
    writeFileSync(
      join(dir, 'redaction-rules', 'loyalty.json'),
      JSON.stringify({
        version: 1,
        rules: [
          { id: 'loyalty-member', target: 'json', path: '$..memberNumber', action: 'pseudonymize' },
        ],
      }),
    );
    const before = readFileSync(file, 'utf8');
    const verify = await runCliToEnd(['verify'], { cwd: dir, env: env(dir) });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('looks secret (loyalty-member)');

    const dry = await runCliToEnd(['redact', '--dry-run'], { cwd: dir, env: env(dir) });
    expect(dry.stdout).toContain('would rewrite account');
    expect(readFileSync(file, 'utf8')).toBe(before);

    await runCliToEnd(['redact'], { cwd: dir, env: env(dir) });
    expect(readFileSync(file, 'utf8')).not.toContain('M-778812');
    expect((await runCliToEnd(['verify'], { cwd: dir, env: env(dir) })).code).toBe(0);
  });

  it('an invalid rule file stops the recorder before it listens, naming the file and the rule (exit 2)', async () => {
    const dir = project();
    mkdirSync(join(dir, 'redaction-rules'));
    writeFileSync(
      join(dir, 'redaction-rules', 'team.json'),
      JSON.stringify({ version: 1, rules: [{ id: 'no-name', target: 'header', action: 'mask' }] }),
    );
    const result = await runCliToEnd(['record', '--target', 'http://127.0.0.1:9', '--port', '0'], {
      cwd: dir,
      env: env(dir),
    });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toContain('redaction-rules/team.json');
    expect(result.stderr).toContain('rule no-name');
    expect(result.stderr).toContain('[TD_RULES_INVALID]');
  });

  it('a rule with a catastrophic regex stops the recorder (exit 2)', async () => {
    const dir = project();
    mkdirSync(join(dir, 'redaction-rules'));
    writeFileSync(
      join(dir, 'redaction-rules', 'slow.json'),
      JSON.stringify({
        version: 1,
        rules: [{ id: 'slow', target: 'body', pattern: '(a|a)*b', action: 'mask' }],
      }),
    );
    const result = await runCliToEnd(['record', '--target', 'http://127.0.0.1:9', '--port', '0'], {
      cwd: dir,
      env: env(dir),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[TD_RULE_UNSAFE_REGEX]');
    expect(result.stderr).toContain('rule slow');
  });

  it('a key shorter than 16 characters is refused (exit 2)', async () => {
    const dir = project();
    const result = await runCliToEnd(['record', '--target', 'http://127.0.0.1:9', '--port', '0'], {
      cwd: dir,
      env: { TAPEDECK_REDACTION_KEY: 'short', TAPEDECK_STATE_DIR: join(dir, '.state') },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[TD_REDACTION_KEY_INVALID]');
    expect(result.stderr).not.toContain('short\n');
  });
});
