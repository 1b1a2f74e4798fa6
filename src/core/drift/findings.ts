/**
 * Pieces every finding is built from: values clipped for reports, and the rule that a
 * difference a noise reason covers is reported as noise, with its reason, instead of its
 * default severity.
 */
import type { JsonValue } from '../json.js';
import { clip } from '../render/text.js';
import type { ChangeKind, Finding, Severity } from './model.js';

/** Values in findings are clipped to this many characters. */
export const MAX_VALUE_CHARS = 80;

export function short(value: string): string {
  return clip(value, MAX_VALUE_CHARS);
}

/** A short rendering of a JSON value: its JSON text, clipped. */
export function renderValue(value: JsonValue): string {
  return short(JSON.stringify(value));
}

/**
 * A finding of `kind` with its default `severity`, or noise with its reason when one covers it.
 * Members in the order the JSON report shows them: kind, severity, the values, noiseReason.
 */
export function withNoise<V extends Pick<Finding, 'recorded' | 'live'>>(
  kind: ChangeKind,
  severity: Severity,
  noise: Finding['noiseReason'],
  values: V,
): Omit<Finding, 'place' | 'path' | 'stablePath'> {
  return {
    kind,
    severity: noise ? 'noise' : severity,
    ...values,
    ...(noise ? { noiseReason: noise } : {}),
  };
}
