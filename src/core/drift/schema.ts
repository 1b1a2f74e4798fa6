/**
 * JSON Schema of the drift report (`tapedeck drift --json`, format version 1). The same object
 * is shipped as `schemas/drift-report.schema.json` (a test keeps the file and this constant identical),
 * and a test validates built reports against it. Machines may rely on every field listed here;
 * new optional fields may appear within version 1, removals or renames bump the version.
 */
import { shippedSchemaHead } from '../shipped-schema.js';
import {
  CHANGE_KINDS,
  FINDING_PLACES,
  NOISE_REASONS,
  OUTCOMES,
  SEVERITIES,
  UNCHECKED_REASONS,
  VERDICTS,
} from './model.js';

const count = { type: 'integer', minimum: 0 } as const;
const violation = {
  type: 'object',
  additionalProperties: false,
  required: ['pointer', 'message'],
  properties: { pointer: { type: 'string' }, message: { type: 'string' } },
} as const;

export const driftReportSchema = {
  ...shippedSchemaHead('drift-report.schema.json', 'tapedeck drift report (format version 1)'),
  type: 'object',
  additionalProperties: false,
  required: [
    'version',
    'target',
    'startedAt',
    'finishedAt',
    'durationMs',
    'verdict',
    'totals',
    'cassettes',
    'interactions',
  ],
  properties: {
    version: { const: 1 },
    target: { type: 'string', description: 'The origin checked; never carries credentials.' },
    startedAt: { type: 'string', description: 'ISO-8601 UTC.' },
    finishedAt: { type: 'string', description: 'ISO-8601 UTC; "now" for history ages.' },
    durationMs: { type: 'number', minimum: 0 },
    verdict: {
      enum: [...VERDICTS],
      description: 'unchecked: there were interactions and none could be checked.',
    },
    totals: {
      type: 'object',
      additionalProperties: false,
      required: [
        'interactions',
        'checked',
        'same',
        'breaking',
        'nonBreaking',
        'unchecked',
        'skipped',
        'noiseFindings',
        'breakingFindings',
        'nonBreakingFindings',
      ],
      properties: {
        interactions: count,
        checked: count,
        same: count,
        breaking: count,
        nonBreaking: count,
        unchecked: count,
        skipped: count,
        noiseFindings: count,
        breakingFindings: count,
        nonBreakingFindings: count,
      },
    },
    cassettes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'interactions', 'breaking', 'nonBreaking', 'unchecked', 'noiseFindings'],
        properties: {
          name: { type: 'string' },
          interactions: count,
          breaking: count,
          nonBreaking: count,
          unchecked: count,
          noiseFindings: count,
        },
      },
    },
    interactions: { type: 'array', items: { $ref: '#/definitions/interaction' } },
  },
  definitions: {
    interaction: {
      type: 'object',
      additionalProperties: false,
      required: ['cassette', 'index', 'method', 'target', 'outcome', 'recordedStatus', 'findings'],
      properties: {
        cassette: { type: 'string' },
        index: count,
        method: { type: 'string' },
        target: { type: 'string', description: 'Recorded (redacted) path and query.' },
        outcome: { enum: [...OUTCOMES] },
        severity: { enum: ['breaking', 'non-breaking'] },
        recordedStatus: { type: 'integer' },
        liveStatus: { type: 'integer' },
        findings: { type: 'array', items: { $ref: '#/definitions/finding' } },
        unchecked: {
          type: 'object',
          additionalProperties: false,
          required: ['reason', 'detail'],
          properties: { reason: { enum: [...UNCHECKED_REASONS] }, detail: { type: 'string' } },
        },
        spec: {
          type: 'object',
          additionalProperties: false,
          required: ['recording', 'live'],
          properties: {
            recording: { type: 'array', items: violation },
            live: { type: 'array', items: violation },
          },
        },
        firstSeen: {
          type: 'object',
          description: 'Finding fingerprint -> ISO-8601 time it was first seen.',
          additionalProperties: { type: 'string' },
        },
      },
    },
    finding: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'severity', 'place', 'path'],
      properties: {
        kind: { enum: [...CHANGE_KINDS] },
        severity: { enum: [...SEVERITIES] },
        place: { enum: [...FINDING_PLACES] },
        path: { type: 'string', description: 'JSON pointer, header name, or "" for the status.' },
        stablePath: { type: 'string' },
        recorded: { type: 'string', maxLength: 80 },
        live: { type: 'string', maxLength: 80 },
        noiseReason: { enum: [...NOISE_REASONS] },
      },
    },
  },
} as const;
