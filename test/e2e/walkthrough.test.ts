/**
 * docs/walkthrough.md, run as written. Every ```sh block of the page must be marked with a
 * `<!-- walkthrough:step NAME [serve] [with=SERVE] [exit=N] -->` comment; each command in it is run
 * in order (tapedeck through the built CLI, curl and git as themselves) in one temp repository,
 * and must exit as the marker states (default 0). A `serve` step keeps running while the steps
 * marked `with=` its name run, then is stopped as the page says (record: Ctrl-C, replay:
 * SIGTERM) and its own exit code is checked. Staging is the drifting upstream (v1 while
 * recording, v2 from the drift step on), GitHub the local fake; `$STAGING_URL` and port 8080
 * are replaced by their local stand-ins. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_COMMENT_MARKER } from '../../src/core/render/drift-markdown.js';
import { defer, runCleanups } from '../helpers/cleanup.js';
import { BIN, runCli, runCliToEnd, type CliRun } from '../helpers/cli.js';
import { startDriftingUpstream } from '../helpers/drifting-upstream.js';
import { startGitHubFake } from '../helpers/github-fake.js';
import { tempDir } from '../helpers/tmp.js';

afterEach(runCleanups);

const DOC = fileURLToPath(new URL('../../docs/walkthrough.md', import.meta.url));
const KEY = 'walkthrough-key-0123456789abcdef0123';
const GH_TOKEN = 'ghs_walkthrough0123456789abcdefABCDEF';

beforeAll(() => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'cli', 'commands', 'drift.js')))
    throw new Error('run `npm run build` before the e2e tests');
});

interface Step {
  readonly name: string;
  readonly serve: boolean;
  readonly with: string | undefined;
  readonly exit: number;
  readonly commands: readonly string[];
}

/** The marked steps of the page; throws when a ```sh block is not marked or a marker is unknown. */
function parseSteps(markdown: string): Step[] {
  const blocks = markdown.match(/^```sh$/gm)?.length ?? 0;
  const steps: Step[] = [];
  const marked = /<!-- walkthrough:step ([\w-]+)((?: [\w=-]+)*) -->\n\n```sh\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(marked)) {
    const attrs = m[2]!.trim().split(/\s+/).filter(Boolean);
    let serve = false;
    let withServe: string | undefined;
    let exit = 0;
    for (const attr of attrs) {
      if (attr === 'serve') serve = true;
      else if (attr.startsWith('with=')) withServe = attr.slice('with='.length);
      else if (/^exit=\d+$/.test(attr)) exit = Number(attr.slice('exit='.length));
      else throw new Error(`step ${m[1]}: unknown marker attribute ${attr}`);
    }
    const commands = m[3]!
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    steps.push({ name: m[1]!, serve, with: withServe, exit, commands });
  }
  if (steps.length !== blocks)
    throw new Error(`${blocks} sh block(s) but ${steps.length} marked walkthrough step(s)`);
  return steps;
}

/** Shell words: '…' literal, "…" and bare words with $NAME expanded; anything fancier refused. */
function words(line: string, vars: Record<string, string>): string[] {
  if (/[|;&<>`()]/.test(line.replace(/'[^']*'|"[^"]*"/g, '')))
    throw new Error(`not a simple command (the test runs no shell): ${line}`);
  const expand = (text: string) =>
    text.replace(/\$(\w+)|\$\{(\w+)\}/g, (_, a?: string, b?: string) => {
      const name = (a ?? b)!;
      const value = vars[name];
      if (value === undefined) throw new Error(`unknown variable $${name} in: ${line}`);
      return value;
    });
  const out: string[] = [];
  for (const m of line.matchAll(/(?:'([^']*)'|"([^"]*)"|([^\s'"]+))+/g)) {
    let word = '';
    for (const part of m[0].matchAll(/'([^']*)'|"([^"]*)"|([^\s'"]+)/g))
      word += part[1] ?? expand(part[2] ?? part[3]!);
    out.push(word);
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function runProgram(program: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(program, args, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('docs/walkthrough.md', () => {
  it('marks every sh block, and refuses unmarked ones', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(parseSteps(doc).length).toBeGreaterThan(5);
    expect(() => parseSteps(`${doc}\n\`\`\`sh\nnpx tapedeck demo\n\`\`\`\n`)).toThrow(
      /sh block\(s\) but/,
    );
  });

  it('runs every command of the page with the exit code it states', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const steps = parseSteps(doc);
    const root = tempDir('tapedeck-walkthrough-');
    const staging = await startDriftingUpstream('walkthrough-token-unused');
    const gh = await startGitHubFake({ token: GH_TOKEN, repository: 'acme/api', prs: [12] });
    defer(() => gh.close());
    const port = await freePort();
    const vars = { STAGING_URL: staging.url };
    const env = {
      TAPEDECK_REDACTION_KEY: KEY,
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_API_URL: gh.url,
      GIT_AUTHOR_NAME: 'Walk Through',
      GIT_AUTHOR_EMAIL: 'walk@example.com',
      GIT_COMMITTER_NAME: 'Walk Through',
      GIT_COMMITTER_EMAIL: 'walk@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: root,
    };
    // The repository of the API the reader provides, before the walkthrough starts.
    expect((await runProgram('git', ['init', '-q', '-b', 'main'], root, env)).code).toBe(0);

    const cassette = join(root, 'cassettes', 'users.json');
    const readCassette = () => readFileSync(cassette, 'utf8');
    let recorded = '';
    // What the test checks after a step, besides its exit codes: the page's claims.
    const after: Record<string, (outputs: string) => void> = {
      init: () => expect(existsSync(join(root, 'tapedeck.config.json'))).toBe(true),
      exercise: (out) => {
        expect(out).toContain('"nickname"');
      },
      record: () => {
        recorded = readCassette();
        const parsed = JSON.parse(recorded) as { interactions: unknown[] };
        expect(parsed.interactions).toHaveLength(2);
      },
      'miss-client': (out) => expect(out).toMatch(/599|no recorded|nearest|closest/i),
      drift: (out) => {
        expect(out).toMatch(/breaking/);
        const md = readFileSync(join(root, 'drift.md'), 'utf8');
        expect(md).toContain('/nickname');
        expect(md).toContain('/price');
      },
      comment: (out) => {
        expect(out).toMatch(/created the drift comment on pull request #12/);
        expect(gh.comments.get(12)).toHaveLength(1);
        expect(gh.comments.get(12)![0]!.body).toContain(DRIFT_COMMENT_MARKER);
        expect(gh.violations).toEqual([]);
      },
      update: (out) => {
        expect(out).toMatch(/re-recorded \d+ drifted interaction/);
        expect(readCassette()).not.toContain('"nickname"');
      },
      rerecord: () => {
        const parsed = JSON.parse(readCassette()) as { interactions: unknown[] };
        expect(parsed.interactions).toHaveLength(2);
        expect(readCassette()).not.toContain('"nickname"');
      },
      recheck: (out) => expect(out).toMatch(/No drift in 2 checked/),
    };
    const before: Record<string, () => void> = {
      // Staging changes between the recording and the nightly run.
      drift: () => {
        staging.version = 'v2';
      },
    };

    let server: { step: Step; run: CliRun; stagingSeen: number; clientCalls: number } | undefined;
    const stop = async () => {
      if (server === undefined) return;
      const { step, run, stagingSeen, clientCalls } = server;
      server = undefined;
      const recording = step.commands[0]!.includes(' record ');
      run.child.kill(recording ? 'SIGINT' : 'SIGTERM');
      const code = await run.exited;
      expect(code, `${step.name} exit code; stderr: ${run.stderr}`).toBe(step.exit);
      // "replay never contacts the network": staging saw nothing while a replay step ran.
      // Recording (--mode all included) forwards every client request, answering none itself.
      expect(
        staging.requests.length - stagingSeen,
        `${step.name}: requests that reached staging`,
      ).toBe(recording ? clientCalls : 0);
      after[step.name]?.(run.stdout + run.stderr);
    };
    // A ```diff block marked `walkthrough:diff STEP` shows output of STEP: each of its +/- lines
    // must be a line of what STEP printed (the page's sample cassette diff is a real one).
    const diffs = [
      ...doc.matchAll(/<!-- walkthrough:diff ([\w-]+) -->\n\n```diff\n([\s\S]*?)^```$/gm),
    ];
    expect(diffs.length, 'the page shows a cassette diff').toBeGreaterThan(0);
    for (const [, stepName, body] of diffs) {
      const check = after[stepName!];
      const lines = body!.split('\n').filter((line) => /^[+-] /.test(line));
      expect(lines.length).toBeGreaterThan(0);
      after[stepName!] = (out) => {
        check?.(out);
        const printed = new Set(out.split('\n'));
        for (const line of lines) expect(printed, `${stepName} printed ${line}`).toContain(line);
      };
    }
    const seen = new Set<string>();
    for (const step of steps) {
      seen.add(step.name);
      if (server !== undefined && step.with !== server.step.name) await stop();
      if (step.with !== undefined)
        expect(server?.step.name, `${step.name} runs with ${step.with}`).toBe(step.with);
      before[step.name]?.();
      let outputs = '';
      for (const command of step.commands) {
        const [program, ...args] = words(command.replaceAll('8080', String(port)), vars);
        if (program === 'npx' && args[0] === 'tapedeck') {
          if (step.serve) {
            expect(step.commands, `${step.name}: one server per step`).toHaveLength(1);
            const run = runCli(args.slice(1), { cwd: root, env });
            // A failed assertion must not leave the server running past the test.
            defer(() => {
              if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill();
            });
            await run.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/);
            server = { step, run, stagingSeen: staging.requests.length, clientCalls: 0 };
            continue;
          }
          const run = await runCliToEnd(args.slice(1), { cwd: root, env });
          expect(run.code, `${command}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(
            step.exit,
          );
          outputs += run.stdout + run.stderr;
        } else if (program === 'curl' || program === 'git') {
          const run = await runProgram(program, args, root, env);
          if (program === 'curl' && server !== undefined) server.clientCalls += 1;
          expect(run.code, `${command}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(
            step.exit,
          );
          outputs += run.stdout + run.stderr;
        } else {
          throw new Error(`step ${step.name}: the test does not know how to run: ${command}`);
        }
      }
      if (!step.serve) after[step.name]?.(outputs);
    }
    await stop();
    // Every check and hook named a step the page has (a renamed step cannot skip its checks).
    for (const name of [...Object.keys(after), ...Object.keys(before)])
      expect(seen, `step ${name} is on the page`).toContain(name);
    // The recordings and the drift runs reached the local staging (curl and tapedeck were given
    // only 127.0.0.1 URLs; the fake GitHub saw the comment calls, checked above).
    expect(staging.requests.length).toBeGreaterThan(4);
  }, 60_000);
});
