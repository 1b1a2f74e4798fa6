/**
 * Signing a tenant off for production (issue 16; docs/readiness.md "The command"): the sign-off
 * pins the report's hash, the hashes of its criteria, spec and cassettes, and its verdicts; a
 * later report says whether it still holds (core/readiness/signoff.ts compares). Only a ready
 * report is signed: "can this partner go live" is the question a sign-off answers yes to.
 */
import { TapedeckError } from '../../core/errors.js';
import type { ReadinessStore, Signoff } from '../../core/ports/readiness.js';
import { signoffOf, withSignoff } from '../../core/readiness/signoff.js';
import type { ReadinessReport } from '../../core/readiness/types.js';

/** Who signs: a name a person recognises, at most this long. */
const MAX_BY = 200;
const MAX_NOTE = 2_000;

/** Whether the text holds a control character (a note may hold line breaks and tabs). */
function hasControl(text: string, lines: boolean): boolean {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (lines && (char === '\n' || char === '\t')) continue;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The report with the status of the tenant's newest sign-off, when it has one. */
export async function reportWithSignoff(
  store: Pick<ReadinessStore, 'latest'>,
  report: ReadinessReport,
): Promise<ReadinessReport> {
  return withSignoff(report, await store.latest(report.tenant.id));
}

/**
 * Records a sign-off of `report` (and resolves it). A report that is not ready is refused
 * (TD_USAGE, naming what did not pass): signing it would say the partner may go live when the
 * criteria say it may not.
 */
export async function signReport(
  store: Pick<ReadinessStore, 'sign'>,
  report: ReadinessReport,
  who: { readonly by: string; readonly at: number; readonly note?: string },
): Promise<Signoff> {
  const by = who.by.trim();
  if (by === '' || by.length > MAX_BY || hasControl(by, false))
    throw new TapedeckError(
      'TD_USAGE',
      `Say who signs with --by: a name of 1 to ${MAX_BY} characters, no control characters.`,
      { hint: 'e.g. --by "Ada Lovelace (payments)".' },
    );
  if (who.note !== undefined && (who.note.length > MAX_NOTE || hasControl(who.note, true)))
    throw new TapedeckError('TD_USAGE', `A sign-off note is at most ${MAX_NOTE} characters.`);
  if (report.verdict !== 'ready') {
    const open = report.criteria
      .filter((c) => c.required && c.verdict !== 'pass')
      .map((c) => `${c.id} (${c.verdict})`);
    throw new TapedeckError(
      'TD_USAGE',
      `Tenant ${report.tenant.name} is not ready, so it cannot be signed off: ${open.join(', ')}.`,
      {
        hint: `\`tapedeck readiness --tenant ${report.tenant.name}\` shows each criterion's evidence and next step.`,
      },
    );
  }
  const signoff = signoffOf(report, {
    by,
    at: who.at,
    ...(who.note === undefined ? {} : { note: who.note }),
  });
  await store.sign(signoff);
  return signoff;
}
