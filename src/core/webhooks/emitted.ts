/**
 * The event types a sandbox can emit (known.ts checks a filter against them): each model type's
 * created / updated / deleted (the profile's `events.naming`), the events lifecycles declare (a
 * create's, an action's), the trigger flows' events (config and profile), scenario state
 * outcomes' events, the spec's `webhooks` and callbacks, and the types of recorded samples.
 */
import { isRecord } from '../json.js';
import { HTTP_METHODS } from '../mock/openapi/keywords.js';
import type { ResourceOverride } from '../sandbox/profile/types.js';
import type { ScenarioCatalogue } from '../sandbox/scenarios/types.js';
import { objectName } from '../sandbox/state/engine.js';
import type { ResourceModel } from '../sandbox/state/model.js';
import { VERBS, type KnownEvents } from './known.js';

export interface KnownEventSources {
  readonly naming: string;
  /** The inferred model; undefined when neither a spec nor recordings were at hand. */
  readonly model?: ResourceModel;
  /** Without the model: the lifecycle declarations of the profile and the config. */
  readonly overrides?: readonly ResourceOverride[];
  /** The declared trigger flows' events (config's, then the profile's). */
  readonly triggers: readonly { readonly event: string }[];
  readonly scenarios?: ScenarioCatalogue;
  /** The spec's document: its `webhooks` names and callbacks. */
  readonly specDocument?: object;
  /** Recorded webhook samples. */
  readonly samples?: readonly { readonly type: string }[];
}

function overrideEvents(o: ResourceOverride, out: Set<string>): void {
  for (const action of [
    ...Object.values(o.lifecycle?.actions ?? {}),
    ...Object.values(o.actions ?? {}),
  ])
    if (action.event !== undefined) out.add(action.event);
  if (o.create?.event !== undefined) out.add(o.create.event);
}

/** `webhooks` names, callback names and `x-tapedeck-event` marks (payload.ts reads their bodies). */
function specEvents(document: object, out: Set<string>): void {
  const doc = document as Record<string, unknown>;
  if (isRecord(doc['webhooks'])) for (const name of Object.keys(doc['webhooks'])) out.add(name);
  const paths = isRecord(doc['paths']) ? doc['paths'] : {};
  for (const item of Object.values(paths)) {
    if (!isRecord(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      const callbacks = isRecord(operation) ? operation['callbacks'] : undefined;
      if (!isRecord(callbacks)) continue;
      for (const [name, callback] of Object.entries(callbacks)) {
        out.add(name);
        if (!isRecord(callback)) continue;
        if (typeof callback['x-tapedeck-event'] === 'string') out.add(callback['x-tapedeck-event']);
        for (const entry of Object.values(callback))
          if (isRecord(entry) && typeof entry['x-tapedeck-event'] === 'string')
            out.add(entry['x-tapedeck-event']);
      }
    }
  }
}

export function knownEvents(sources: KnownEventSources): KnownEvents {
  const out = new Set<string>();
  const name = (object: string, verb: string) =>
    sources.naming.replace('{object}', object).replace('{verb}', verb);
  if (sources.model !== undefined)
    for (const type of sources.model.types.values()) {
      for (const verb of VERBS) out.add(name(objectName(type), verb));
      for (const action of Object.values(type.lifecycle?.actions ?? {}))
        if (action.event !== undefined) out.add(action.event);
      if (type.lifecycle?.create?.event !== undefined) out.add(type.lifecycle.create.event);
    }
  for (const o of sources.overrides ?? []) overrideEvents(o, out);
  for (const t of sources.triggers) out.add(t.event);
  for (const s of sources.scenarios?.scenarios ?? [])
    if ('state' in s.outcome && s.outcome.state.event !== undefined) out.add(s.outcome.state.event);
  if (sources.specDocument !== undefined) specEvents(sources.specDocument, out);
  for (const s of sources.samples ?? []) out.add(s.type);
  return {
    types: [...out].sort(),
    complete: sources.model !== undefined,
    naming: sources.naming,
  };
}
