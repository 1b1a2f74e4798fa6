import type { Command } from 'commander';
import {
  PROBE_KINDS,
  probeRefusal,
  redeliverRefusal,
  type ProbeKind,
  type AttemptView,
  type DeliveryView,
  type EndpointView,
  type WebhookAdmin,
} from '../../app/webhooks/admin.js';
import { TapedeckError } from '../../core/errors.js';
import { checkFilter, type KnownEvents } from '../../core/webhooks/known.js';
import type { Style } from '../../core/render/text.js';
import { parseDuration } from '../../core/sandbox/duration.js';
import { EXIT } from '../common.js';
import type { CliContext } from '../context.js';
import { CASSETTES, commandConfig, subcommandsOf, type CliOption } from '../options.js';
import { requireStateDir, STATE_DIR, STORE_IT } from './tenants.js';

const TENANT: CliOption = { flags: '--tenant <name>', description: 'the tenant (required)' };
const JSON_OUT: CliOption = { flags: '--json', description: 'print the result as JSON' };
const PROFILE: CliOption = {
  flags: '--profile <name|file>',
  description:
    "API profile whose signing scheme new secrets are made for: standard, stripe, github or a file (the sandbox's)",
  pointer: '/sandbox/profile',
};

const BASE: readonly CliOption[] = [TENANT, STATE_DIR, PROFILE];

/** What `--events` is checked against: the event types the sandbox of this spec can emit. */
const SPEC: CliOption = {
  flags: '--spec <file>',
  description: "the sandbox's OpenAPI/Swagger spec: --events is checked against its event types",
  pointer: '/sandbox/spec',
};
const EVENTS: CliOption = {
  flags: '--events <types>',
  description:
    'comma-separated event types it gets (payment_intent.succeeded, charge.*); * for every event',
};
const DESCRIPTION: CliOption = {
  flags: '--description <text>',
  description: 'what the endpoint is for, shown in listings ("" clears it)',
};

const EXIT_HELP =
  '\nExit codes: 0 done; 2 bad arguments, a refused URL or event list (TD_USAGE, TD_WEBHOOK_REFUSED),\n' +
  'no such tenant (TD_TENANT_NOT_FOUND), no such endpoint or delivery for that tenant\n' +
  '(TD_WEBHOOK_NOT_FOUND); 4 the state directory could not be read or written (TD_STATE_STORE_FAILED);\n' +
  '70 a bug in tapedeck. Errors go to stderr, one line and the next step; --json changes only what a\n' +
  'success prints. A secret is printed once, by add and rotate; every listing shows its hint.';

interface Common {
  tenant?: string;
  json?: boolean;
}

/**
 * Opens the webhook use cases on the state directory, runs `work`, and closes the state. `known`
 * loads the event types a filter is checked against (once; only when asked).
 */
async function withWebhookAdmin<T>(
  cli: CliContext,
  command: Command,
  values: object,
  options: readonly CliOption[],
  work: (admin: WebhookAdmin, style: Style, known: () => Promise<KnownEvents>) => Promise<T>,
): Promise<T> {
  const { config } = commandConfig(cli, command, values, options);
  // As `tapedeck tenants`: a mistyped --state-dir must not start an empty sandbox.
  requireStateDir(config.stateDir);
  const compose = await import('../../app/compose/webhooks.js');
  const opened = await compose.composeWebhookAdmin(config);
  try {
    return await work(opened.admin, compose.stdoutStyle(cli.io), () => opened.knownEvents());
  } finally {
    await opened.close();
  }
}

function tenantOf(values: Common, how: string): string {
  if (values.tenant === undefined)
    throw new TapedeckError('TD_USAGE', `Name the tenant: \`tapedeck webhooks ${how}\`.`, {
      hint: '`tapedeck tenants list` shows the tenants there are.',
    });
  return values.tenant;
}

function eventsOf(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/**
 * Says on stderr which filter entries could not be checked: without a spec or recordings the
 * model's X.created/updated/deleted are not known here (a typo in one is then not caught).
 */
async function noteUnchecked(
  cli: CliContext,
  events: readonly string[] | undefined,
  known: () => Promise<KnownEvents>,
): Promise<void> {
  if (events === undefined) return;
  const set = await known();
  if (set.complete) return;
  const unchecked = events.filter((e) => checkFilter(e, set).kind === 'unchecked');
  if (unchecked.length === 0) return;
  cli.io.stderr.write(
    `Note: ${unchecked.join(', ')} ${unchecked.length === 1 ? 'is' : 'are'} not checked against the sandbox's event types: ` +
      "without a spec or recordings here (--spec FILE or sandbox.spec, --cassettes DIR) only the profile's, " +
      "the config's and the scenarios' events are known, not the model's.\n",
  );
}

function printJson(cli: CliContext, value: unknown): void {
  cli.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function statusText(e: EndpointView, style: Style): string {
  if (e.status === 'enabled') return style.green('enabled');
  return style.yellow(e.disabledReason === 'gone' ? 'disabled (410 Gone)' : 'disabled');
}

function endpointLines(e: EndpointView, style: Style): string {
  const lines = [
    `${style.bold(e.id)}  ${e.url}  ${statusText(e, style)}`,
    `  events   ${e.events === null ? 'all' : e.events.join(', ')}`,
    `  secrets  ${e.secrets
      .map((s) =>
        `${s.hint} ${s.state === 'active' ? '' : s.state === 'expiring' ? `(until ${s.expiresAt})` : '(expired)'}`.trim(),
      )
      .join(', ')}`,
    `  created  ${e.createdAt}${e.throttledUntil === undefined ? '' : `, throttled until ${e.throttledUntil}`}`,
    ...(e.description === undefined ? [] : [`  about    ${e.description}`]),
  ];
  return `${lines.join('\n')}\n`;
}

function deliveryColour(status: DeliveryView['status'], style: Style): string {
  switch (status) {
    case 'delivered':
      return style.green(status);
    case 'failed':
      return style.red(status);
    case 'pending':
      return style.yellow(status);
    case 'abandoned':
      return style.dim(status);
  }
}

function deliveryLine(d: DeliveryView, style: Style): string {
  return `${d.id}  ${d.eventType}  ${d.eventId}  ${deliveryColour(d.status, style)}  ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.nextAttemptAt === undefined ? '' : `, next ${d.nextAttemptAt}`}  ${d.endpoint}${d.probe === undefined ? '' : `  ${style.dim(`probe: ${d.probe}`)}`}`;
}

function attemptLine(a: AttemptView): string {
  return `  #${a.n}  ${a.at}  ${a.outcome}${a.status === undefined ? '' : ` ${a.status}`}${a.error === undefined ? '' : ` (${a.error})`}  ${a.latencyMs} ms${a.manual ? '  manual' : ''}${a.nextAttemptAt === undefined ? '' : `  next ${a.nextAttemptAt}`}`;
}

/** The secret printed once, with the line that says so. */
function printSecret(cli: CliContext, secret: string): void {
  cli.io.stdout.write(`\n  ${secret}\n\n${STORE_IT}\n`);
}

/**
 * `tapedeck webhooks add|list|show|update|disable|enable|delete|rotate|deliveries|redeliver|probe`. The integrator
 * registers it in cli/main.ts beside `registerScenarios`.
 */
export function registerWebhooks(program: Command, cli: CliContext): void {
  const group = program
    .command('webhooks')
    .summary("register a tenant's webhook endpoints, rotate their secrets, read the delivery log")
    .description(
      'Manage the webhook endpoints of a sandbox tenant on its state directory, beside a running sandbox ' +
        '(its dispatcher picks up changes within a second). Events the tenant causes are signed with the ' +
        "profile's scheme (Standard Webhooks, Stripe or GitHub), sent to every matching endpoint and retried " +
        'on the tenant clock; the delivery log keeps every attempt (docs/webhooks.md). The same operations are ' +
        'served under /__tapedeck/tenants/NAME/webhooks (admin token only).',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tapedeck webhooks add --tenant acme http://localhost:4242/webhooks --events payment_intent.succeeded,charge.*\n' +
        '  tapedeck webhooks list --tenant acme\n' +
        '  tapedeck webhooks update we_… --tenant acme --url http://localhost:4243/hooks\n' +
        '  tapedeck webhooks rotate we_… --tenant acme --overlap 2h\n' +
        '  tapedeck webhooks deliveries --tenant acme --status failed\n' +
        '  tapedeck webhooks deliveries dlv_… --tenant acme        (one delivery, with its attempts)\n' +
        '  tapedeck webhooks redeliver dlv_… --tenant acme\n' +
        '  tapedeck webhooks probe --tenant acme --kind bad-signature   (does the receiver verify?)\n' +
        EXIT_HELP,
    );

  const sub = subcommandsOf(group, EXIT_HELP, BASE);

  {
    const { command, options } = sub(
      'add',
      'register an endpoint for a tenant and print its signing secret (once)',
      [
        { ...EVENTS, description: `${EVENTS.description}; default: all` },
        {
          flags: '--secret <secret>',
          description:
            "use this signing secret (the scheme's shape, e.g. whsec_…) instead of a new one",
        },
        DESCRIPTION,
        SPEC,
        CASSETTES,
        JSON_OUT,
      ],
      [['<url>', 'where the webhooks are sent: loopback, or a host of webhooks.allowedHosts']],
    );
    command.addHelpText(
      'after',
      '\nExample:\n  tapedeck webhooks add --tenant acme http://localhost:4242/webhooks --events payment_intent.*\n' +
        '\nAn event type the sandbox cannot emit (a typo: custmer.created) is refused, with the nearest\n' +
        "known ones. The model's types (X.created, .updated, .deleted) are known with a spec or\n" +
        'recordings (--spec, sandbox.spec, --cassettes); without them those are accepted unchecked.\n',
    );
    command.action(
      async (
        url: string,
        values: Common & { events?: string; secret?: string; description?: string },
        cmd: Command,
      ) => {
        const tenant = tenantOf(values, 'add URL --tenant T');
        const events = eventsOf(values.events);
        const added = await withWebhookAdmin(cli, cmd, values, options, async (admin, _, known) => {
          const done = await admin.add(tenant, {
            url,
            ...(events === undefined ? {} : { events }),
            ...(values.secret === undefined ? {} : { secret: values.secret }),
            ...(values.description === undefined ? {} : { description: values.description }),
          });
          await noteUnchecked(cli, events, known);
          return done;
        });
        if (values.json === true) {
          printJson(cli, { ...added, note: STORE_IT });
          return;
        }
        cli.io.stdout.write(
          `Added webhook endpoint ${added.endpoint.id} for tenant ${tenant} → ${added.endpoint.url}\n` +
            `(${added.endpoint.events === null ? 'every event' : added.endpoint.events.join(', ')}; from now on). Its signing secret:\n`,
        );
        printSecret(cli, added.secret);
      },
    );
  }
  {
    const { command, options } = sub(
      'list',
      "list a tenant's endpoints, oldest first (secrets by hint only)",
      [JSON_OUT],
      [],
    );
    command.action(async (values: Common, cmd: Command) => {
      const tenant = tenantOf(values, 'list --tenant T');
      const [endpoints, style] = await withWebhookAdmin(cli, cmd, values, options, async (a, s) => [
        await a.list(tenant),
        s,
      ]);
      if (values.json === true) printJson(cli, { tenant, endpoints });
      else if (endpoints.length === 0)
        cli.io.stdout.write(
          `Tenant ${tenant} has no webhook endpoints: \`tapedeck webhooks add --tenant ${tenant} URL\` adds one.\n`,
        );
      else cli.io.stdout.write(endpoints.map((e) => endpointLines(e, style)).join(''));
    });
  }
  {
    const { command, options } = sub(
      'show',
      'show one endpoint: its URL, events, status and secrets (by hint only)',
      [JSON_OUT],
      [['<endpoint>', 'endpoint id']],
    );
    command.action(async (id: string, values: Common, cmd: Command) => {
      const tenant = tenantOf(values, 'show ENDPOINT_ID --tenant T');
      const [view, style] = await withWebhookAdmin(cli, cmd, values, options, async (a, s) => [
        await a.get(tenant, id),
        s,
      ]);
      if (values.json === true) printJson(cli, view);
      else cli.io.stdout.write(endpointLines(view, style));
    });
  }
  {
    const { command, options } = sub(
      'update',
      "change an endpoint's URL, events or description (its secret stays; rotate makes a new one)",
      [
        {
          flags: '--url <url>',
          description:
            'send to this URL from the next attempt on (checked as add checks it), retries included',
        },
        EVENTS,
        DESCRIPTION,
        SPEC,
        CASSETTES,
        JSON_OUT,
      ],
      [['<endpoint>', 'endpoint id']],
    );
    command.addHelpText(
      'after',
      '\nExample:\n  tapedeck webhooks update we_… --tenant acme --events customer.created,invoice.* --description "billing"\n',
    );
    command.action(
      async (
        id: string,
        values: Common & { url?: string; events?: string; description?: string },
        cmd: Command,
      ) => {
        const tenant = tenantOf(values, 'update ENDPOINT_ID --tenant T --url U');
        if (
          values.url === undefined &&
          values.events === undefined &&
          values.description === undefined
        )
          throw new TapedeckError(
            'TD_USAGE',
            'Say what changes: --url, --events or --description.',
            {
              hint: `e.g. \`tapedeck webhooks update ${id} --tenant ${tenant} --events customer.created\`; enable and disable turn it on and off.`,
            },
          );
        const events = eventsOf(values.events);
        const [view, style] = await withWebhookAdmin(
          cli,
          cmd,
          values,
          options,
          async (admin, s, known) => {
            const updated = await admin.update(tenant, id, {
              ...(values.url === undefined ? {} : { url: values.url }),
              ...(events === undefined ? {} : { events }),
              ...(values.description === undefined ? {} : { description: values.description }),
            });
            await noteUnchecked(cli, events, known);
            return [updated, s] as const;
          },
        );
        if (values.json === true) printJson(cli, view);
        else cli.io.stdout.write(endpointLines(view, style));
      },
    );
  }
  for (const [name, enabled, summary] of [
    ['disable', false, 'stop sending to an endpoint (its deliveries wait; enable sends them)'],
    ['enable', true, 'send to an endpoint again (also after a 410 Gone disabled it)'],
  ] as const) {
    const { command, options } = sub(name, summary, [JSON_OUT], [['<endpoint>', 'endpoint id']]);
    command.action(async (id: string, values: Common, cmd: Command) => {
      const tenant = tenantOf(values, `${name} ENDPOINT_ID --tenant T`);
      const [view, style] = await withWebhookAdmin(cli, cmd, values, options, async (a, s) => [
        await a.update(tenant, id, { enabled }),
        s,
      ]);
      if (values.json === true) printJson(cli, view);
      else cli.io.stdout.write(endpointLines(view, style));
    });
  }
  {
    const { command, options } = sub(
      'delete',
      'delete an endpoint: its pending deliveries are abandoned, the delivery log stays',
      [JSON_OUT],
      [['<endpoint>', 'endpoint id']],
    );
    command.action(async (id: string, values: Common, cmd: Command) => {
      const tenant = tenantOf(values, 'delete ENDPOINT_ID --tenant T');
      await withWebhookAdmin(cli, cmd, values, options, (admin) => admin.delete(tenant, id));
      if (values.json === true) printJson(cli, { deleted: id });
      else cli.io.stdout.write(`Deleted webhook endpoint ${id} of tenant ${tenant}.\n`);
    });
  }
  {
    const { command, options } = sub(
      'rotate',
      'make a new signing secret; the current ones keep signing for the overlap (tenant clock)',
      [
        {
          flags: '--overlap <duration>',
          description:
            'how long the current secrets keep signing: 24h, 30m, 0 for not at all (default: webhooks.rotationOverlapHours)',
        },
        JSON_OUT,
      ],
      [['<endpoint>', 'endpoint id']],
    );
    command.action(async (id: string, values: Common & { overlap?: string }, cmd: Command) => {
      const tenant = tenantOf(values, 'rotate ENDPOINT_ID --tenant T');
      const overlapMs =
        values.overlap === undefined ? undefined : parseDuration(values.overlap, 'overlap');
      const rotated = await withWebhookAdmin(cli, cmd, values, options, (admin) =>
        admin.rotate(tenant, id, overlapMs === undefined ? {} : { overlapMs }),
      );
      if (values.json === true) {
        printJson(cli, { ...rotated, note: STORE_IT });
        return;
      }
      cli.io.stdout.write(`New signing secret of webhook endpoint ${id}:\n`);
      printSecret(cli, rotated.secret);
      for (const s of rotated.endpoint.secrets.slice(1))
        cli.io.stdout.write(`  ${s.hint} signs too until ${s.expiresAt ?? '(no expiry)'}\n`);
    });
  }
  {
    const { command, options } = sub(
      'deliveries',
      "list a tenant's deliveries, newest first; with an id, one delivery and its attempts",
      [
        { flags: '--endpoint <id>', description: 'only to this endpoint' },
        { flags: '--event <id>', description: 'only of this event (evt_…)' },
        { flags: '--status <status>', description: 'pending, delivered, failed or abandoned' },
        { flags: '--before <id>', description: 'the page after this delivery id (older ones)' },
        { flags: '--limit <n>', description: 'how many (1 to 100, default 20)' },
        JSON_OUT,
      ],
      [['[delivery]', 'a delivery id (dlv_…): show it with its attempts']],
    );
    command.action(
      async (
        id: string | undefined,
        values: Common & {
          endpoint?: string;
          event?: string;
          status?: string;
          before?: string;
          limit?: string;
        },
        cmd: Command,
      ) => {
        const tenant = tenantOf(values, 'deliveries --tenant T');
        if (id !== undefined) {
          const [found, style] = await withWebhookAdmin(cli, cmd, values, options, async (a, s) => [
            await a.delivery(tenant, id),
            s,
          ]);
          if (values.json === true) printJson(cli, found);
          else
            cli.io.stdout.write(
              `${deliveryLine(found.delivery, style)}\n  to ${found.delivery.url}\n${found.attempts.length === 0 ? '  no attempt yet\n' : `${found.attempts.map(attemptLine).join('\n')}\n`}`,
            );
          return;
        }
        if (values.limit !== undefined && !/^\d{1,4}$/.test(values.limit))
          throw new TapedeckError('TD_USAGE', '--limit is a whole number from 1 to 100.');
        const [page, style] = await withWebhookAdmin(cli, cmd, values, options, async (a, s) => [
          await a.deliveries(tenant, {
            ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
            ...(values.event === undefined ? {} : { event: values.event }),
            ...(values.status === undefined ? {} : { status: values.status }),
            ...(values.before === undefined ? {} : { before: values.before }),
            ...(values.limit === undefined ? {} : { limit: Number(values.limit) }),
          }),
          s,
        ]);
        if (values.json === true) {
          printJson(cli, { tenant, ...page });
          return;
        }
        cli.io.stdout.write(
          page.deliveries.length === 0
            ? `No deliveries for tenant ${tenant}${values.status === undefined ? '' : ` with status ${values.status}`}.\n`
            : `${page.deliveries.map((d) => deliveryLine(d, style)).join('\n')}\n`,
        );
        if (page.next !== undefined)
          cli.io.stdout.write(style.dim(`more: --before ${page.next}\n`));
      },
    );
  }
  {
    const { command, options } = sub(
      'redeliver',
      'send a delivery once more, now (one attempt, never retried)',
      [JSON_OUT],
      [['<delivery>', 'delivery id (dlv_…)']],
    );
    command.action(async (id: string, values: Common, cmd: Command) => {
      const tenant = tenantOf(values, 'redeliver DELIVERY_ID --tenant T');
      const result = await withWebhookAdmin(cli, cmd, values, options, (admin) =>
        admin.redeliver(tenant, id),
      );
      if (result !== 'queued') {
        const { message, hint } = redeliverRefusal(id, result);
        throw new TapedeckError('TD_USAGE', message, {
          hint:
            result === 'in-flight'
              ? `\`tapedeck webhooks deliveries ${id} --tenant ${tenant}\` shows its attempts.`
              : hint,
        });
      }
      if (values.json === true) printJson(cli, { redelivery: id, status: result });
      else
        cli.io.stdout.write(
          `Queued a redelivery of ${id}: a running sandbox sends it within a second.\n`,
        );
      cli.exitCode = EXIT.ok;
    });
  }
  {
    const { command, options } = sub(
      'probe',
      "test the tenant's receiver: send its newest delivered event again, once, on purpose",
      [
        {
          flags: '--kind <kind>',
          description:
            'bad-signature (signed with a wrong secret: a receiver that verifies refuses it), duplicate (the same webhook id again: a receiver that dedupes does nothing twice) or both (default)',
        },
        { flags: '--endpoint <id>', description: "only this endpoint's deliveries" },
        JSON_OUT,
      ],
      [],
    );
    command.addHelpText(
      'after',
      '\nEach probe is a delivery of its own (dlv_…, marked probe in the log), sent by a running\n' +
        'sandbox within a second, one attempt, never retried. `tapedeck readiness` reads how the\n' +
        'receiver answered (docs/readiness.md).\n',
    );
    command.action(async (values: Common & { kind?: string; endpoint?: string }, cmd: Command) => {
      const tenant = tenantOf(values, 'probe --tenant T [--kind bad-signature|duplicate|both]');
      const kind = values.kind ?? 'both';
      if (!(PROBE_KINDS as readonly string[]).includes(kind))
        throw new TapedeckError('TD_USAGE', `--kind is one of ${PROBE_KINDS.join(', ')}.`);
      const probes = await withWebhookAdmin(cli, cmd, values, options, (admin) =>
        admin.probe(
          tenant,
          kind as ProbeKind,
          values.endpoint === undefined ? {} : { endpoint: values.endpoint },
        ),
      );
      if (probes === undefined) {
        const { message, hint } = probeRefusal(tenant);
        throw new TapedeckError('TD_USAGE', message, { hint });
      }
      if (values.json === true) {
        printJson(cli, { tenant, probes });
        return;
      }
      for (const p of probes)
        cli.io.stdout.write(
          `Queued a ${p.probe ?? kind} probe ${p.id} of ${p.eventId} (${p.eventType}) to ${p.endpoint}: a running sandbox sends it within a second.\n`,
        );
    });
  }
}
