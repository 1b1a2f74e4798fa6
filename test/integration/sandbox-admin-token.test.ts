/**
 * Secrets a tenant sends where no detector looks for them never reach the state files, the
 * journal, the log or an answer: tapedeck's own admin token (the redactor knows sandbox and
 * live key shapes, not it) in a body, a path or an admin path, and any secret in the
 * `x-tapedeck-session` header, which names sequence positions and is journaled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, stripeSpecFile, type RunningSandbox } from '../helpers/sandbox.js';

const LIVE = `sk_live_${'51HqLyjWDarjtT1zdp7dcAbCdEfGh'}`;

describe('secrets no detector knows', () => {
  let sandbox: RunningSandbox;
  let key: string;
  const answers: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ spec: stripeSpecFile(), profile: 'stripe' });
    key = await sandbox.createTenant('acme');
  }, 60_000);
  afterAll(() => sandbox?.stop());

  const send = async (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    answers.push(text, JSON.stringify([...response.headers]));
    return { status: response.status, text };
  };

  /** Every byte the sandbox wrote or said: state files, journal, log lines, answers. */
  async function everything(): Promise<string> {
    const journal = await fetch(`${sandbox.url}/__tapedeck/journal?limit=10000`, {
      headers: { authorization: `Bearer ${sandbox.adminToken}` },
    });
    const parts = [await journal.text(), JSON.stringify(sandbox.logger.lines), ...answers];
    for (const file of readdirSync(sandbox.stateDir)) {
      parts.push(readFileSync(join(sandbox.stateDir, file)).toString('latin1'));
    }
    return parts.join('\n');
  }

  it('the admin token in a body is stored and answered as a placeholder', async () => {
    const token = sandbox.adminToken;
    const body = `description=${token}&metadata[${token}]=v&metadata[plan]=${token}`;
    const created = await send('POST', '/v1/customers', {}, body);
    expect(created.status).toBe(200);
    const customer = JSON.parse(created.text) as {
      id: string;
      description: string;
      metadata: Record<string, string>;
    };
    expect(customer.description).toBe('[admin token]');
    expect(customer.metadata).toEqual({ '[admin token]': 'v', plan: '[admin token]' });
    const read = await send('GET', `/v1/customers/${customer.id}`);
    expect(JSON.parse(read.text)).toMatchObject({ description: '[admin token]' });
    // A key equal to the token, reused with other parameters: the refusal does not name it.
    const first = await send('POST', '/v1/customers', { 'idempotency-key': token }, 'name=a');
    expect(first.status).toBe(200);
    const reused = await send('POST', '/v1/customers', { 'idempotency-key': token }, 'name=b');
    expect(reused.status).toBe(400);
    expect(await everything()).not.toContain(token);
  });

  it('an admin path holding the token is neither echoed nor journaled', async () => {
    const token = sandbox.adminToken;
    for (const auth of [`Bearer ${token}`, 'Bearer nope']) {
      const answer = await send('GET', `/__tapedeck/${token}`, { authorization: auth });
      expect([401, 404]).toContain(answer.status);
    }
    expect(await everything()).not.toContain(token);
  });

  it('a secret as the session name is journaled and reported as a digest of itself', async () => {
    for (const session of [LIVE, sandbox.adminToken, `${key}x`]) {
      // A route the model leaves out and no recording has: the miss report names the session.
      const miss = await send('GET', '/v1/nothing/here', { 'x-tapedeck-session': session });
      expect(miss.status).toBe(599);
      expect(miss.text).toMatch(/session-[0-9a-f]{16}/);
    }
    // Plain names are shown as sent.
    await send('GET', '/v1/nothing/here', { 'x-tapedeck-session': 'ci-42' });
    const all = await everything();
    expect(all).toContain('ci-42');
    for (const secret of [LIVE, sandbox.adminToken, key]) expect(all).not.toContain(secret);
  });
});
