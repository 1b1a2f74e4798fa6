/** Numbers and integers within a flattened node's bounds, multiples, format and `not`s. */
import { checkFormat, isMultipleOf } from '../openapi/conforms.js';
import type { Ctx, GeneratorHost } from './context.js';
import { fakeUnixSeconds } from './fake.js';
import type { Flat } from './flat.js';
import { fakeForName } from './names.js';

const INT32: readonly [number, number] = [-2147483648, 2147483647];
const SAFE: readonly [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

export function generateNumber(g: GeneratorHost, flat: Flat, integer: boolean, ctx: Ctx): number {
  const format = flat.format;
  integer ||= format === 'int32' || format === 'int64';
  let lo = flat.minimum ?? -Infinity;
  let hi = flat.maximum ?? Infinity;
  const xlo = flat.exclusiveMinimum;
  const xhi = flat.exclusiveMaximum;
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
    if (xlo !== undefined) lo = Math.max(lo, Math.floor(xlo) + 1);
    if (xhi !== undefined) hi = Math.min(hi, Math.ceil(xhi) - 1);
    const range = format === 'int32' ? INT32 : SAFE;
    lo = Math.max(lo, range[0]);
    hi = Math.min(hi, range[1]);
  }
  if (!integer) {
    if (xlo !== undefined) lo = Math.max(lo, xlo);
    if (xhi !== undefined) hi = Math.min(hi, xhi);
  }
  const ok = (v: number): boolean =>
    Number.isFinite(v) &&
    (!integer || Number.isInteger(v)) &&
    v >= lo &&
    v <= hi &&
    (xlo === undefined || v > xlo) &&
    (xhi === undefined || v < xhi) &&
    flat.multipleOf.every((m) => isMultipleOf(v, m)) &&
    (format === undefined || checkFormat(format, v)) &&
    g.passesNots(v, flat);
  if (ctx.name !== undefined || format === 'unix-time') {
    const named =
      format === 'unix-time'
        ? fakeUnixSeconds(ctx.rng)
        : fakeForName(ctx.name ?? '', integer ? 'integer' : 'number', ctx.rng);
    if (typeof named === 'number' && ok(named)) return named;
  }
  // A default window when a side is open: small positive numbers read best.
  // Decided on the bounds the schema gives, not on the int32/safe-integer clamp above (which
  // would otherwise put an unbounded count near -2^53).
  const openLo = flat.minimum === undefined && xlo === undefined;
  const openHi = flat.maximum === undefined && xhi === undefined;
  let wlo = lo;
  let whi = hi;
  if (openLo && openHi) [wlo, whi] = [1, 1000];
  else if (openLo) wlo = whi >= 1 ? Math.max(0, whi - 1000) : whi - 1000;
  else if (openHi) whi = wlo + 1000;
  wlo = Math.max(wlo, lo);
  whi = Math.min(whi, hi);
  if (wlo > whi) {
    g.issue(ctx, `no number lies between ${lo} and ${hi}`);
    return lo === -Infinity ? hi : lo;
  }
  const rng = ctx.rng;
  if (flat.multipleOf.length > 0) {
    const m = flat.multipleOf[0]!;
    const kLo = Math.ceil(wlo / m);
    const kHi = Math.floor(whi / m);
    for (let attempt = 0; attempt < 24 && kLo <= kHi; attempt++) {
      const k = attempt < 16 ? rng.int(kLo, kHi) : kLo + (attempt - 16);
      for (const v of [k * m, Number((k * m).toPrecision(12))]) if (ok(v)) return v;
    }
    // Wider window: any multiple within the real bounds.
    const kLo2 = Math.ceil(lo / m);
    for (let k = Number.isFinite(kLo2) ? kLo2 : 0, n = 0; n < 50; k++, n++) {
      for (const v of [k * m, Number((k * m).toPrecision(12))]) if (ok(v)) return v;
    }
    g.issue(ctx, `no multiple of ${flat.multipleOf.join(' and ')} found between ${lo} and ${hi}`);
    return Number.isFinite(lo) ? lo : 0;
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    let v: number;
    if (integer) v = rng.int(Math.ceil(wlo), Math.floor(whi));
    else {
      v = wlo + rng.next() * (whi - wlo);
      const rounded = Math.round(v * 100) / 100;
      v = rounded >= wlo && rounded <= whi ? rounded : v;
    }
    if (ok(v)) return v;
  }
  const middle = integer ? Math.floor((wlo + whi) / 2) : (wlo + whi) / 2;
  if (ok(middle)) return middle;
  if (integer) {
    // A `not` or a format can rule out most of a range: walk it from the bottom.
    for (let v = Math.ceil(wlo), n = 0; v <= whi && n < 64; v++, n++) if (ok(v)) return v;
  }
  g.issue(ctx, `no ${integer ? 'integer' : 'number'} lies within the bounds`);
  return middle;
}
