/**
 * Loading an API profile: a preset name, or a file validated by the profile schema (errors name
 * file + JSON pointer), its live patterns ReDoS-checked, its `extends` chain resolved.
 */
import { TapedeckError } from '../../errors.js';
import type { ApiProfile } from './types.js';

/** `standard` | `stripe` | `github`, or a file path read through `read` (injected: core is pure). */
export function resolveProfile(nameOrFile: string, read: (file: string) => string): ApiProfile {
  void nameOrFile;
  void read;
  throw new TapedeckError('TD_INTERNAL', 'not yet');
}
