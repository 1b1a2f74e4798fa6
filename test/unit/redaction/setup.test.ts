import { describe, expect, it } from 'vitest';
import { DEFAULTS, type TapedeckConfig } from '../../../src/app/config/config.js';
import { loadRedaction, loadRules, type RedactionIo } from '../../../src/app/redaction/setup.js';
import { isTapedeckError } from '../../../src/core/errors.js';
import { compileRuleFile } from '../../../src/core/redaction/rules.js';
import { CollectingLogger } from '../../helpers/logger.js';

// The redaction setup takes its I/O as a port (app/compose hands it the disk, recheck and HMAC),
// so what it decides can be shown with none of them.
const config: TapedeckConfig = { ...DEFAULTS, redactionRules: '/rules', stateDir: '/state' };

function fakeIo(key: { generated: boolean }) {
  const calls: unknown[][] = [];
  const io: RedactionIo = {
    loadRuleFiles: (directory) => {
      calls.push(['rules', directory]);
      const rules = compileRuleFile(
        {
          version: 1,
          rules: [{ id: 'session', target: 'header', name: 'x-session', action: 'remove' }],
        },
        'team.json',
        () => ({ safe: true }),
      );
      return { rules, files: [`${directory}/team.json`] };
    },
    loadKey: (env, keyEnv, stateDir, persistent) => {
      calls.push(['key', env[keyEnv], stateDir, persistent]);
      return { key: 'k'.repeat(32), from: '/state/redaction.key', generated: key.generated };
    },
    hash: (k) => {
      calls.push(['hash', k]);
      return (input) => new TextEncoder().encode(`${k.length}:${input}`);
    },
  };
  return { io, calls };
}

describe('the redaction setup, through its I/O port', () => {
  it('loads the rule files of config.redactionRules and the key, and hashes with that key', () => {
    const { io, calls } = fakeIo({ generated: false });
    const logger = new CollectingLogger();
    const setup = loadRedaction(io, config, { TAPEDECK_REDACTION_KEY: 'from-env' }, logger, true);
    expect(setup.files).toEqual(['/rules/team.json']);
    expect(setup.rules.map((r) => r.id)).toEqual(['session']);
    expect(calls).toEqual([
      ['rules', '/rules'],
      ['key', 'from-env', '/state', true],
      ['hash', 'k'.repeat(32)],
    ]);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('asks for a throwaway key when nothing keyed reaches disk', () => {
    const { io, calls } = fakeIo({ generated: false });
    loadRedaction(io, config, {}, new CollectingLogger(), false);
    expect(calls[1]).toEqual(['key', undefined, '/state', false]);
  });

  it('warns, with the key code, when the key was generated for this machine', () => {
    const { io } = fakeIo({ generated: true });
    const logger = new CollectingLogger();
    loadRedaction(io, config, {}, logger, true);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields['code'])).toEqual(['TD_REDACTION_KEY_INVALID']);
    expect(warnings[0]!.message).toContain('/state/redaction.key');
  });

  it('refuses an unknown detector in redaction.disable before reading any rule file', () => {
    const { io, calls } = fakeIo({ generated: false });
    const bad = { ...config, redaction: { ...config.redaction, disable: ['no-such-detector'] } };
    let error: unknown;
    try {
      loadRules(io, bad);
    } catch (e) {
      error = e;
    }
    expect(isTapedeckError(error) && error.code).toBe('TD_CONFIG_INVALID');
    expect(calls).toEqual([]);
  });
});
