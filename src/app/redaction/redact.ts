import { serializeCassette } from '../../core/cassette/codec.js';
import type { Cassette } from '../../core/cassette/model.js';
import type { CassetteStore } from '../../core/ports/index.js';
import { SecretRegistry } from '../../core/redaction/registry.js';
import type { RedactionSetup } from './setup.js';
import { loadCassettesOrFail } from '../replay/server.js';
import { asInteraction, scanCassettes, type VerifyProblem } from '../verify/verify.js';

export interface RedactReport {
  readonly cassettes: number;
  readonly interactions: number;
  /** Cassettes whose content changed (and were rewritten, unless a dry run). */
  readonly changed: readonly { readonly cassette: string; readonly values: number }[];
  /** What still looks secret after redaction: needs a rule, or re-recording. */
  readonly remaining: readonly VerifyProblem[];
}

/**
 * `tapedeck redact`: re-applies the current rules and detectors to existing cassettes (after a
 * rule was added), rewriting each changed cassette atomically. Idempotent: pseudonyms are never
 * pseudonymized again, so a second run changes nothing.
 */
export async function redactCassettes(
  store: CassetteStore,
  directory: string,
  redaction: RedactionSetup,
  dryRun: boolean,
  /** The working directory files are shown relative to. */
  cwd: string,
): Promise<RedactReport> {
  const cassettes = await loadCassettesOrFail(store);
  const changed: { cassette: string; values: number }[] = [];
  const after: { name: string; cassette: Cassette }[] = [];
  for (const { name, cassette } of cassettes) {
    const registry = new SecretRegistry();
    let values = 0;
    const interactions = cassette.interactions.map((interaction) => {
      const { value, findings } = redaction.redactor.redactInteraction(interaction, registry);
      values += findings.length;
      return value;
    });
    // Webhook samples are redacted as the POST `record --webhooks` redacted them as.
    const webhooks = cassette.webhooks?.map((sample) => {
      const { value, findings } = redaction.redactor.redactRequest(
        asInteraction(sample).request,
        registry,
      );
      values += findings.length;
      return { ...sample, headers: value.headers, body: value.body ?? sample.body };
    });
    const next: Cassette = {
      ...cassette,
      interactions,
      ...(webhooks === undefined ? {} : { webhooks }),
    };
    after.push({ name, cassette: next });
    if (serializeCassette(next) === serializeCassette(cassette)) continue;
    changed.push({ cassette: name, values });
    if (!dryRun) await store.update(name, () => next);
  }
  return {
    cassettes: cassettes.length,
    interactions: cassettes.reduce((n, c) => n + c.cassette.interactions.length, 0),
    changed,
    remaining: scanCassettes(after, directory, redaction, cwd),
  };
}
