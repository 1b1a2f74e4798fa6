/**
 * JSON Schema of the HAR fields an import reads. Everything else a tool adds passes: HAR files
 * from browsers and proxies carry many members of their own, and refusing them would refuse
 * real files. Only what the conversion relies on is required, so a malformed HAR fails here,
 * with a JSON path, instead of deep in the conversion.
 */
const nameValues = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'value'],
    properties: { name: { type: 'string' }, value: { type: 'string' } },
  },
} as const;

export const harImportSchema = {
  type: 'object',
  required: ['log'],
  properties: {
    log: {
      type: 'object',
      required: ['entries'],
      properties: {
        version: { type: 'string' },
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['startedDateTime', 'time', 'request'],
            properties: {
              startedDateTime: { type: 'string' },
              time: { type: 'number' },
              request: {
                type: 'object',
                required: ['method', 'url', 'headers'],
                properties: {
                  method: { type: 'string', minLength: 1 },
                  url: { type: 'string', minLength: 1 },
                  headers: nameValues,
                  postData: {
                    type: 'object',
                    properties: {
                      mimeType: { type: 'string' },
                      text: { type: 'string' },
                      params: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['name'],
                          properties: { name: { type: 'string' }, value: { type: 'string' } },
                        },
                      },
                      _encoding: { type: 'string' },
                    },
                  },
                },
              },
              // null in some exports of a request that never got an answer: skipped, not refused.
              response: {
                type: ['object', 'null'],
                required: ['status', 'headers'],
                properties: {
                  status: { type: 'number' },
                  headers: nameValues,
                  content: {
                    type: 'object',
                    properties: {
                      size: { type: 'number' },
                      mimeType: { type: 'string' },
                      text: { type: 'string' },
                      encoding: { type: 'string' },
                    },
                  },
                },
              },
              _resourceType: { type: 'string' },
              _webSocketMessages: { type: 'array' },
              _tapedeck: {
                type: 'object',
                properties: {
                  cassette: { type: 'string' },
                  target: { type: 'string' },
                  recordedAt: { type: 'string' },
                  replayable: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
