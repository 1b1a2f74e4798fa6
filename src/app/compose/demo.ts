import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoFlow, startDemoApi } from '../../adapters/demo/demo-api.js';
import type { Logger } from '../../core/ports/index.js';
import type { Style } from '../../core/render/text.js';
import type { TapedeckConfig } from '../config/config.js';
import { runDemo as runDemoWith, type DemoIo, type DemoOptions } from '../demo/demo.js';
import { composeServer } from './compose.js';

/**
 * `tapedeck demo` composed: the built-in demo API and its client flow (adapters/demo), a temp
 * folder for a run with no cassettes folder given, and record/replay servers composed exactly as
 * `tapedeck record` and `tapedeck replay` compose them.
 */
export function runDemo(
  base: TapedeckConfig,
  io: DemoIo,
  logger: Logger,
  style: Style,
  options: DemoOptions,
): Promise<boolean> {
  return runDemoWith(
    {
      startApi: () => startDemoApi(),
      runFlow: runDemoFlow,
      scratchDir: () => mkdtempSync(join(tmpdir(), 'tapedeck-demo-')),
      startServer: (kind, config, env) => composeServer(kind, config, logger, env),
    },
    base,
    io,
    style,
    options,
  );
}
