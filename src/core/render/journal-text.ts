import type { JournalEntry } from '../ports/journal.js';
import { padEnd, PLAIN, type Style } from './text.js';

const NO_NAMES: ReadonlyMap<string, string> = new Map();

/** C0 controls, DEL and C1 controls (U+009B is an 8-bit CSI to some terminals), and line breaks. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text from a journal entry as a terminal may show it: every control character as a visible
 * `\u{…}` escape. An entry's path, session or operation is text the journal was given (a state
 * directory may come from anywhere); an ESC in it must not recolour, move or retitle the
 * terminal, and a newline must not forge a second entry.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/**
 * An entry as one NDJSON line a terminal may show: JSON.stringify escapes C0 controls but leaves
 * DEL, the C1 controls and U+2028/9 raw; they are written as `\uXXXX` (the same JSON value).
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

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
    padEnd(printable(entry.method), 6),
    printable(entry.path),
    style.bold(printable(entry.layer)),
    durationText(entry.durationMs),
    ...(entry.operation === undefined ? [] : [printable(entry.operation)]),
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
  if (e.requestId !== undefined) facts.push(style.dim(`req=${printable(e.requestId)}`));
  if (e.tenant !== undefined) facts.push(`tenant=${printable(names.get(e.tenant) ?? e.tenant)}`);
  if (e.session !== '') facts.push(`session=${printable(e.session)}`);
  if (e.cassette !== undefined)
    facts.push(
      `cassette=${printable(e.cassette)}${e.position === undefined ? '' : `#${e.position}`}`,
    );
  if (e.scenario !== undefined) facts.push(style.yellow(`scenario=${printable(e.scenario)}`));
  if (e.outcome !== undefined) facts.push(`outcome=${printable(e.outcome)}`);
  if (e.idempotency !== undefined) facts.push(`idempotency=${printable(e.idempotency)}`);
  if (e.retryAfter !== undefined) facts.push(`retry-after=${printable(String(e.retryAfter))}s`);
  if (e.page !== undefined)
    facts.push(`page=${e.page.more ? 'more' : 'last'}${e.page.cursor ? ',cursor' : ''}`);
  if (e.conforms === true) facts.push('conforms=yes');
  if (e.conforms === false) {
    const violations = e.violations ?? [];
    facts.push(style.red(`conforms=no(${violations.length})`));
    // The first violation only: the line stays a line; --json has them all.
    if (violations[0] !== undefined) facts.push(style.red(`"${printable(violations[0])}"`));
  }
  if (e.events !== undefined && e.events.length > 0)
    facts.push(`events=${printable(e.events.join(','))}`);
  if (e.traceId !== undefined) facts.push(style.dim(`trace=${printable(e.traceId)}`));
  return facts;
}
