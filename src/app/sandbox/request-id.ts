/**
 * The request id on every sandbox answer (issue 16): the profile's `requestId.header` carries the
 * id the pipeline made for the request, so the client, the journal and the webhooks the request
 * caused name the same one. A recorded answer's header of that name (a cassette's `Request-Id`
 * from production) is replaced, not repeated: two ids would leave a client to pick one.
 */
import type { RecordedResponse } from '../../core/cassette/model.js';
import type { Reply } from '../../core/ports/index.js';
import type { Layer } from '../pipeline/context.js';

type Pairs = readonly (readonly [string, string])[];

/**
 * Recorded responses without the header, per response: the HTTP adapter caches a response's
 * bytes by its object, so the same recording must strip to the same object every time.
 */
const stripped = new WeakMap<RecordedResponse, RecordedResponse>();

function withoutHeader(response: RecordedResponse, name: string): RecordedResponse {
  const names = Object.keys(response.headers);
  if (!names.some((n) => n.toLowerCase() === name)) return response;
  const cached = stripped.get(response);
  if (cached !== undefined) return cached;
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([n]) => n.toLowerCase() !== name),
  );
  const out = { ...response, headers };
  stripped.set(response, out);
  return out;
}

const replaced = (headers: Pairs, name: string, value: string): Pairs => [
  ...headers.filter(([n]) => n.toLowerCase() !== name),
  [name, value],
];

/** The reply with `name: value`, in place of any header of that name it had. */
export function withRequestId(reply: Reply, header: string, id: string): Reply {
  const name = header.toLowerCase();
  switch (reply.kind) {
    case 'simple':
    case 'stream':
      return { ...reply, headers: replaced(reply.headers, name, id) };
    case 'recorded':
      return {
        ...reply,
        response: withoutHeader(reply.response, name),
        extraHeaders: replaced(reply.extraHeaders, name, id),
      };
    case 'fault':
      return { ...reply, inner: withRequestId(reply.inner, header, id) };
  }
}

/**
 * The layers, the first one registering the shaper that adds the request id: every request
 * reaches the first layer (admin), so every answer — admin's, a refusal's, a replay's — carries
 * it. The shaper runs after the deferred hooks, so an idempotency key stores the answer without
 * it, and its replay carries the replaying request's own id.
 */
export function withRequestIdHeader(layers: readonly Layer[], header: string): Layer[] {
  const [first, ...rest] = layers;
  if (first === undefined) return [];
  const marking: Layer = {
    name: first.name,
    ...(first.closes === undefined ? {} : { closes: first.closes }),
    handle(context) {
      const id = context.requestId;
      if (id !== undefined) context.shapeReply((reply) => withRequestId(reply, header, id));
      return first.handle(context);
    },
  };
  return [marking, ...rest];
}
