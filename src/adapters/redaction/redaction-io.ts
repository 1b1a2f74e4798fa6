import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import type * as Recheck from 'recheck';
import { dirname, join } from 'node:path';
import { shownPath } from '../system/paths.js';
import { TapedeckError } from '../../core/errors.js';
import { parseJsonc } from '../../core/jsonc.js';
import { decodeUtf8 } from '../../core/utf8.js';
import type { KeyedHash } from '../../core/redaction/pseudonym.js';
import {
  checkUniqueIds,
  compileRuleFile,
  type CompiledRule,
  type RegexSafetyCheck,
} from '../../core/redaction/rules.js';

/** HMAC-SHA256 under the redaction key: the only way pseudonyms are made. */
export function hmacHash(key: string): KeyedHash {
  return (input) => createHmac('sha256', key).update(input).digest();
}

export const MIN_KEY_LENGTH = 16;

export interface KeySource {
  readonly key: string;
  /** Where the key came from, for the log: the variable's name, or the key file. */
  readonly from: string;
  /** True when the key was just generated for this machine. */
  readonly generated: boolean;
  /** Why a key file that exists was not used (replay falls back to a key of its own). */
  readonly warning?: string;
}

/**
 * The pseudonymization key: from the environment variable when it is set, otherwise from a key
 * file in the state directory (git-ignored), generated on first use. Never from a file in git.
 */
export function loadRedactionKey(
  env: Readonly<Record<string, string | undefined>>,
  keyEnv: string,
  stateDir: string,
  persistent = true,
): KeySource {
  const fromEnv = env[keyEnv];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_KEY_LENGTH) {
      throw new TapedeckError(
        'TD_REDACTION_KEY_INVALID',
        `${keyEnv} is ${fromEnv.length} characters long; a pseudonymization key needs at least ${MIN_KEY_LENGTH}.`,
        {
          hint: 'Generate one with `openssl rand -hex 32` and keep it in your secret store.',
        },
      );
    }
    return { key: fromEnv, from: keyEnv, generated: false };
  }
  const file = join(stateDir, 'redaction.key');
  const throwaway = (warning?: string): KeySource => ({
    key: randomBytes(32).toString('hex'),
    from: 'a key for this process only',
    generated: false,
    ...(warning === undefined ? {} : { warning }),
  });
  if (!persistent) {
    // Nothing this process writes is keyed (replay compares pseudonyms as one placeholder), so
    // a throwaway key serves, and nothing is left on disk. A key file that record left is
    // read, though: replay recognizes values learned while recording only under that key. A
    // file that cannot serve costs only that recognition, never the start: replay goes on.
    if (!existsSync(file)) return throwaway();
    let key: string;
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (error) {
      return throwaway(
        `The key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): values learned while recording will not be recognized.`,
      );
    }
    if (key.length < MIN_KEY_LENGTH) {
      return throwaway(
        `The key file ${file} holds fewer than ${MIN_KEY_LENGTH} characters: values learned while recording will not be recognized.`,
      );
    }
    return { key, from: file, generated: false };
  }
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length < MIN_KEY_LENGTH) {
      throw new TapedeckError(
        'TD_REDACTION_KEY_INVALID',
        `The key file ${file} holds fewer than ${MIN_KEY_LENGTH} characters.`,
        {
          hint: `Delete it to have a new key generated, or set ${keyEnv}.`,
        },
      );
    }
    return { key, from: file, generated: false };
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, from: file, generated: true };
}

/** Catastrophic-backtracking analysis by recheck, loaded only when a rule has a regex. */
export const recheckSafety: RegexSafetyCheck = (source, flags) => {
  const require = createRequire(import.meta.url);
  const { checkSync } = require('recheck') as typeof Recheck;
  const result = checkSync(source, flags.replace(/[gy]/g, ''), { timeout: 5_000 });
  if (result.status === 'safe') return { safe: true };
  if (result.status === 'vulnerable')
    return {
      safe: false,
      why: `${result.complexity.type} backtracking on input like ${JSON.stringify(result.attack.pattern).slice(0, 60)}`,
    };
  return { safe: false, why: 'it could not be shown safe in time' };
};

/**
 * Every `*.json` rule file in a directory (JSON with comments), validated and compiled. A
 * directory that does not exist holds no rules; anything that does not load stops the caller.
 */
export function loadRuleFiles(
  directory: string,
  check: RegexSafetyCheck = recheckSafety,
): { rules: CompiledRule[]; files: string[] } {
  if (!existsSync(directory)) return { rules: [], files: [] };
  const files = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !f.split(/[\\/]/).some((s) => s.startsWith('.')))
    .sort();
  const rules: CompiledRule[] = [];
  for (const name of files) {
    const file = join(directory, name);
    const shown = shownPath(file);
    const parsed = parseJsonc(readRuleText(file, shown));
    if (!parsed.ok) {
      throw new TapedeckError(
        'TD_RULES_INVALID',
        `Redaction rule file ${shown} is not valid JSON${parsed.where}: ${parsed.message}.`,
        {
          cause: parsed.cause,
          details: { file: shown },
          hint: 'Fix the file; tapedeck will not record until every rule file loads.',
        },
      );
    }
    const doc = parsed.value;
    rules.push(...compileRuleFile(doc, shown, check));
  }
  checkUniqueIds(rules);
  return { rules, files: files.map((f) => join(directory, f)) };
}

/**
 * A rule file's text, read as strictly as a cassette: a FIFO, device or directory named
 * `*.json` is refused before it is opened (reading a FIFO would wait forever), and invalid UTF-8
 * is refused with its byte offset instead of becoming U+FFFD in a pattern.
 */
function readRuleText(file: string, shown: string): string {
  const refuse = (what: string, hint: string, details: Record<string, unknown> = {}) =>
    new TapedeckError('TD_RULES_INVALID', `Redaction rule file ${shown} ${what}.`, {
      details: { file: shown, ...details },
      hint,
    });
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw refuse(
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'Remove the entry, or point it at a rule file.',
    );
  }
  if (!stats.isFile())
    throw refuse(
      'is not a regular file',
      'Rename or remove it: names ending in .json in the rules folder are rule files.',
    );
  const decoded = decodeUtf8(readFileSync(file));
  if (!decoded.ok)
    throw refuse(
      `is not valid UTF-8: the byte at offset ${decoded.offset} cannot start or continue a character`,
      'Save the file as UTF-8 (or restore it from git).',
      { byteOffset: decoded.offset },
    );
  return decoded.text;
}
