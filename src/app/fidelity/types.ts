/**
 * The shapes of `tapedeck sandbox check` (issue 17; docs/fidelity.md): what the run is asked,
 * what it reports while running and what it returns. The run composes the sandbox exactly as
 * `tapedeck sandbox` does (same spec, profile, cassettes, scenarios, templates), but over memory
 * state, never the state directory, and with the flow's own cassette left out of what answers.
 */
import type { FidelityReport } from '../../core/fidelity/model.js';

export interface FidelityOptions {
  /** Only these flows (cassette names, `--cassette NAME`, repeatable); all when absent. */
  readonly only?: readonly string[];
  /**
   * JSON paths pinned as noise, everywhere and per cassette: drift's `drift.ignore` and
   * `drift.ignorePerCassette` (the same API, the same noise).
   */
  readonly ignore: readonly string[];
  readonly ignorePerCassette: readonly {
    readonly cassette: string;
    readonly paths: readonly string[];
  }[];
  /** Response headers compared besides drift's built-in list (`drift.headers`). */
  readonly headers: readonly string[];
  /** After each step: for the terminal's progress line. */
  readonly onProgress?: (progress: FidelityProgress) => void;
}

export interface FidelityProgress {
  readonly done: number;
  readonly total: number;
  readonly flow: string;
}

export interface FidelityRun {
  readonly report: FidelityReport;
}
