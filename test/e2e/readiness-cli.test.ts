/**
 * `tapedeck readiness` as a new user meets it (built CLI: `npm run build` first), on a state
 * directory `tapedeck tenants` made: a tenant with no traffic yet, the criteria file copied from
 * docs/readiness.md, and `--out` — into a folder that does not exist yet, and somewhere that
 * cannot be written (bad input, exit 2, never a crash).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compileValidator } from '../../src/core/validation.js';
import { runCleanups } from '../helpers/cleanup.js';
import { runCliToEnd } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const validReport = compileValidator(
  JSON.parse(readFileSync(join(ROOT, 'schemas/readiness-report.schema.json'), 'utf8')) as object,
);

/** The `jsonc` example under "## The criteria file" in docs/readiness.md, as a user copies it. */
function docCriteria(): string {
  const doc = readFileSync(join(ROOT, 'docs/readiness.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The criteria file'));
  const block = /```jsonc\n([\s\S]*?)```/.exec(section);
  expect(block, 'docs/readiness.md has a jsonc criteria example').not.toBeNull();
  return block![1]!;
}

async function newTenant(): Promise<{ cwd: string; args: string[] }> {
  const cwd = tempDir('tapedeck-readiness-e2e-');
  const stateDir = join(cwd, 'state');
  const created = await runCliToEnd(['tenants', 'create', 'acme', '--state-dir', stateDir], {
    cwd,
  });
  expect(created.code, created.stderr).toBe(0);
  const spec = join(ROOT, 'test/fixtures/specs/widgets.yaml');
  return {
    cwd,
    args: ['readiness', '--tenant', 'acme', '--state-dir', stateDir, '--spec', spec],
  };
}

describe('tapedeck readiness (built CLI)', () => {
  it('a tenant with no traffic: not ready, every criterion not exercised with a next step, valid JSON; --check exits 1', async () => {
    const { cwd, args } = await newTenant();
    const run = await runCliToEnd([...args, '--format', 'json', '--check'], { cwd });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as {
      verdict: string;
      criteria: { verdict: string; next?: string }[];
    };
    expect(validReport(report).ok).toBe(true);
    expect(report.verdict).toBe('not-ready');
    expect(report.criteria.map((c) => c.verdict)).toEqual(
      report.criteria.map(() => 'not-exercised'),
    );
    for (const c of report.criteria) expect(c.next).toMatch(/\S/);
  });

  it('loads the criteria example of docs/readiness.md as it is written (with its comments)', async () => {
    const { cwd, args } = await newTenant();
    writeFileSync(join(cwd, 'readiness.json'), docCriteria());
    const run = await runCliToEnd([...args, '--criteria', 'readiness.json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Acme payments go-live');
  });

  it('--out makes the folder it names, and says the verdict on stderr', async () => {
    const { cwd, args } = await newTenant();
    const run = await runCliToEnd([...args, '--format', 'json', '--out', 'reports/ci/acme.json'], {
      cwd,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('reports/ci/acme.json: not-ready');
    const written = JSON.parse(readFileSync(join(cwd, 'reports/ci/acme.json'), 'utf8')) as object;
    expect(validReport(written).ok).toBe(true);
  });

  it('an --out that cannot be written is bad input (exit 2, naming it), not an internal error', async () => {
    const { cwd, args } = await newTenant();
    writeFileSync(join(cwd, 'a-file'), 'not a folder');
    mkdirSync(join(cwd, 'is-a-dir'));
    for (const out of ['a-file/acme.md', 'is-a-dir']) {
      const run = await runCliToEnd([...args, '--out', out], { cwd });
      expect(run.code, `${out}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(`Cannot write the readiness report to ${out}`);
      expect(run.stderr).toContain('[TD_USAGE]');
      expect(run.stderr).not.toContain('internal error');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
