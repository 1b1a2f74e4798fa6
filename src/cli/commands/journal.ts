import type { Command } from 'commander';
import { TapedeckError } from '../../core/errors.js';
import type { JournalQuery, StoredJournalEntry } from '../../core/ports/journal.js';
import type { ScheduledTask } from '../../core/ports/scheduler.js';
import { printableJson, renderJournalLine } from '../../core/render/journal-text.js';
import { parseDuration } from '../../core/sandbox/duration.js';
import { parseLayers, parseLimit, parseSince, parseStatus } from '../../app/journal/params.js';
import type { JournalReading } from '../../app/compose/journal.js';
import type { CliContext } from '../context.js';
import { commandConfig, declareOptions, type CliOption } from '../options.js';
import { requireStateDir, STATE_DIR } from './tenants.js';

const OPTIONS: readonly CliOption[] = [
  {
    flags: '--tenant <name|id>',
    description: 'only this tenant’s entries (default: every tenant’s)',
  },
  {
    flags: '--since <time>',
    description: 'only entries from then on: an ISO 8601 time, or a duration ago (15m, 2h, 7d)',
  },
  {
    flags: '--operation <name>',
    description: 'only this operation (operationId, or "METHOD /template")',
  },
  { flags: '--status <code|class>', description: 'only this status (404) or class (4xx)' },
  {
    flags: '--layer <names>',
    description: 'only entries these layers answered, comma-separated (state,cassette)',
  },
  { flags: '--limit <n>', description: 'print the newest N matching entries (default: 50)' },
  { flags: '-f, --follow', description: 'then keep printing new entries as they are written' },
  {
    flags: '--interval <duration>',
    description: 'how often --follow looks for new entries (default: 1s)',
  },
  { flags: '--json', description: 'one JSON object per line (NDJSON), with its seq' },
  STATE_DIR,
];

const EXIT_HELP =
  '\nExamples:\n' +
  '  tapedeck journal --tenant acme                      the newest 50 entries of acme\n' +
  '  tapedeck journal --tenant acme --status 4xx --since 1h\n' +
  '  tapedeck journal --tenant acme --follow             and every new one, as it comes\n' +
  '  tapedeck journal --tenant acme --json | jq .requestId\n' +
  '\nReads the state directory (no server needed; works beside a running sandbox). Oldest first;\n' +
  'colour only on a terminal (NO_COLOR turns it off). The same entries are served by\n' +
  'GET /__tapedeck/journal (docs/observability.md).\n' +
  '\nExit codes: 0 done (--follow: stopped with Ctrl-C or SIGTERM); 2 bad arguments (TD_USAGE) or\n' +
  'no such tenant (TD_TENANT_NOT_FOUND); 4 the state directory could not be read\n' +
  '(TD_STATE_STORE_FAILED); 70 a bug in tapedeck. Errors go to stderr, one line and the next step.';

interface Values {
  tenant?: string;
  since?: string;
  operation?: string;
  status?: string;
  layer?: string;
  limit?: string;
  follow?: boolean;
  interval?: string;
  json?: boolean;
}

const DEFAULT_LIMIT = 50;
/** Entries per poll of --follow: more are read at once, without waiting for the next poll. */
const FOLLOW_BATCH = 500;

/** `tapedeck journal`: a tenant's requests, as the sandbox journaled them. */
export function registerJournal(program: Command, cli: CliContext): void {
  const command = program
    .command('journal')
    .summary('print the sandbox journal: what each request was answered with, and why')
    .description(
      'Print the journal of the sandbox state directory, one line per request: time (the ' +
        "tenant's clock), status, method and path (redacted), the layer that answered, latency, the " +
        'operation, then the request id, scenario, idempotency, conformance, events and trace.',
    )
    .addHelpText('after', EXIT_HELP);
  declareOptions(command, OPTIONS);
  command.action(async (values: Values, cmd: Command) => {
    const { config } = commandConfig(cli, cmd, values, OPTIONS);
    requireStateDir(config.stateDir);
    const compose = await import('../../app/compose/journal.js');
    const reading = compose.composeJournalReading(config, cli.io);
    try {
      await printJournal(cli, reading, values);
    } finally {
      await reading.close();
    }
  });
}

async function printJournal(
  cli: CliContext,
  reading: JournalReading,
  values: Values,
): Promise<void> {
  const now = reading.clock.now();
  const limit = values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit, '--limit');
  const intervalMs =
    values.interval === undefined
      ? 1000
      : Math.max(10, parseDuration(values.interval, '--interval'));
  let tenant: string | undefined;
  if (values.tenant !== undefined) {
    const found = await reading.findTenant(values.tenant);
    if (found === undefined)
      throw new TapedeckError(
        'TD_TENANT_NOT_FOUND',
        `There is no tenant ${JSON.stringify(values.tenant)}.`,
        {
          hint: '`tapedeck tenants list` shows the tenants there are (a name or an id works).',
        },
      );
    tenant = found.id;
  }
  const filters: Omit<JournalQuery, 'limit'> = {
    ...(tenant === undefined ? {} : { tenant }),
    ...(values.since === undefined ? {} : { since: parseSince(values.since, now, '--since') }),
    ...(values.operation === undefined ? {} : { operation: values.operation }),
    ...(values.status === undefined ? {} : { status: parseStatus(values.status, '--status') }),
    ...(values.layer === undefined ? {} : { layers: parseLayers(values.layer, '--layer') }),
  };
  const names = new Map((await reading.listTenants()).map((t) => [t.id, t.name] as const));
  const print = (entries: readonly StoredJournalEntry[]) => {
    let out = '';
    for (const entry of entries)
      out +=
        values.json === true
          ? `${printableJson(entry)}\n`
          : `${renderJournalLine(entry, reading.style, names)}\n`;
    if (out !== '') cli.io.stdout.write(out);
  };

  const newest = await reading.journal.query({ ...filters, limit });
  print([...newest].reverse());
  if (values.follow !== true) return;

  // Follow from the newest entry there is, matching or not: what comes later is new.
  let last = newest[0]?.seq ?? (await reading.journal.query({ limit: 1 }))[0]?.seq ?? 0;
  await new Promise<void>((resolve, reject) => {
    let task: ScheduledTask | undefined;
    let stopped = false;
    const poll = () => {
      task = undefined;
      reading.journal
        .query({ ...filters, after: last, limit: FOLLOW_BATCH })
        .then((found) => {
          if (stopped) return;
          print(found);
          last = found.at(-1)?.seq ?? last;
          // A full batch: more are waiting, read them now.
          if (found.length === FOLLOW_BATCH) reading.scheduler.setImmediate(poll);
          else task = reading.scheduler.setTimeout(poll, intervalMs);
        })
        .catch((error: unknown) => {
          stopped = true;
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    };
    task = reading.scheduler.setTimeout(poll, intervalMs);
    void cli.stopSignal().then(() => {
      stopped = true;
      task?.cancel();
      resolve();
    });
  });
}
