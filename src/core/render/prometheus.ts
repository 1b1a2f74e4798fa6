/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` once per
 * family, then its samples. Pure: the metrics registry (app/metrics/registry.ts) hands over what
 * it counted and serves the text. The order is stable — families as given, series sorted by
 * their labels — so two scrapes of the same counts are the same text.
 */
import { TapedeckError } from '../errors.js';

/** Label name → value pairs, in the order they are written. */
export type MetricLabels = readonly (readonly [name: string, value: string])[];

export interface CounterFamily {
  readonly type: 'counter';
  /** Ends in `_total` (Prometheus naming: a counter says it is one). */
  readonly name: string;
  readonly help: string;
  readonly series: readonly { readonly labels: MetricLabels; readonly value: number }[];
}

export interface GaugeFamily {
  readonly type: 'gauge';
  readonly name: string;
  readonly help: string;
  readonly series: readonly { readonly labels: MetricLabels; readonly value: number }[];
}

export interface HistogramSeries {
  readonly labels: MetricLabels;
  /**
   * Observations per bucket, not cumulative: `counts[i]` fell in (bounds[i-1], bounds[i]], and
   * the last (one more than `bounds`) above every bound. The text's `_bucket` lines are cumulative.
   */
  readonly counts: readonly number[];
  readonly sum: number;
}

export interface HistogramFamily {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  /** Upper bounds, ascending, without +Inf (the text adds it). */
  readonly bounds: readonly number[];
  readonly series: readonly HistogramSeries[];
}

export type MetricFamily = CounterFamily | GaugeFamily | HistogramFamily;

/** The content type of the text this renders (what a Prometheus server negotiates). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The families as exposition text: one `\n`-terminated line each, the last one too. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    checkFamily(family);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === 'histogram') writeHistogram(family, lines);
    else {
      for (const { labels, value } of sortedSeries(family.series)) {
        lines.push(`${family.name}${labelText(labels)} ${formatNumber(value)}`);
      }
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function writeHistogram(family: HistogramFamily, lines: string[]): void {
  const { name, bounds } = family;
  const les = [...bounds.map(formatNumber), '+Inf'];
  for (const series of sortedSeries(family.series)) {
    if (series.counts.length !== les.length) {
      throw new TapedeckError(
        'TD_INTERNAL',
        `Histogram ${name} has ${series.counts.length} bucket counts for ${les.length} buckets.`,
      );
    }
    let cumulative = 0;
    for (let i = 0; i < les.length; i++) {
      cumulative += series.counts[i]!;
      lines.push(
        `${name}_bucket${labelText([...series.labels, ['le', les[i]!]])} ${formatNumber(cumulative)}`,
      );
    }
    const own = labelText(series.labels);
    lines.push(`${name}_sum${own} ${formatNumber(series.sum)}`);
    lines.push(`${name}_count${own} ${formatNumber(cumulative)}`);
  }
}

/** Series sorted by their label text: the order they were first seen in does not show. */
function sortedSeries<T extends { readonly labels: MetricLabels }>(series: readonly T[]): T[] {
  return series
    .map((s) => ({ s, key: labelText(s.labels) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ s }) => s);
}

/** A wiring bug (a bad name, a counter without `_total`) is refused, never written. */
function checkFamily(family: MetricFamily): void {
  if (!METRIC_NAME.test(family.name)) {
    throw new TapedeckError('TD_INTERNAL', `Metric name ${family.name} is not a Prometheus name.`);
  }
  if (family.type === 'counter' && !family.name.endsWith('_total')) {
    throw new TapedeckError('TD_INTERNAL', `Counter ${family.name} must end in _total.`);
  }
  if (family.type === 'histogram') {
    for (let i = 1; i < family.bounds.length; i++) {
      if (!(family.bounds[i]! > family.bounds[i - 1]!)) {
        throw new TapedeckError('TD_INTERNAL', `Histogram ${family.name}: bounds must ascend.`);
      }
    }
  }
  for (const series of family.series) {
    for (const [label] of series.labels) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
        throw new TapedeckError(
          'TD_INTERNAL',
          `Metric ${family.name}: ${label} is not a label name.`,
        );
      }
    }
  }
}

/** `{a="1",b="2"}`, or nothing for no labels. */
export function labelText(labels: MetricLabels): string {
  if (labels.length === 0) return '';
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const [name, value] = labels[i]!;
    out += `${i === 0 ? '' : ','}${name}="${escapeLabelValue(value)}"`;
  }
  return `${out}}`;
}

/** A label value: backslash, double quote and line feed escaped, nothing else. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

/** A HELP text: backslash and line feed escaped (a quote is plain there). */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value or bound as Go's ParseFloat reads it back: `+Inf`, `-Inf`, `NaN`, or digits. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
