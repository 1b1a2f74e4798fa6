/**
 * Octokit (`@octokit/rest@21`) against `tapedeck mock` on GitHub's published description
 * (`@octokit/openapi`): the mock's refusals come in GitHub's own error shape (`basic-error`:
 * `{ message, documentation_url, status }`), so Octokit throws its `RequestError` with the status
 * and a message, not "Unknown error". Octokit's default headers are used as they are
 * (`Accept: application/vnd.github.v3+json`): an error is sent in the documented shape even when
 * `Accept` names another type, as RFC 9110 allows.
 *
 * GitHub's description is 13 MB; loading and compiling it takes about 9 s here, so one mock
 * serves the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestError } from '@octokit/request-error';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMockServer } from '../../src/app/compose/spec.js';
import { resolveConfig } from '../../src/app/config/config.js';
import type { MockServer } from '../../src/app/mock/server.js';
import { CollectingLogger } from '../helpers/logger.js';

const SPEC = join(
  import.meta.dirname,
  '../../node_modules/@octokit/openapi/generated/api.github.com.json',
);

let dir: string;
let server: MockServer;
let origin: string;

interface JournalEntry {
  readonly layer: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapedeck-octokit-'));
  const config = resolveConfig({
    cwd: dir,
    env: {},
    flags: [
      { pointer: '/server/host', value: '127.0.0.1', flag: '--host' },
      { pointer: '/server/port', value: 0, flag: '--port' },
    ],
  }).config;
  server = await composeMockServer(SPEC, config, new CollectingLogger(), { watch: false });
  origin = await server.listen();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function journal(): Promise<JournalEntry[]> {
  const response = await fetch(`${origin}/__tapedeck/journal?limit=10000`);
  const { entries } = (await response.json()) as { entries: JournalEntry[] };
  return entries.filter((e) => e.layer === 'spec').reverse();
}

/** An Octokit on the mock's origin that counts the requests it sends. */
function octokit(): { client: Octokit; sent: string[] } {
  const sent: string[] = [];
  const client = new Octokit({ baseUrl: origin, auth: 'ghp_test_tapedeck', log: silent });
  client.hook.before('request', (options) => {
    sent.push(`${options.method} ${options.url}`);
  });
  return { client, sent };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Octokit against tapedeck mock on GitHub’s description: errors in GitHub’s shape', () => {
  it('throws RequestError 404 with the spec-shaped message for a path GitHub does not have', async () => {
    const { client, sent } = octokit();
    const before = (await journal()).length;
    const error = await rejection(client.request('GET /no/such/{thing}', { thing: 'here' }));
    expect(error).toBeInstanceOf(RequestError);
    const failed = error as RequestError;
    expect(failed.status).toBe(404);
    const data = failed.response?.data as Record<string, unknown>;
    expect(failed.response?.headers['content-type']).toBe('application/json');
    expect(data['message']).toMatch(/matches no path of the spec/);
    expect(data['status']).toBe('404');
    expect(data['documentation_url']).toBe('https://tapedeck.dev/errors/no-such-path');
    // Octokit builds its message from GitHub's fields: not "Unknown error".
    expect(failed.message).toContain('matches no path of the spec');
    expect(failed.message).toContain('https://tapedeck.dev/errors/no-such-path');
    expect(failed.message).not.toContain('here');
    const entries = (await journal()).slice(before);
    expect(entries.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 404']);
    expect(sent).toHaveLength(entries.length);
  });

  it('throws RequestError with the status the operation documents and the field for a validation error', async () => {
    const { client, sent } = octokit();
    const before = (await journal()).length;
    const error = await rejection(
      client.rest.issues.create({
        owner: 'octo',
        repo: 'hello',
        title: 'Found a bug',
        labels: 'bug' as unknown as string[],
      }),
    );
    expect(error).toBeInstanceOf(RequestError);
    const failed = error as RequestError;
    // issues/create documents 400 (bad_request: basic-error).
    expect(failed.status).toBe(400);
    const data = failed.response?.data as Record<string, unknown>;
    expect(data['message']).toMatch(/problem\(s\) with the request to issues\/create/);
    expect(data['message']).toContain('/labels');
    expect(data['status']).toBe('400');
    expect(failed.message).toContain('/labels');
    expect(failed.message).not.toContain('bug');
    const entries = (await journal()).slice(before);
    expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /repos/{owner}/{repo}/issues 400',
    ]);
    expect(sent).toHaveLength(entries.length);
    expect(failed.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/repos\/octo\/hello\/issues$/);
  });

  it('lists each problem in validation-error’s `errors` where an operation documents only 422', async () => {
    const { client, sent } = octokit();
    const before = (await journal()).length;
    // gists/create documents 422 (validation_failed) and no 400; its body needs `files`.
    const error = await rejection(
      client.rest.gists.create({ description: 42 as unknown as string } as never),
    );
    expect(error).toBeInstanceOf(RequestError);
    const failed = error as RequestError;
    expect(failed.status).toBe(422);
    const data = failed.response?.data as {
      message: string;
      documentation_url: string;
      errors: { code: string; field?: string; message?: string }[];
    };
    expect(data.documentation_url).toBe('https://tapedeck.dev/errors/invalid-request');
    expect(data.errors).toEqual(
      expect.arrayContaining([
        { code: 'invalid-request', field: 'files', message: 'files is required' },
        { code: 'invalid-request', field: 'description', message: 'description must be string' },
      ]),
    );
    // Octokit lists GitHub's `errors` in its message.
    expect(failed.message).toContain('"field":"files"');
    expect((await journal()).slice(before)).toHaveLength(sent.length);
  });
});
