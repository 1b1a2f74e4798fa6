import type { CassetteStore } from '../core/ports.js';
import type { SchemaProblem } from '../core/validation.js';

export interface VerifyProblem {
  readonly cassette: string;
  readonly file: string;
  readonly code: string;
  /** JSON pointer into the file, "" for the file as a whole. */
  readonly pointer: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly directory: string;
  readonly cassettes: number;
  readonly interactions: number;
  readonly problems: readonly VerifyProblem[];
}

/** Validates every cassette in a directory; never stops at the first problem. */
export async function verifyCassettes(
  store: CassetteStore,
  directory: string,
): Promise<VerifyReport> {
  const { cassettes, problems } = await store.loadAll();
  const list: VerifyProblem[] = [];
  for (const { name, error } of problems) {
    const file = (error.details['file'] as string | undefined) ?? `${name}.json`;
    const schemaProblems = error.details['problems'] as SchemaProblem[] | undefined;
    if (schemaProblems && schemaProblems.length > 0) {
      for (const p of schemaProblems)
        list.push({
          cassette: name,
          file,
          code: error.code,
          pointer: p.pointer,
          message: p.message,
        });
    } else {
      list.push({ cassette: name, file, code: error.code, pointer: '', message: error.message });
    }
  }
  return {
    directory,
    cassettes: cassettes.length + problems.length,
    interactions: cassettes.reduce((n, c) => n + c.cassette.interactions.length, 0),
    problems: list,
  };
}
