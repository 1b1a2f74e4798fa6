import { join } from 'node:path';
import type { Interaction, NamedCassette, WebhookSample } from '../../core/cassette/model.js';
import { shownPath } from '../../core/paths.js';
import type { CassetteStore } from '../../core/ports/index.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import { scanInteraction } from '../../core/redaction/scan.js';
import type { SchemaProblem } from '../../core/validation.js';
import type { RulesSetup } from '../redaction/setup.js';

export interface VerifyProblem {
  readonly cassette: string;
  readonly file: string;
  readonly code: string;
  /** JSON pointer into the file, "" for the file as a whole. */
  readonly pointer: string;
  readonly message: string;
  /** For secrets: the rule or detector that recognised it. The value is never reported. */
  readonly rule?: string;
}

export interface VerifyReport {
  readonly directory: string;
  readonly cassettes: number;
  readonly interactions: number;
  readonly problems: readonly VerifyProblem[];
}

/** How a cassette file is shown: relative to the working directory `cwd` when below it. */
export function cassetteFile(directory: string, name: string, cwd: string): string {
  return shownPath(join(directory, `${name}.json`), cwd);
}

/**
 * The secret scanner over loaded cassettes: every finding with its file, its JSON pointer into
 * the file and the rule that recognised it. The same scan that guards every write in `record`.
 */
export function scanCassettes(
  cassettes: readonly NamedCassette[],
  directory: string,
  redaction: RulesSetup,
  cwd: string,
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (const { name, cassette } of cassettes) {
    const registry = new SecretRegistry();
    cassette.interactions.forEach((interaction, i) => {
      for (const finding of scanInteraction(interaction, {
        rules: redaction.rules,
        disabled: redaction.disabled,
        registry,
      })) {
        problems.push(secretProblem(name, `/interactions/${i}${finding.pointer}`, finding.rule));
      }
    });
    // Webhook samples go through the same scan, as the request the recorder redacted them as.
    cassette.webhooks?.forEach((sample, i) => {
      for (const finding of scanInteraction(asInteraction(sample), {
        rules: redaction.rules,
        disabled: redaction.disabled,
        registry,
      })) {
        const pointer = finding.pointer.startsWith('/request/')
          ? finding.pointer.slice('/request'.length)
          : finding.pointer;
        problems.push(secretProblem(name, `/webhooks/${i}${pointer}`, finding.rule));
      }
    });
  }
  return problems;

  function secretProblem(name: string, pointer: string, rule: string): VerifyProblem {
    return {
      cassette: name,
      file: cassetteFile(directory, name, cwd),
      code: 'TD_SECRET_DETECTED',
      pointer,
      message: `looks secret (${rule}); run \`tapedeck redact\` or re-record it`,
      rule,
    };
  }
}

/** A webhook sample as the POST it arrived as (what `record --webhooks` redacted and scanned). */
export function asInteraction(sample: WebhookSample): Interaction {
  return {
    request: { method: 'POST', path: '/', query: {}, headers: sample.headers, body: sample.body },
    response: { status: 200, headers: {} },
    latencyMs: 0,
    recordedAt: sample.receivedAt,
  };
}

/**
 * Validates every cassette in a directory and scans it for secrets; never stops at the first
 * problem. Files are shown relative to `cwd`.
 */
export async function verifyCassettes(
  store: CassetteStore,
  directory: string,
  redaction: RulesSetup,
  cwd: string,
): Promise<VerifyReport> {
  const { cassettes, problems } = await store.loadAll();
  const list: VerifyProblem[] = [];
  for (const { name, error } of problems) {
    // Named here rather than from the store's error, which shows it relative to the process's
    // directory: the same file either way when `cwd` is the process's (the CLI), else `cwd` wins.
    // A listing problem (a link out of the folder, a directory named x.json) names its entry.
    const entry = error.details['entry'];
    const file =
      typeof entry === 'string'
        ? shownPath(join(directory, entry), cwd)
        : cassetteFile(directory, name, cwd);
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
      // The whole file is refused: the next step goes with the message, as verify lists no hints.
      const message =
        error.hint === undefined || error.message.includes(error.hint)
          ? error.message
          : `${error.message} ${error.hint}`;
      list.push({ cassette: name, file, code: error.code, pointer: '', message });
    }
  }
  list.push(...scanCassettes(cassettes, directory, redaction, cwd));
  return {
    directory,
    cassettes: cassettes.length + problems.length,
    interactions: cassettes.reduce((n, c) => n + c.cassette.interactions.length, 0),
    problems: list,
  };
}
