// What the message tests receive messages with: a real SMTP server in this process (smtp-server)
// whose mails are parsed with mailparser, local HTTP receivers for the chat and webhook channels,
// and a merchant with one failed renewal whose first notice waits in the outbox.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { ChannelSet } from '../../src/adapters/channels/port.ts';
import type { AppConfig } from '../../src/app/http/v1/kit.ts';
import { dispatchDueMessages } from '../../src/app/messages/dispatch.ts';
import { unwrap } from '../../src/app/result.ts';
import { saveStrategy } from '../../src/app/use-cases/save-strategy.ts';
import { updateMerchantSettings } from '../../src/app/use-cases/update-merchant-settings.ts';
import type { StrategyDefinition } from '../../src/domain/strategy/strategy.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import type { TestDatabase } from '../support/db.ts';
import { at } from '../support/world.ts';

export type ReceivedMail = {
  envelope: { from: string; to: string[] };
  raw: string;
  mail: ParsedMail;
};

/** An SMTP server on a free local port; addresses in `refuse` are answered 550 at RCPT TO. */
export async function startSmtpServer(options: { refuse?: string[] } = {}) {
  const received: ReceivedMail[] = [];
  const refuse = new Set((options.refuse ?? []).map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refuse.has(address.address.toLowerCase())) return callback();
      const error = new Error(
        `5.1.1 <${address.address}>: Recipient address rejected: User unknown`,
      );
      (error as Error & { responseCode: number }).responseCode = 550;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        // The 250 goes out only once the mail is stored: when the sender hears "accepted", it is here.
        simpleParser(raw).then(
          (mail) => {
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((a) => a.address),
              },
              raw,
              mail,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** The customer's mailbox as a mail store shows it: one message per Message-ID. */
    mailbox(address: string): ParsedMail[] {
      const seen = new Map<string, ParsedMail>();
      for (const r of received)
        if (r.envelope.to.includes(address)) seen.set(r.mail.messageId ?? r.raw, r.mail);
      return [...seen.values()];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ReceivedRequest = {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
};

/** A local HTTP endpoint that records every request and answers what `respond` says (200 by default). */
export async function startReceiver(
  respond: (req: ReceivedRequest) => { status: number; body?: unknown } = () => ({ status: 200 }),
) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(entry);
      const answer = respond(entry);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '{}' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    json: () => requests.map((r) => JSON.parse(r.body) as Record<string, unknown>),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type MessageWorld = ApiWorld & {
  /** Runs the dispatcher until nothing is left to claim; returns how many it claimed. */
  dispatch(options?: { channels?: ChannelSet; log?: (line: string) => void }): Promise<number>;
  /** A customer whose renewal is declined at `failAt`, opening a case whose first notice is queued. */
  failedRenewal(options?: {
    timeZone?: string;
    failAt?: Date;
    /** A card that declines for insufficient funds until this date, then pays. */
    succeedsFrom?: Date;
    /** Another subscription of the same customer (and card). */
    sameCustomerAs?: string;
  }): Promise<{
    subscriptionId: string;
    customerId: string;
    caseId: string;
  }>;
  /** The operator turns on the BCC switch of the default strategy's first step. */
  bccOnFirstStep(): Promise<void>;
  messageRows(): Promise<Awaited<ReturnType<typeof messageRows>>>;
  eventTypes(prefix?: string): Promise<string[]>;
};

/** A test merchant (gentle 30-day preset, UTC) sending as Shop Billing, with a BCC address. */
export async function createMessageWorld(
  options: { config?: Partial<AppConfig>; start?: Date; database?: TestDatabase } = {},
): Promise<MessageWorld> {
  const world = await createApiWorld({
    preset: 'gentle_30',
    start: options.start ?? at('2026-03-01T00:00:00Z'),
    ...(options.config ? { config: options.config } : {}),
    ...(options.database ? { database: options.database } : {}),
  });
  unwrap(
    await updateMerchantSettings(world.deps, {
      merchantId: world.merchantId,
      name: 'Shop',
      fromAddress: 'billing@shop.example',
      bccAddress: 'audit@shop.example',
    }),
  );
  return {
    ...world,
    async dispatch(o = {}) {
      let total = 0;
      for (;;) {
        const n = await dispatchDueMessages(world.services, {
          limit: 10,
          workerId: 'test-dispatcher',
          leaseMs: 60_000,
          merchantId: world.merchantId,
          ...(o.channels ? { channels: o.channels } : {}),
          log: o.log ?? (() => {}),
        });
        total += n;
        if (n === 0) return total;
      }
    },
    async failedRenewal(o = {}) {
      const failAt = o.failAt ?? at('2026-03-02T10:00:00Z');
      const periodStart = new Date(failAt);
      periodStart.setUTCMonth(periodStart.getUTCMonth() - 1);
      const subscriptionId = await world.subscribe({
        card: o.succeedsFrom ? 'insufficient_funds_until' : 'insufficient_funds',
        periodStart,
        ...(o.succeedsFrom ? { succeedsFrom: o.succeedsFrom } : {}),
        ...(o.timeZone ? { timeZone: o.timeZone } : {}),
        ...(o.sameCustomerAs ? { sameCardAs: o.sameCustomerAs } : {}),
      });
      const now = await world.now();
      await world.advanceTo(now.getTime() > failAt.getTime() ? now : failAt);
      const sub = await world.subscription(subscriptionId);
      const c = await world.latestCase(subscriptionId);
      if (!c) throw new Error('the renewal did not open a case');
      return { subscriptionId, customerId: sub.row.customer_id, caseId: c.case_id };
    },
    async bccOnFirstStep() {
      const strategy = await world.db
        .selectFrom('strategies as s')
        .innerJoin('strategy_versions as v', (j) =>
          j
            .onRef('v.merchant_id', '=', 's.merchant_id')
            .onRef('v.strategy_id', '=', 's.strategy_id')
            .onRef('v.version', '=', 's.current_version'),
        )
        .select(['s.strategy_id', 's.name', 'v.definition'])
        .where('s.merchant_id', '=', world.merchantId)
        .where('s.payment_method_type', '=', 'card')
        .where('s.is_default', '=', true)
        .executeTakeFirstOrThrow();
      const def = strategy.definition as StrategyDefinition;
      unwrap(
        await saveStrategy(world.deps, {
          merchantId: world.merchantId,
          strategyId: strategy.strategy_id,
          name: strategy.name,
          definition: {
            ...def,
            steps: def.steps.map((step, i) =>
              i === 0 ? { ...step, message: { ...step.message, bcc: true } } : step,
            ),
          },
        }),
      );
    },
    messageRows: () => messageRows(world),
    async eventTypes(prefix = '') {
      const rows = await world.db
        .selectFrom('events')
        .select('type')
        .where('merchant_id', '=', world.merchantId)
        .where('type', 'like', `${prefix}%`)
        .orderBy('event_id')
        .execute();
      return rows.map((r) => r.type);
    },
  };
}

function messageRows(world: ApiWorld) {
  return world.db
    .selectFrom('messages')
    .selectAll()
    .where('merchant_id', '=', world.merchantId)
    .orderBy('outbox_id')
    .orderBy('delivery')
    .execute();
}
