import type { ApiProfile } from '../types.js';
import { GITHUB } from './github.js';
import { STANDARD } from './standard.js';
import { STRIPE } from './stripe.js';

export type PresetName = 'standard' | 'stripe' | 'github';

/** The shipped profiles, by name (`--profile stripe`). */
export const PRESETS: Readonly<Record<PresetName, ApiProfile>> = deepFreeze({
  standard: STANDARD,
  stripe: STRIPE,
  github: GITHUB,
});

export function isPresetName(name: string): name is PresetName {
  return name === 'standard' || name === 'stripe' || name === 'github';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
