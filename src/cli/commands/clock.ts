import type { Command } from 'commander';
import { TapedeckError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

/** `tapedeck clock --tenant NAME freeze|advance 2h|now|show`. */
export function registerClock(_program: Command, _cli: CliContext): void {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
