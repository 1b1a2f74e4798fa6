/**
 * The front door and node's parser (llhttp): the limits tapedeck sets on the parser so that its
 * own checks (core/http/framing.ts) see every head within them, and the answers to what the
 * parser refused itself. It reports an error code on `clientError`; tapedeck answers with the
 * status RFC 9112 and RFC 9110 name for it (never a blanket 400), in the same problem+json as
 * every front-door refusal.
 */
import { refuse, type FrontDoorAnswer, type FrontDoorLimits } from './framing.js';

/**
 * The `maxHeadersCount` to give node: one more than the cap. Node silently drops the fields past
 * its count, so at exactly the cap an overflow could not be told from a full head.
 */
export function nodeHeadersCount(limits: FrontDoorLimits): number {
  return limits.maxHeaderCount + 1;
}

/**
 * The `maxHeaderSize` to give node. Node counts the target and every header name and value
 * (trailing whitespace included, separators not) against one limit and reports only
 * "header overflow"; tapedeck has two limits with two statuses (414, 431). With node's limit
 * above their sum, every head within both limits passes node, and the head checks below tell
 * which one a larger head broke; only a head larger still is refused by node, and
 * `parseErrorAnswer` tells the two apart from the bytes it was reading.
 */
export function nodeHeaderSize(limits: FrontDoorLimits): number {
  return limits.maxUrlBytes + limits.maxHeaderBytes + 1024;
}

/**
 * How often node checks its headers and request timeouts: a tenth of the shorter one, between
 * 10 ms and 1 s, so a timeout fires at most 10% late (node's default is every 30 s, which is
 * why a slow client used to wait 64–92 s for its 400).
 */
export function timeoutCheckInterval(headersTimeoutMs: number, requestTimeoutMs: number): number {
  const shorter = Math.min(headersTimeoutMs, requestTimeoutMs);
  return Math.max(10, Math.min(1_000, Math.floor(shorter / 10)));
}

/** A method token (RFC 9110 §9.1): a valid method node's parser does not know is a 501. */
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

/**
 * The answer to a request node's parser refused (its llhttp error code, or node's own
 * `ERR_HTTP_REQUEST_TIMEOUT`), or `undefined` when the peer is gone and nothing can be sent.
 * `packet` is the start of the bytes node was parsing (latin1), only ever inspected, never
 * echoed; `inRequest` says whether a request's head had been parsed (so a timeout is the body's);
 * `startsRequest` whether the packet is the first of the request's bytes (a head sent in several
 * packets overflows in a later one, which is in the middle of the headers, never a request line).
 */
export function parseErrorAnswer(
  code: string | undefined,
  packet: string,
  limits: FrontDoorLimits,
  inRequest: boolean,
  startsRequest = true,
): FrontDoorAnswer | undefined {
  switch (code ?? '') {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ETIMEDOUT':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return inRequest
        ? refuse(
            408,
            'body-timeout',
            'The request body did not arrive within server.requestTimeoutMs.',
            'Send the body at once, or raise server.requestTimeoutMs in tapedeck.config.json.',
          )
        : refuse(
            408,
            'headers-timeout',
            'The request head did not arrive within server.headersTimeoutMs.',
            'Send the whole head at once, or raise server.headersTimeoutMs in tapedeck.config.json.',
          );
    case 'HPE_HEADER_OVERFLOW':
      return startsRequest && urlRanOver(packet, limits.maxUrlBytes)
        ? refuse(
            414,
            'url-bytes',
            `The request target is longer than ${limits.maxUrlBytes} bytes.`,
            'Send a shorter URL (move data to the body), or raise server.maxUrlBytes in tapedeck.config.json.',
          )
        : refuse(
            431,
            'header-bytes',
            `The request's header fields are larger than ${limits.maxHeaderBytes} bytes.`,
            'Send smaller headers, or raise server.maxHeaderBytes in tapedeck.config.json.',
          );
    case 'HPE_PAUSED_H2_UPGRADE':
      // `PRI * HTTP/2.0`, the HTTP/2 connection preface sent with prior knowledge.
      return refuse(
        505,
        'http-version',
        'tapedeck serves HTTP/1.1 and HTTP/1.0 only.',
        'Send the request as HTTP/1.1 (an HTTP/2 client: disable prior knowledge).',
      );
    case 'HPE_INVALID_METHOD':
      return METHOD_TOKEN.test(packet)
        ? refuse(
            501,
            'method-unknown',
            'The request method is not one tapedeck implements.',
            'Use a standard method (methods are case-sensitive: GET, not get).',
          )
        : requestLineInvalid();
    case 'HPE_INVALID_URL':
      return refuse(
        400,
        'target-invalid',
        'The request target holds a character not allowed in a URL.',
        'Percent-encode the target (RFC 3986): no spaces, control characters or raw non-ASCII bytes.',
      );
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_CONSTANT':
      return requestLineInvalid();
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_UNEXPECTED_SPACE':
      return refuse(
        400,
        'header-invalid',
        'A header line is malformed (RFC 9112 §5): a bad name, whitespace before the colon, a folded line or a control character in a value.',
        'Send each header as "Name: value" on one line ending in CRLF.',
      );
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return refuse(
        400,
        'content-length-invalid',
        'The Content-Length is invalid (RFC 9112 §6.3): one line of digits only, and never with Transfer-Encoding.',
        'Send one Content-Length of plain digits, or Transfer-Encoding: chunked alone.',
      );
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return refuse(
        400,
        'transfer-coding-invalid',
        'The Transfer-Encoding header is invalid: chunked must be the one and final coding, and never with Content-Length (RFC 9112 §6.3).',
        'Send Transfer-Encoding: chunked, or a Content-Length.',
      );
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
    case 'HPE_STRICT':
      return refuse(
        400,
        'chunk-invalid',
        'The chunked body is malformed (RFC 9112 §7.1): a bad or overlong chunk size, an overlong or invalid extension, or a chunk not ended by CRLF.',
        'Send each chunk as a hex size, CRLF, the data, CRLF.',
      );
    case 'HPE_CR_EXPECTED':
    case 'HPE_LF_EXPECTED':
      return refuse(
        400,
        'malformed',
        'A line of the request does not end in CRLF (RFC 9112 §2.2): a bare CR or LF.',
        'End every line of the head and of the chunked framing with CRLF.',
      );
    default:
      return refuse(
        400,
        'malformed',
        'The request is not well-formed HTTP/1.1.',
        'Check the client: tapedeck speaks HTTP/1.1 (RFC 9112).',
      );
  }
}

function requestLineInvalid(): FrontDoorAnswer {
  return refuse(
    400,
    'request-line-invalid',
    'The request line is malformed (RFC 9112 §3): it must be "METHOD /path HTTP/1.1" ending in CRLF.',
    'Send one space between method, target and version, and HTTP/1.1 in upper case.',
  );
}

/**
 * Whether a head node found too large broke on its target. Node reads the head in the packets
 * the socket delivers and says only "overflow": if the packet starts with a request line (a
 * method, a space, and a target in origin, asterisk or absolute form) whose target is over the
 * limit, or runs out before the target ends, the target is what ran over. Anything else (a
 * packet in the middle of the headers) counts as the headers. The caller also says whether the
 * packet starts the request at all (`parseErrorAnswer`'s `startsRequest`).
 */
export function urlRanOver(packet: string, maxUrlBytes: number): boolean {
  const line = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ ((?:\/|\*|[hH][tT][tT][pP])[^ \r\n]*)/.exec(packet);
  if (line === null) return false;
  return line[1]!.length > maxUrlBytes || line[0].length === packet.length;
}

/** How many bytes of node's packet `parseErrorAnswer` needs to see. */
export function packetPrefixBytes(limits: FrontDoorLimits): number {
  return limits.maxUrlBytes + 64;
}
