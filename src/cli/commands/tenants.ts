import type { Command } from 'commander';
import { TapedeckError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

/** `tapedeck tenants create|list|show|rotate|revoke|reset|snapshot|restore|delete`. */
export function registerTenants(_program: Command, _cli: CliContext): void {
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
