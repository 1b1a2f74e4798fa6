import { TapedeckError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/index.js';
import { DETECTORS, SECRET_FIELD_RULE } from '../../core/redaction/detectors.js';
import { Redactor } from '../../core/redaction/engine.js';
import type { CompiledRule } from '../../core/redaction/rules.js';
import type { Interaction } from '../../core/cassette/model.js';
import type { KeyedHash } from '../../core/redaction/pseudonym.js';
import type { SecretRegistry } from '../../core/redaction/registry.js';
import { scanInteraction, type ScanFinding } from '../../core/redaction/scan.js';
import type { TapedeckConfig } from '../config/config.js';

/** Built-in detector ids that `redaction.disable` may name. */
export const BUILTIN_IDS: readonly string[] = [...DETECTORS.map((d) => d.id), SECRET_FIELD_RULE];

/**
 * What redaction needs from outside: the rule files on disk, the pseudonymization key (from the
 * environment or the state directory) and the keyed hash. app/compose builds it from
 * adapters/redaction; a test can hand in rules and a key without touching the disk.
 */
export interface RedactionIo {
  /** Every rule file below a directory, validated and compiled; throws on anything wrong. */
  loadRuleFiles(directory: string): { rules: CompiledRule[]; files: string[] };
  /** `persistent`: pseudonyms will reach disk, so the key must outlive the process. */
  loadKey(
    env: Readonly<Record<string, string | undefined>>,
    keyEnv: string,
    stateDir: string,
    persistent: boolean,
  ): {
    readonly key: string;
    readonly from: string;
    readonly generated: boolean;
    readonly warning?: string;
  };
  hash(key: string): KeyedHash;
}

export interface RulesSetup {
  readonly rules: readonly CompiledRule[];
  readonly files: readonly string[];
  readonly disabled: ReadonlySet<string>;
}

/** Loads and checks the rule files and the disabled list; fails closed on anything wrong. */
export function loadRules(io: RedactionIo, config: TapedeckConfig): RulesSetup {
  const unknown = config.redaction.disable.filter((id) => !BUILTIN_IDS.includes(id));
  if (unknown.length > 0) {
    throw new TapedeckError(
      'TD_CONFIG_INVALID',
      `redaction.disable names unknown detector(s): ${unknown.join(', ')}.`,
      {
        hint: `Built-in detectors: ${BUILTIN_IDS.join(', ')}.`,
      },
    );
  }
  const { rules, files } = io.loadRuleFiles(config.redactionRules);
  return { rules, files, disabled: new Set(config.redaction.disable) };
}

export interface RedactionSetup extends RulesSetup {
  readonly redactor: Redactor;
  /**
   * The scanner that guards every write. Always the real one in tapedeck; replaceable only
   * programmatically, so a benchmark can measure recording with redaction switched off.
   */
  readonly scan?: typeof scanInteraction;
}

/**
 * The redactor for record, replay and `tapedeck redact`: rule files, built-in detectors and the
 * pseudonymization key. Runs before anything listens, so a bad rule stops the recorder. `writes`
 * says whether pseudonyms will reach disk (and so need a key that lasts).
 */
export function loadRedaction(
  io: RedactionIo,
  config: TapedeckConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  writes: boolean,
): RedactionSetup {
  const setup = loadRules(io, config);
  const key = io.loadKey(env, config.redaction.keyEnv, config.stateDir, writes);
  if (key.warning !== undefined) {
    logger.log('warn', 'redaction.key', key.warning, { code: 'TD_REDACTION_KEY_INVALID' });
  }
  if (key.generated) {
    logger.log(
      'warn',
      'redaction.key',
      `No ${config.redaction.keyEnv} set: generated a pseudonymization key for this machine in ${key.from}. Pseudonyms will differ on other machines; set ${config.redaction.keyEnv} (16+ characters, from your secret store) where you record.`,
      { code: 'TD_REDACTION_KEY_INVALID' },
    );
  }
  logger.log(
    'debug',
    'redaction.loaded',
    `redaction: ${setup.rules.length} rule(s) from ${setup.files.length} file(s), built-in detectors${setup.disabled.size > 0 ? ` except ${[...setup.disabled].join(', ')}` : ''}, key from ${key.from === config.redaction.keyEnv ? key.from : 'the state directory'}`,
  );
  return {
    ...setup,
    redactor: new Redactor({
      rules: setup.rules,
      hash: io.hash(key.key),
      disabled: setup.disabled,
    }),
  };
}

/**
 * Scans an interaction that has just been redacted with `registry`, with the setup's rules and
 * disabled detectors: what still looks secret. Record runs it before every write, drift before
 * anything reaches a report.
 */
export function scanRedacted(
  redaction: RedactionSetup,
  interaction: Interaction,
  registry: SecretRegistry,
): ScanFinding[] {
  return (redaction.scan ?? scanInteraction)(interaction, {
    rules: redaction.rules,
    disabled: redaction.disabled,
    registry,
  });
}
