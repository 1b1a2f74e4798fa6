import { TapedeckError } from '../../core/errors.js';

/** A port method not built yet (issue 13's contracts commit); rejects as TD_INTERNAL. */
export function notYet<T>(): Promise<T> {
  return Promise.reject(new TapedeckError('TD_INTERNAL', 'not yet'));
}
