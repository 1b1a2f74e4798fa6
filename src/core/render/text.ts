/** Small text helpers shared by renderers. */

/** Colour is a function the caller passes in: identity off a TTY, ANSI on one. */
export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
}

const id = (s: string) => s;
export const PLAIN: Style = { bold: id, dim: id, red: id, green: id, yellow: id };

/** Shortens a value for display, keeping its start; newlines shown as ⏎. */
export function clip(value: string, max = 60): string {
  const flat = value.replace(/\r?\n/g, '⏎');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function padEnd(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}
