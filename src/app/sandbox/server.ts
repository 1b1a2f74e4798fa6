import type { JsonValue } from '../../core/json.js';
import type { ApiProfile } from '../../core/sandbox/profile/types.js';
import type { ResourceModel } from '../../core/sandbox/state/model.js';

/** A built sandbox server (`tapedeck sandbox`): not listening until `listen`. */
export interface SandboxServer {
  readonly model: ResourceModel;
  readonly profile: ApiProfile;
  /** What `--explain` renders: the sources of the model. */
  readonly sources: {
    readonly spec?: { readonly file: string; readonly paths: number };
    readonly cassettes: number;
    readonly interactions: number;
    readonly profile: { readonly name: string; readonly from: 'preset' | 'file' };
  };
  /** The model and resolved profile as JSON (`--explain --json`, `GET /__tapedeck/sandbox/model`). */
  explainJson(): JsonValue;
  /** Listens; resolves the URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains, closes the state. Idempotent. */
  stop(): Promise<void>;
}
