// /v1/messages (the message log), /v1/metrics/email, /v1/bounces (bounce notices in) and
// /v1/customers/:id/channels (where a customer's messages go, and whether their email bounced).
import type {
  ChannelKind,
  MessageRow,
  MessageStatus,
} from '../../../../adapters/db/schema-messages.ts';
import { CHANNEL_KINDS, MESSAGE_STATUSES } from '../../../../adapters/db/schema-messages.ts';
import { type BounceOutcome, reportBounce } from '../../../messages/bounces.ts';
import {
  type ChannelInput,
  type CustomerChannelsView,
  getCustomerChannels,
  presentChannelConfig,
  setCustomerChannels,
} from '../../../messages/customer-channels.ts';
import { type EmailCounts, emailMetrics } from '../../../messages/metrics.ts';
import { getMessage, listMessages, type MessageAttempt } from '../../../messages/read-messages.ts';
import {
  ApiError,
  errorResponses,
  type ListQuery,
  listQuery,
  pageOf,
  pageRequest,
  pageSchema,
  sendResult,
  type V1Plugin,
} from '../kit.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;
const bool = { type: 'boolean' } as const;
const ntime = { type: ['string', 'null'], format: 'date-time' } as const;
const time = { type: 'string', format: 'date-time' } as const;

function objectSchema(description: string, properties: Record<string, unknown>) {
  return { type: 'object', description, properties, required: Object.keys(properties) } as const;
}

// --- presenters ------------------------------------------------------------------------------

function presentMessage(m: MessageRow) {
  return {
    id: m.message_id,
    object: 'message' as const,
    case_id: m.case_id,
    subscription_id: m.subscription_id,
    customer_id: m.customer_id,
    strategy_id: m.strategy_id,
    strategy_version: m.strategy_version,
    step: m.step,
    template: m.template,
    intent: m.intent,
    hard_decline: m.hard_decline,
    channel: m.channel,
    to: m.to_address,
    from: m.from_address,
    bcc: m.bcc_address,
    subject: m.subject,
    status: m.status,
    status_reason: m.status_reason,
    attempts: m.attempts,
    last_error: m.last_error,
    dedupe_key: m.dedupe_key,
    provider_id: m.provider_id,
    update_link_id: m.update_link_id,
    queued_at: m.queued_at.toISOString(),
    deferred_until: iso(m.deferred_until),
    sent_at: iso(m.sent_at),
    delivered_at: iso(m.delivered_at),
    bounced_at: iso(m.bounced_at),
    failed_at: iso(m.failed_at),
    canceled_at: iso(m.canceled_at),
    stored_at: iso(m.stored_at),
  };
}

const messageProperties = {
  id: str,
  object: { type: 'string', enum: ['message'] },
  case_id: nstr,
  subscription_id: nstr,
  customer_id: str,
  strategy_id: nstr,
  strategy_version: nint,
  step: { type: 'string', description: 'step_1, step_2, …, final, or hard_decline.' },
  template: str,
  intent: str,
  hard_decline: bool,
  channel: { type: 'string', enum: [...CHANNEL_KINDS] },
  to: { type: ['string', 'null'], description: 'Email address, chat id, or webhook host.' },
  from: nstr,
  bcc: nstr,
  subject: nstr,
  status: { type: 'string', enum: [...MESSAGE_STATUSES] },
  status_reason: {
    type: ['string', 'null'],
    description: 'Why it is deferred, canceled, failed or bounced.',
  },
  attempts: int,
  last_error: nstr,
  dedupe_key: {
    type: 'string',
    description:
      'The same on every attempt: the email Message-ID’s local part, the webhook Idempotency-Key.',
  },
  provider_id: nstr,
  update_link_id: nstr,
  queued_at: time,
  deferred_until: ntime,
  sent_at: ntime,
  delivered_at: ntime,
  bounced_at: ntime,
  failed_at: ntime,
  canceled_at: ntime,
  stored_at: ntime,
};

const messageSchema = objectSchema(
  'A message to a customer on one channel (a fallback to another channel is another message).',
  messageProperties,
);

const attemptSchema = objectSchema('One call to the provider.', {
  attempt: int,
  channel: str,
  started_at: time,
  finished_at: ntime,
  outcome: {
    type: ['string', 'null'],
    enum: ['accepted', 'bounced', 'rejected', 'failed', 'unknown', null],
  },
  provider_id: nstr,
  error: nstr,
});

const messageDetailSchema = objectSchema('A message with its bodies and provider attempts.', {
  ...messageProperties,
  text: nstr,
  html: nstr,
  provider_attempts: { type: 'array', items: attemptSchema },
});

function presentAttempt(a: MessageAttempt) {
  return {
    attempt: a.attempt,
    channel: a.channel,
    started_at: a.startedAt.toISOString(),
    finished_at: iso(a.finishedAt),
    outcome: a.outcome,
    provider_id: a.providerId,
    error: a.error,
  };
}

const countsProperties = {
  sent: {
    type: 'integer',
    description: 'Emails handed to the SMTP server (a refusal on the spot is a bounce).',
  },
  delivered: { type: 'integer', description: 'Sent and not bounced.' },
  bounced: int,
  clicks: { type: 'integer', description: 'Visits of the update links these emails carried.' },
  clicked: { type: 'integer', description: 'Emails whose update link was visited at least once.' },
  recoveries: {
    type: 'integer',
    description: 'Cases recovered within recovery_days after one of these emails was sent.',
  },
};

const emailMetricsSchema = objectSchema('Email metrics for a period, by strategy and step.', {
  object: { type: 'string', enum: ['email_metrics'] },
  from: ntime,
  to: ntime,
  include_hard_decline: bool,
  recovery_days: int,
  totals: objectSchema('All emails of the period.', countsProperties),
  by_strategy_step: {
    type: 'array',
    items: objectSchema('Emails of one step of one strategy.', {
      strategy_id: nstr,
      strategy_name: nstr,
      step: str,
      ...countsProperties,
    }),
  },
});

const counts = (c: EmailCounts) => ({
  sent: c.sent,
  delivered: c.delivered,
  bounced: c.bounced,
  clicks: c.clicks,
  clicked: c.clicked,
  recoveries: c.recoveries,
});

const bounceReportSchema = objectSchema('What a bounce notice changed.', {
  object: { type: 'string', enum: ['bounce_report'] },
  results: {
    type: 'array',
    items: objectSchema('One address of the notice.', {
      email: str,
      outcome: {
        type: 'string',
        enum: ['suppressed', 'already_suppressed', 'delivered', 'ignored'],
      },
      reason: str,
      message_id: nstr,
      fallback_message_id: {
        type: ['string', 'null'],
        description: 'The same message queued on the customer’s next channel, if they have one.',
      },
    }),
  },
});

const presentBounce = (r: BounceOutcome) => ({
  email: r.email,
  outcome: r.outcome,
  reason: r.reason,
  message_id: r.messageId,
  fallback_message_id: r.fallbackMessageId,
});

const channelItemSchema = {
  type: 'object',
  required: ['type', 'status', 'status_reason'],
  properties: {
    type: { type: 'string', enum: [...CHANNEL_KINDS] },
    status: { type: 'string', enum: ['active', 'undeliverable'] },
    status_reason: nstr,
    webhook_url: {
      type: 'string',
      description: 'Slack or Discord: shown without its secret path.',
    },
    chat_id: nstr,
    url: nstr,
    secret_set: bool,
  },
} as const;

const customerChannelsSchema = objectSchema(
  'Where a customer’s messages go, in order of preference.',
  {
    object: { type: 'string', enum: ['customer_channels'] },
    customer_id: str,
    email: str,
    email_status: {
      type: 'string',
      enum: ['deliverable', 'undeliverable'],
      description: 'undeliverable once the address bounced: no email goes to it.',
    },
    email_undeliverable_reason: nstr,
    default: { type: 'boolean', description: 'True when no channels are set: email is used.' },
    channels: { type: 'array', items: channelItemSchema },
  },
);

function presentChannels(v: CustomerChannelsView) {
  return {
    object: 'customer_channels' as const,
    customer_id: v.customerId,
    email: v.email,
    email_status: v.emailStatus,
    email_undeliverable_reason: v.emailUndeliverableReason,
    default: !v.custom,
    channels: v.channels.map((c) => ({
      type: c.channel,
      status:
        c.channel === 'email' && v.emailStatus === 'undeliverable' ? 'undeliverable' : c.status,
      status_reason:
        c.channel === 'email' && v.emailStatus === 'undeliverable'
          ? v.emailUndeliverableReason
          : c.status_reason,
      ...presentChannelConfig(c.channel, c.config),
    })),
  };
}

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

// Bounce notices arrive as JSON, or as the bounce email itself (RFC 3464 multipart/report).
const RAW_TYPES = ['message/rfc822', 'multipart/report', 'text/plain'] as const;
const rawReport = {
  type: 'string',
  minLength: 1,
  description: 'The DSN email (RFC 3464), whole or from its multipart/report body.',
} as const;

type ListMessagesQuery = ListQuery & {
  case_id?: string;
  customer_id?: string;
  status?: MessageStatus;
  channel?: ChannelKind;
};

type MetricsQuery = {
  from?: string;
  to?: string;
  include_hard_decline: boolean;
  recovery_days: number;
  strategy_id?: string;
  step?: string;
};

type BounceJson = {
  email: string;
  kind: 'hard' | 'soft' | 'complaint' | 'delivered';
  message_id?: string;
  reason?: string;
};

const plugin: V1Plugin = async (app, { services }) => {
  app.addContentTypeParser([...RAW_TYPES], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  app.get<{ Querystring: ListMessagesQuery }>(
    '/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first',
        description:
          'Filter by case, customer, status or channel. Bodies are left out of lists: GET /v1/messages/{id} has them.',
        querystring: listQuery({
          case_id: { type: 'string', minLength: 1, maxLength: 100 },
          customer_id: { type: 'string', minLength: 1, maxLength: 100 },
          status: { type: 'string', enum: [...MESSAGE_STATUSES] },
          channel: { type: 'string', enum: [...CHANNEL_KINDS] },
        }),
        response: { 200: pageSchema(messageSchema), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listMessages(services.db, {
        merchantId: request.caller.merchantId,
        ...pageRequest(q),
        ...(q.case_id ? { caseId: q.case_id } : {}),
        ...(q.customer_id ? { customerId: q.customer_id } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
      });
      if (!rows.ok) throw ApiError.from(rows.error);
      return pageOf(rows.value, q.limit, (m) => m.message_id, presentMessage);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Retrieve a message with its subject, text and HTML bodies and its attempts',
        params: idParams,
        response: { 200: messageDetailSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getMessage(services.db, request.caller.merchantId, request.params.id),
        ({ message, attempts }) => ({
          ...presentMessage(message),
          text: message.text_body,
          html: message.html_body,
          provider_attempts: attempts.map(presentAttempt),
        }),
      ),
  );

  app.get<{ Querystring: MetricsQuery }>(
    '/metrics/email',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Email metrics by strategy and step: sent, delivered, bounced, clicks, recoveries',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time', description: 'Emails sent at or after.' },
            to: { type: 'string', format: 'date-time', description: 'Emails sent before.' },
            include_hard_decline: {
              type: 'boolean',
              default: true,
              description: 'Count the hard-decline emails (SPEC section 4) too.',
            },
            recovery_days: { type: 'integer', minimum: 1, maximum: 90, default: 7 },
            strategy_id: { type: 'string', minLength: 1, maxLength: 100 },
            step: { type: 'string', minLength: 1, maxLength: 50 },
          },
        },
        response: { 200: emailMetricsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? new Date(q.from) : null;
      const to = q.to ? new Date(q.to) : null;
      if (from && to && from.getTime() >= to.getTime())
        throw new ApiError('invalid_field', 'from must be before to', 'from');
      const metrics = await emailMetrics(services.db, {
        merchantId: request.caller.merchantId,
        from,
        to,
        includeHardDecline: q.include_hard_decline,
        recoveryDays: q.recovery_days,
        strategyId: q.strategy_id ?? null,
        step: q.step ?? null,
      });
      return {
        object: 'email_metrics',
        from: iso(from),
        to: iso(to),
        include_hard_decline: q.include_hard_decline,
        recovery_days: q.recovery_days,
        totals: counts(metrics.totals),
        by_strategy_step: metrics.groups.map((g) => ({
          strategy_id: g.strategyId,
          strategy_name: g.strategyName,
          step: g.step,
          ...counts(g),
        })),
      };
    },
  );

  app.post<{ Body: BounceJson | string }>(
    '/bounces',
    {
      schema: {
        tags: ['messages'],
        summary: 'Report a bounce: a DSN email, or { email, kind }',
        description:
          'Send the bounce email as it arrived (Content-Type: message/rfc822, or its multipart/report ' +
          'body with that Content-Type), or JSON { email, kind: hard | soft | complaint | delivered }. ' +
          'A hard bounce or complaint marks the address undeliverable: no email goes to it again, the ' +
          'message falls back to the customer’s next channel, and customer.email_bounced and ' +
          'message.bounced events are sent.',
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['email', 'kind'],
                additionalProperties: false,
                properties: {
                  email: {
                    type: 'string',
                    minLength: 3,
                    maxLength: 320,
                    pattern: '^[^\\s@]+@[^\\s@]+$',
                  },
                  kind: { type: 'string', enum: ['hard', 'soft', 'complaint', 'delivered'] },
                  message_id: { type: 'string', minLength: 1, maxLength: 100 },
                  reason: { type: 'string', maxLength: 1000 },
                },
              },
            },
            ...Object.fromEntries(RAW_TYPES.map((t) => [t, { schema: rawReport }])),
          },
        },
        response: { 200: bounceReportSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await reportBounce(
        services,
        request.caller.merchantId,
        typeof body === 'string'
          ? {
              kind: 'dsn',
              raw: body,
              contentType: String(request.headers['content-type'] ?? ''),
            }
          : {
              kind: 'json',
              email: body.email,
              type: body.kind,
              messageId: body.message_id ?? null,
              reason: body.reason ?? null,
            },
      );
      return sendResult(reply, result, (results) => ({
        object: 'bounce_report',
        results: results.map(presentBounce),
      }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/customers/:id/channels',
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer’s message channels in order of preference, and their email status',
        params: idParams,
        response: { 200: customerChannelsSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getCustomerChannels(services.db, request.caller.merchantId, request.params.id),
        presentChannels,
      ),
  );

  app.put<{ Params: { id: string }; Body: { channels: ChannelInput[] } }>(
    '/customers/:id/channels',
    {
      schema: {
        tags: ['customers'],
        summary: 'Replace a customer’s message channels; the order is the order of preference',
        description:
          'A message goes to the first channel that can reach the customer and falls back to the next ' +
          'on a bounce or refusal. An empty list returns to the default: email. email: {}; slack and ' +
          'discord: { webhook_url }; telegram: { chat_id } (the merchant’s bot token is in its ' +
          'settings); webhook: { url, secret } (signed per Standard Webhooks).',
        params: idParams,
        body: {
          type: 'object',
          required: ['channels'],
          additionalProperties: false,
          properties: {
            channels: {
              type: 'array',
              maxItems: CHANNEL_KINDS.length,
              items: {
                type: 'object',
                required: ['type'],
                additionalProperties: false,
                properties: {
                  type: { type: 'string', enum: [...CHANNEL_KINDS] },
                  webhook_url: { type: 'string', minLength: 1, maxLength: 2000 },
                  chat_id: { type: ['string', 'integer'] },
                  url: { type: 'string', minLength: 1, maxLength: 2000 },
                  secret: { type: 'string', minLength: 16, maxLength: 500 },
                },
              },
            },
          },
        },
        response: { 200: customerChannelsSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await setCustomerChannels(
          services.db,
          request.caller.merchantId,
          request.params.id,
          request.body.channels,
          services.config,
        ),
        presentChannels,
      ),
  );
};

export default plugin;
