import { TapedeckError } from '../errors.js';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks a cassette name: slash-separated segments of letters, digits, `.`, `_` and `-`, none
 * starting with a dot (so no `..`, no hidden files), at most 200 characters. Names come from
 * clients (the `x-tapedeck-cassette` header), so this is what keeps writes inside the
 * cassettes directory.
 */
export function checkCassetteName(name: string, source = 'cassette name'): string {
  const trimmed = name.endsWith('.json') ? name.slice(0, -'.json'.length) : name;
  const ok =
    trimmed.length > 0 && trimmed.length <= 200 && trimmed.split('/').every((s) => SEGMENT.test(s));
  if (!ok) {
    throw new TapedeckError(
      'TD_CASSETTE_NAME_INVALID',
      `Invalid ${source} ${JSON.stringify(name.slice(0, 80))}: use letters, digits, ".", "_", "-", and "/" between folders, not starting with a dot.`,
      { details: { name: name.slice(0, 80) }, hint: 'For example: "checkout/happy-path".' },
    );
  }
  return trimmed;
}
