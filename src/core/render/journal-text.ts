import type { JournalEntry } from '../ports/journal.js';
import { padEnd, PLAIN, type Style } from './text.js';

const NO_NAMES: ReadonlyMap<string, string> = new Map();

/**
 * One journal entry as one line of `tapedeck journal`: when (the tenant's clock when it has
 * one), status, method and path, the layer that answered, how long it took, then what else is
 * known, each as `name=value`. Colour comes from `style` (PLAIN off a TTY), so the words are
 * the same either way and a script can grep them.
 *
 *   2025-05-01T12:00:00.000Z  402  POST   /v1/payment_intents  scenario  3ms  createPaymentIntent
 *     req=req_abc scenario=card-declined outcome=error
 */
export function renderJournalLine(
  entry: JournalEntry,
  style: Style = PLAIN,
  /** Tenant names by id: a tenant is shown by its name when known, else by its id. */
  names: ReadonlyMap<string, string> = NO_NAMES,
): string {
  const when = new Date(entry.tenantAt ?? entry.at).toISOString();
  const head = [
    style.dim(when),
    statusText(entry.status, style),
    padEnd(entry.method, 6),
    entry.path,
    style.bold(entry.layer),
    durationText(entry.durationMs),
    ...(entry.operation === undefined ? [] : [entry.operation]),
  ].join('  ');
  const facts = factsOf(entry, style, names);
  return facts.length === 0 ? head : `${head}  ${facts.join(' ')}`;
}

/** Every entry, one line each, in the order given. */
export function renderJournalText(
  entries: readonly JournalEntry[],
  style: Style = PLAIN,
  names: ReadonlyMap<string, string> = NO_NAMES,
): string {
  return entries.map((e) => `${renderJournalLine(e, style, names)}\n`).join('');
}

/** Below 10 ms one decimal (a sandbox answer takes about one), whole milliseconds above. */
function durationText(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`;
}

function statusText(status: number, style: Style): string {
  const text = String(status);
  if (status >= 500) return style.red(text);
  if (status >= 400) return style.yellow(text);
  return style.green(text);
}

/** The `name=value` facts after the head, in a fixed order; absent facts are left out. */
function factsOf(e: JournalEntry, style: Style, names: ReadonlyMap<string, string>): string[] {
  const facts: string[] = [];
  if (e.requestId !== undefined) facts.push(style.dim(`req=${e.requestId}`));
  if (e.tenant !== undefined) facts.push(`tenant=${names.get(e.tenant) ?? e.tenant}`);
  if (e.session !== '') facts.push(`session=${e.session}`);
  if (e.cassette !== undefined)
    facts.push(`cassette=${e.cassette}${e.position === undefined ? '' : `#${e.position}`}`);
  if (e.scenario !== undefined) facts.push(style.yellow(`scenario=${e.scenario}`));
  if (e.outcome !== undefined) facts.push(`outcome=${e.outcome}`);
  if (e.idempotency !== undefined) facts.push(`idempotency=${e.idempotency}`);
  if (e.retryAfter !== undefined) facts.push(`retry-after=${e.retryAfter}s`);
  if (e.page !== undefined)
    facts.push(`page=${e.page.more ? 'more' : 'last'}${e.page.cursor ? ',cursor' : ''}`);
  if (e.conforms === true) facts.push('conforms=yes');
  if (e.conforms === false) {
    const violations = e.violations ?? [];
    facts.push(style.red(`conforms=no(${violations.length})`));
    // The first violation only: the line stays a line; --json has them all.
    if (violations[0] !== undefined) facts.push(style.red(`"${violations[0]}"`));
  }
  if (e.events !== undefined && e.events.length > 0) facts.push(`events=${e.events.join(',')}`);
  if (e.traceId !== undefined) facts.push(style.dim(`trace=${e.traceId}`));
  return facts;
}
