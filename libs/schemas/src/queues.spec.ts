import {
  roundJobId,
  roundMessageSchema,
  workOrderJobSchema,
  type RoundFinishedMessage,
  type RoundRetryingMessage,
  type RoundMessage,
  type RoundStartedMessage,
  type WorkOrderJob,
} from './queues';
import type { Report } from './report.types';
import { ReportSchemaVersion, WorkOrderSchemaVersion } from './schema-version';
import { validateRoundMessage, validateWorkOrderJob, type ValidationResult } from './validate';

describe('queue job ids', () => {
  it('names an attempt of a Round', () => {
    expect(roundJobId('0f5c', 2)).toBe('0f5c.2');
  });

  // BullMQ 6 throws "Custom Id cannot contain :" for an id with a single colon.
  it('never uses a colon, which BullMQ refuses in custom ids', () => {
    expect(roundJobId('round', 1)).not.toContain(':');
  });
});

// The compiler ties each payload schema to its type (`JSONSchemaType`); these check the rest at run time: a
// value with every field of its type set passes, the schema has no property the type lacks, and each field the type
// requires is required by the schema too.
describe('queue payload schemas', () => {
  type ObjectSchema = { properties: Record<string, { const?: string }> };
  const messageSchema = (type: RoundMessage['type']) =>
    (roundMessageSchema.oneOf as ObjectSchema[]).find((variant) => variant.properties.type.const === type);
  const at = '2026-01-01T00:00:00.000Z';
  const report: Report = {
    schema_version: ReportSchemaVersion,
    round_id: 'r1',
    workorder_id: 'w1',
    status: 'success',
    summary: 'done',
    phases: [],
    token_usage: [],
    cost_usd: 0,
    artifacts: [],
    commits: [],
    attempt: 1,
    worker: 'host:1',
  };
  const order = {
    schema_version: WorkOrderSchemaVersion,
    title: 'T',
    instructions: 'do it',
    id: 'w1',
    plugin: 'echo',
    branch: 'sc/w1',
    phases: ['coding'],
    phase_timeout: { coding: 'PT30M' },
    idle_timeout: 'PT10M',
    priority: 5,
  } satisfies WorkOrderJob['order'];
  const payloads: {
    name: string;
    validate: (input: unknown) => ValidationResult<unknown>;
    schema?: ObjectSchema;
    full: object;
    minimal: object;
  }[] = [
    {
      name: 'WorkOrderJob',
      schema: workOrderJobSchema as ObjectSchema,
      validate: validateWorkOrderJob,
      full: {
        round_id: 'r1',
        workorder_id: 'w1',
        attempt: 2,
        order,
        resume_from: { attempt: 1, sessions: [{ agent: 'claude', session_id: 's' }], transcripts: ['t.jsonl'] },
        follow_up: 'A review requests changes: …',
        rate_limit_waits: 2,
      } satisfies Required<WorkOrderJob>,
      minimal: { round_id: 'r1', workorder_id: 'w1', attempt: 1, order } satisfies WorkOrderJob,
    },
    {
      name: 'RoundStartedMessage',
      schema: messageSchema('started'),
      validate: validateRoundMessage,
      full: {
        type: 'started',
        round_id: 'r1',
        attempt: 1,
        worker: 'host:1',
        at,
      } satisfies Required<RoundStartedMessage>,
      minimal: { type: 'started', round_id: 'r1', attempt: 1, worker: 'host:1', at } satisfies RoundStartedMessage,
    },
    {
      name: 'RoundRetryingMessage',
      schema: messageSchema('retrying'),
      validate: validateRoundMessage,
      full: {
        type: 'retrying',
        round_id: 'r1',
        attempt: 1,
        reason: 'rate limit',
        retry_at: at,
        waiting: true,
        at,
      } satisfies Required<RoundRetryingMessage>,
      minimal: {
        type: 'retrying',
        round_id: 'r1',
        attempt: 1,
        reason: 'worker lost',
        at,
      } satisfies RoundRetryingMessage,
    },
    {
      name: 'RoundFinishedMessage',
      schema: messageSchema('finished'),
      validate: validateRoundMessage,
      full: {
        type: 'finished',
        round_id: 'r1',
        attempt: 1,
        report,
        at,
        events: [
          { type: 'phase', round_id: 'r1', attempt: 1, phase: 'coding', state: 'started', at },
          { type: 'log', round_id: 'r1', attempt: 1, level: 'info', message: 'hi', phase: 'coding', at },
          { type: 'end', round_id: 'r1', attempt: 1, at },
        ],
      } satisfies Required<RoundFinishedMessage>,
      minimal: { type: 'finished', round_id: 'r1', attempt: 1, report, at } satisfies RoundFinishedMessage,
    },
  ];

  describe.each(payloads)('$name', ({ validate, schema, full, minimal }) => {
    it('accepts every field of its type', () => {
      expect(validate(full)).toEqual({ ok: true, value: full });
    });

    it('has no property its type lacks', () => {
      expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(Object.keys(full).sort());
    });

    it('requires every field its type requires', () => {
      expect(validate(minimal).ok).toBe(true);
      for (const key of Object.keys(minimal)) {
        const { [key]: _, ...rest } = minimal as Record<string, unknown>;
        expect([key, validate(rest).ok]).toEqual([key, false]);
      }
    });

    // `JSONSchemaType` makes optional properties nullable; the types say absent or set.
    it('refuses null for an optional field', () => {
      for (const key of Object.keys(full).filter((key) => !(key in minimal))) {
        expect([key, validate({ ...full, [key]: null }).ok]).toEqual([key, false]);
      }
    });
  });
});
