/**
 * The WebhookSender port over undici (issue 15). One Agent for every destination, whose
 * connections go through the egress connector with the webhook destinations as its policy: every
 * address a name resolves to and the socket's remote address are checked before a byte is sent.
 * No redirect is followed (undici's core never does; no redirect interceptor is composed): a 3xx
 * is an answer like any other. The wait for the status and headers stops at `timeoutMs`, and so
 * does the read of the body, which also stops at `maxResponseBytes`: then the connection is
 * destroyed, so a receiver cannot hold tapedeck with an endless answer.
 */
import { performance } from 'node:perf_hooks';
import { Agent, errors as undiciErrors } from 'undici';
import type { Resolver } from '../../core/http/egress.js';
import type {
  Clock,
  Logger,
  Scheduler,
  WebhookSender,
  WebhookSendRequest,
  WebhookSendResult,
} from '../../core/ports/index.js';
import { egressConnector, EgressRefusedError, type AddressPolicy } from './egress-connect.js';

export interface UndiciWebhookSenderOptions {
  /** The connect-time check (core/webhooks/destinations.ts's WebhookDestinations). */
  readonly destinations: AddressPolicy;
  /** How names resolve at connect time; tests inject one. */
  readonly resolver?: Resolver;
  readonly logger?: Logger;
  /** Durations (`latencyMs`); performance.now() unless given. */
  readonly clock?: Pick<Clock, 'monotonic'>;
  /**
   * Where the per-request timeout is scheduled; AbortSignal.timeout (real time) unless given, so
   * a test can make a silent receiver time out by moving its manual time.
   */
  readonly scheduler?: Scheduler;
  /** Connections per origin (undici's default otherwise). */
  readonly connections?: number;
}

class Timeout extends Error {
  override readonly name = 'WebhookTimeout';
}

function refusal(error: unknown): EgressRefusedError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    if (e instanceof EgressRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof Timeout ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  );
}

export class UndiciWebhookSender implements WebhookSender {
  private readonly agent: Agent;
  private readonly monotonic: () => number;

  constructor(private readonly options: UndiciWebhookSenderOptions) {
    this.agent = new Agent({
      connect: egressConnector({
        policy: options.destinations,
        ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        refusedCode: 'TD_WEBHOOK_REFUSED',
      }),
      keepAliveTimeout: 4_000,
      ...(options.connections === undefined ? {} : { connections: options.connections }),
    });
    const clock = options.clock;
    this.monotonic = clock === undefined ? () => performance.now() : () => clock.monotonic();
  }

  async send(request: WebhookSendRequest): Promise<WebhookSendResult> {
    const started = this.monotonic();
    const latency = () => Math.max(0, Math.round(this.monotonic() - started));
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { kind: 'failed', error: 'refused', message: 'not a URL', latencyMs: 0 };
    }
    // Only the origin is ever named: a path or query may carry the receiver's token.
    const origin = url.origin;
    const controller = new AbortController();
    const timeout = this.startTimer(controller, request.timeoutMs);
    try {
      const headers: string[] = [];
      for (const [name, value] of request.headers) headers.push(name, value);
      const response = await this.agent.request({
        origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        body: Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength),
        signal: controller.signal,
        // Backstops of the same length: the timer above is what normally fires.
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const answerHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        answerHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const body = await readBounded(response.body, request.maxResponseBytes);
      return {
        kind: 'answered',
        status: response.statusCode,
        headers: answerHeaders,
        body,
        latencyMs: latency(),
      };
    } catch (error) {
      const refused = refusal(error);
      if (refused !== undefined)
        return { kind: 'failed', error: 'refused', message: refused.message, latencyMs: latency() };
      if (isTimeout(error) || (controller.signal.aborted && isTimeout(controller.signal.reason)))
        return {
          kind: 'failed',
          error: 'timeout',
          message: `${origin} did not answer within ${request.timeoutMs} ms`,
          latencyMs: latency(),
        };
      const code = (error as { code?: unknown }).code;
      return {
        kind: 'failed',
        error: 'network',
        message: `${origin} could not be reached (${typeof code === 'string' ? code : (error as Error).name})`,
        latencyMs: latency(),
      };
    } finally {
      timeout.cancel();
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private startTimer(controller: AbortController, ms: number): { cancel(): void } {
    const fire = () => controller.abort(new Timeout(`no answer within ${ms} ms`));
    if (this.options.scheduler !== undefined) return this.options.scheduler.setTimeout(fire, ms);
    const timer = setTimeout(fire, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  }
}

/**
 * The body up to `max` bytes. Past it the stream is destroyed (undici closes the connection):
 * the receiver's status still counts. A body cut short by the timeout or the receiver keeps what
 * arrived.
 */
async function readBounded(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown },
  max: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      const room = max - length;
      if (chunk.byteLength >= room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        length = max;
        body.destroy();
        break;
      }
      chunks.push(chunk);
      length += chunk.byteLength;
    }
  } catch {
    // The rest did not come (timeout, reset): what arrived is the answer.
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
