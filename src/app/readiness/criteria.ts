/**
 * The readiness criteria of a report: the file `--criteria` or `readiness.criteria` names, or
 * the defaults (core/readiness/defaults.ts). A file is read as scenario files are (JSON with
 * comments, the shipped schema, TD_READINESS_CRITERIA_INVALID naming the file and the JSON
 * pointer); its version is the hash of its bytes, so a sign-off notices any edit. The defaults'
 * version is the hash of their canonical JSON, so it changes only when tapedeck's defaults do.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TapedeckError } from '../../core/errors.js';
import { canonicalJson, type JsonValue } from '../../core/json.js';
import { parseCriteria } from '../../core/readiness/criteria.js';
import { DEFAULT_CRITERIA } from '../../core/readiness/defaults.js';
import type { ReadinessCriteria, VersionedInput } from '../../core/readiness/types.js';

export interface LoadedCriteria {
  readonly criteria: ReadinessCriteria;
  /** `name`: the file as given, or `defaults`. */
  readonly version: VersionedInput;
}

const sha256 = (bytes: Uint8Array | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The name the defaults' version carries in a report and a sign-off. */
export const DEFAULT_CRITERIA_NAME = 'defaults';

export function loadCriteria(
  file: string | undefined,
  read: (file: string) => Uint8Array = readFileSync,
): LoadedCriteria {
  if (file === undefined)
    return {
      criteria: DEFAULT_CRITERIA,
      version: {
        name: DEFAULT_CRITERIA_NAME,
        hash: sha256(canonicalJson(DEFAULT_CRITERIA as unknown as JsonValue)),
      },
    };
  let bytes: Uint8Array;
  try {
    bytes = read(file);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TapedeckError(
      'TD_READINESS_CRITERIA_INVALID',
      missing
        ? `Readiness criteria file ${file} does not exist.`
        : `Readiness criteria file ${file} cannot be read.`,
      {
        cause,
        details: { file, pointer: '' },
        hint: missing
          ? 'Check the path given with --criteria or readiness.criteria, or leave both out to use the default criteria (docs/readiness.md).'
          : 'Check the file’s permissions.',
      },
    );
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return { criteria: parseCriteria(text, file), version: { name: file, hash: sha256(bytes) } };
}
