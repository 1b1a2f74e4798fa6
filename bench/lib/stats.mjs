// Small statistics helpers: medians and percentiles over plain arrays.

export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return undefined;
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** Nearest-rank percentile of an already sorted numeric array (p in 0..100). */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function minMax(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return undefined;
  return [Math.min(...xs), Math.max(...xs)];
}

/** Ratio a / b per repetition (undefined when either side is missing). */
export function ratios(a, b) {
  return a.map((x, i) =>
    typeof x === 'number' && typeof b[i] === 'number' && b[i] !== 0 ? x / b[i] : undefined,
  );
}
