/**
 * A promise the test resolves by hand: a fake upstream awaits `opened` where a real one would
 * be slow, and the test calls `open()` once it has done what must happen meanwhile, so the
 * order of events is fixed instead of left to a sleep's length.
 */
export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
