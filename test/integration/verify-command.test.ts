/**
 * The verify use case: every problem in one report, and TD_VERIFY_FAILED (exit 1) as its
 * outcome when there is any; no failure for clean cassettes.
 */
import { describe, expect, it } from 'vitest';
import { MemoryCassetteStore } from '../../src/adapters/cassettes/memory-cassette-store.js';
import { runVerifyCommand } from '../../src/app/verify/command.js';
import { exitCodeFor } from '../../src/cli/common.js';
import { serializeCassette } from '../../src/core/cassette/codec.js';

const rules = { rules: [], files: [], disabled: new Set<string>() };

function clean(): string {
  return serializeCassette({
    version: 1,
    interactions: [
      {
        request: { method: 'GET', path: '/ok', query: {}, headers: {} },
        response: { status: 200, headers: {} },
        latencyMs: 1,
        recordedAt: '2026-01-01T00:00:00.000Z',
      },
    ],
  });
}

describe('runVerifyCommand', () => {
  it('has no failure when every cassette is valid and clean', async () => {
    const store = new MemoryCassetteStore();
    store.putRaw('ok', clean());
    const outcome = await runVerifyCommand({
      store,
      directory: 'cassettes',
      rules,
      cwd: process.cwd(),
    });
    expect(outcome.report.problems).toEqual([]);
    expect(outcome.failure).toBeUndefined();
  });

  it('fails with TD_VERIFY_FAILED (exit 1), counting problems and files', async () => {
    const store = new MemoryCassetteStore();
    store.putRaw('ok', clean());
    store.putRaw('broken', '{"version": 1, "interactions": [{}]}');
    const outcome = await runVerifyCommand({
      store,
      directory: 'cassettes',
      rules,
      cwd: process.cwd(),
    });
    expect(outcome.report.cassettes).toBe(2);
    expect(outcome.report.problems.length).toBeGreaterThan(0);
    expect(outcome.failure?.code).toBe('TD_VERIFY_FAILED');
    expect(exitCodeFor(outcome.failure)).toBe(1);
    expect(outcome.failure?.message).toBe(
      `${outcome.report.problems.length} problem(s) in 1 file(s) of cassettes.`,
    );
  });
});
