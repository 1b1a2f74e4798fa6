import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

// The layer arrows of eslint.config.js, shown failing on a violation. Each snippet is linted as
// the text of a file that exists (typed linting only parses files its tsconfig knows), so the
// project's real configuration decides, with nothing overridden.
const IMPORTS_ADAPTER = [
  "import { shownPath } from '../../adapters/system/paths.js';",
  "export const shown = shownPath('cassettes/a.json');",
  '',
].join('\n');

const COMPOSE_ONLY = /Only src\/app\/compose constructs adapters/;

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function messages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  const fatal = result!.messages.filter((m) => m.fatal === true);
  // A parsing error would make every expectation below pass for the wrong reason.
  expect(fatal, JSON.stringify(fatal)).toEqual([]);
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

// The first lint of a run starts TypeScript's project service (seconds alone, far more while
// the browser and upstream tests share the two cores): a generous limit, not a time budget.
describe('lint: only app/compose imports adapters', { timeout: 90_000 }, () => {
  it('fails an adapter import in a use case of app/', async () => {
    const found = await messages(IMPORTS_ADAPTER, 'src/app/verify/verify.ts');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(COMPOSE_ONLY);
  });

  it('fails a lazy import() of an adapter in app/ and the CLI, not in app/compose', async () => {
    const lazy = [
      'export async function load() {',
      "  return (await import('../../adapters/system/paths.js')).shownPath('a');",
      '}',
      '',
    ].join('\n');
    const app = await messages(lazy, 'src/app/verify/verify.ts');
    expect(app).toHaveLength(1);
    expect(app[0]).toMatch(COMPOSE_ONLY);
    const cli = await messages(
      lazy.replace('../../adapters', '../../../src/adapters'),
      'src/cli/commands/verify.ts',
    );
    expect(cli).toHaveLength(1);
    expect(await messages(lazy, 'src/app/compose/compose.ts')).toEqual([]);
  });

  it('passes the same import in app/compose', async () => {
    expect(await messages(IMPORTS_ADAPTER, 'src/app/compose/compose.ts')).toEqual([]);
  });

  it('still forbids the CLI from app/compose', async () => {
    const found = await messages(
      "import { EXIT } from '../../cli/common.js';\nexport const ok = EXIT.ok;\n",
      'src/app/compose/compose.ts',
    );
    expect(found).toEqual([
      "'../../cli/common.js' import is restricted from being used by a pattern. app must not depend on the CLI.",
    ]);
  });

  it('fails an adapter import in the CLI and in the public API', async () => {
    const cli = await messages(
      IMPORTS_ADAPTER.replace('../../adapters', '../../../src/adapters'),
      'src/cli/commands/verify.ts',
    );
    expect(cli).toHaveLength(1);
    expect(cli[0]).toMatch(COMPOSE_ONLY);
    const api = await messages(
      IMPORTS_ADAPTER.replace('../../adapters', './adapters'),
      'src/index.ts',
    );
    expect(api).toHaveLength(1);
    expect(api[0]).toMatch(COMPOSE_ONLY);
  });

  it('keeps adapters off app/ and core off everything outside it', async () => {
    const adapter = await messages(
      "import { DEFAULTS } from '../../app/config/config.js';\nexport const d = DEFAULTS;\n",
      'src/adapters/system/paths.ts',
    );
    expect(adapter).toEqual([expect.stringMatching(/adapters depend on core only/)]);
    const core = await messages(
      "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'src/core/json.ts',
    );
    expect(core).toEqual([expect.stringMatching(/src\/core is pure/)]);
  });
});
