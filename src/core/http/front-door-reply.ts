/**
 * A front-door answer (framing.ts decides it) written out: as a reply node's response writes, or
 * as the bytes of a whole response for a socket node's parser gave up on.
 */
import type { SimpleReply } from '../ports/index.js';
import type { FrontDoorAnswer } from './framing.js';
import { HEADER_ERROR } from './index.js';
import { problemMembers, PROBLEM_CONTENT_TYPE } from './problem.js';

/** The answer as a reply the adapter writes through node's response. */
export function frontDoorReply(answer: FrontDoorAnswer): SimpleReply {
  const connection: [string, string][] = answer.close ? [['connection', 'close']] : [];
  if (answer.code === undefined)
    return { kind: 'simple', status: answer.status, headers: connection, body: '' };
  const body = `${JSON.stringify(
    problemMembers({
      code: answer.code,
      title: answer.title,
      status: answer.status,
      extra: {
        code: answer.code,
        reason: answer.reason,
        ...(answer.hint === undefined ? {} : { hint: answer.hint }),
      },
    }),
  )}\n`;
  return {
    kind: 'simple',
    status: answer.status,
    headers: [['content-type', PROBLEM_CONTENT_TYPE], [HEADER_ERROR, answer.code], ...connection],
    body,
  };
}

const PHRASES: Readonly<Record<number, string>> = {
  204: 'No Content',
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

const utf8 = new TextEncoder();

/**
 * The answer as the bytes of a whole HTTP/1.1 response, for a socket node's parser gave up on
 * (no response object exists). The titles hold non-ASCII ("§"), so the Content-Length counts the
 * body's UTF-8 bytes, which is what is written. `date` is the Date header's value (IMF-fixdate,
 * RFC 9110 §6.6.1), given by the adapter: the core has no clock.
 */
export function frontDoorBytes(answer: FrontDoorAnswer, date?: string): Uint8Array {
  const reply = frontDoorReply(answer);
  const body = utf8.encode(reply.body);
  const head = [`HTTP/1.1 ${answer.status} ${PHRASES[answer.status] ?? 'Error'}`];
  if (date !== undefined) head.push(`date: ${date}`);
  for (const [name, value] of reply.headers) head.push(`${name}: ${value}`);
  if (!answer.close) head.push('connection: close');
  head.push(`content-length: ${body.byteLength}`);
  const headBytes = utf8.encode(`${head.join('\r\n')}\r\n\r\n`);
  const out = new Uint8Array(headBytes.byteLength + body.byteLength);
  out.set(headBytes, 0);
  out.set(body, headBytes.byteLength);
  return out;
}
