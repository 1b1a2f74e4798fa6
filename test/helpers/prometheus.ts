/**
 * The Prometheus text parser the metrics tests read tapedeck's exposition with
 * (npm `parse-prometheus-text-format`, a port of the Python client's parser; it ships no types).
 *
 * Its histogram output keeps one series only, without labels (it merges every `_bucket` line
 * into one map and drops labelled `_sum`/`_count`), so `samples` also parses the text with the
 * histograms' TYPE lines left out: each `_bucket`, `_sum` and `_count` line is then a sample of
 * its own, read with its labels and value by the same parser.
 */
import { createRequire } from 'node:module';

export interface ParsedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: readonly {
    readonly value?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly buckets?: Readonly<Record<string, string>>;
  }[];
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

/** The families as the parser reads them; throws on a line it cannot read. */
export function parseFamilies(text: string): ParsedFamily[] {
  return parse(text);
}

/** Every sample line, with its labels, through the parser (histograms read as plain samples). */
export function samples(text: string): Sample[] {
  const plain = text
    .split('\n')
    .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
    .join('\n');
  const out: Sample[] = [];
  for (const family of parse(plain)) {
    for (const metric of family.metrics) {
      out.push({ name: family.name, labels: metric.labels ?? {}, value: Number(metric.value) });
    }
  }
  return out;
}

/** The samples of one name whose labels include `where`. */
export function find(
  all: readonly Sample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): Sample[] {
  return all.filter(
    (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v),
  );
}
