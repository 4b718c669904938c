// One JSON shape per API resource: snake_case, `id` and `object`, money as `*_in_cents` with its
// `currency`, timestamps as ISO 8601 strings in UTC. Routes and other API areas reuse these so a
// resource looks the same wherever it appears. Each presenter has its response schema beside it.

import type {
  CustomerRow,
  MerchantRow,
  PaymentMethodRow,
  SubscriptionRow,
} from '../../../adapters/db/schema.ts';
import { controlShareOf } from '../../../domain/experiment/control-group.ts';
import { contactRulesOf } from '../../../domain/messages/contact-rules.ts';
import type { StrategyDefinition } from '../../../domain/strategy/strategy.ts';
import { entitlement, graceEndsAt } from '../../../domain/subscription/entitlement.ts';
import { hardDeclineDunningOf } from '../../engine/hard-decline-message.ts';

// --- request schema pieces -------------------------------------------------------------------

/** Free text of 1 to `maxLength` characters. */
export const text = (maxLength: number, extra: Record<string, unknown> = {}) =>
  ({ type: 'string', minLength: 1, maxLength, ...extra }) as const;

/** An object id in a body or a query string. */
export const idField = text(100);

/** The `:id` of a route. */
export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: idField },
} as const;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

// JSON-schema fragments for the response schemas below.
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;
const bool = { type: 'boolean' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const ntime = { type: ['string', 'null'], format: 'date-time' } as const;

function objectSchema(
  name: string,
  properties: Record<string, unknown>,
): { type: 'object'; properties: Record<string, unknown>; required: string[] } & Record<
  string,
  unknown
> {
  return {
    type: 'object',
    description: name,
    properties,
    required: Object.keys(properties),
  };
}

// --- customer -------------------------------------------------------------------------------

export type CustomerJson = ReturnType<typeof presentCustomer>;

export function presentCustomer(row: CustomerRow) {
  return {
    id: row.customer_id,
    object: 'customer' as const,
    name: row.name,
    email: row.email,
    locale: row.locale,
    time_zone: row.time_zone,
    created_at: row.created_at.toISOString(),
  };
}

export const customerSchema = objectSchema('A customer of the merchant.', {
  id: str,
  object: { type: 'string', enum: ['customer'] },
  name: str,
  email: str,
  locale: str,
  time_zone: str,
  created_at: time,
});

// --- payment method ---------------------------------------------------------------------------

export type PaymentMethodJson = ReturnType<typeof presentPaymentMethod>;

/** Never the gateway token: only what identifies the method to a person. */
export function presentPaymentMethod(row: PaymentMethodRow) {
  return {
    id: row.payment_method_id,
    object: 'payment_method' as const,
    customer_id: row.customer_id,
    type: row.type,
    gateway: row.gateway,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.exp_month,
    exp_year: row.exp_year,
    updated_at: iso(row.changed_at),
    created_at: row.created_at.toISOString(),
  };
}

export const paymentMethodSchema = objectSchema(
  'A payment method: its type and display details, never a card number.',
  {
    id: str,
    object: { type: 'string', enum: ['payment_method'] },
    customer_id: str,
    type: { type: 'string', enum: ['card', 'ach', 'direct_debit', 'pay_link'] },
    gateway: str,
    brand: nstr,
    last4: nstr,
    exp_month: nint,
    exp_year: nint,
    updated_at: ntime,
    created_at: time,
  },
);

// --- subscription -----------------------------------------------------------------------------

export type SubscriptionJson = ReturnType<typeof presentSubscription>;

/** `now` is the merchant's business time: entitlement depends on where the grace period stands. */
export function presentSubscription(row: SubscriptionRow, now: Date) {
  const ent = { state: row.state, graceDays: row.grace_days, pastDueSince: row.past_due_since };
  return {
    id: row.subscription_id,
    object: 'subscription' as const,
    customer_id: row.customer_id,
    payment_method_id: row.payment_method_id,
    primary_subscription_id: row.primary_subscription_id,
    product_name: row.product_name,
    price_in_cents: row.price_minor,
    currency: row.currency,
    interval: row.billing_interval,
    interval_count: row.interval_count,
    auto_renew: row.auto_renew,
    billing: row.billing,
    grace_days: row.grace_days,
    state: row.state,
    entitlement: entitlement(ent, now),
    grace_ends_at: iso(graceEndsAt(ent)),
    balance_in_cents: row.balance_minor,
    current_period_start: row.current_period_start.toISOString(),
    current_period_end: row.current_period_end.toISOString(),
    next_renewal_at: iso(row.next_renewal_at),
    past_due_since: iso(row.past_due_since),
    canceled_at: iso(row.canceled_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export const subscriptionSchema = objectSchema(
  'A subscription: its state, the access it grants (`entitlement`) and what is owed.',
  {
    id: str,
    object: { type: 'string', enum: ['subscription'] },
    customer_id: str,
    payment_method_id: nstr,
    primary_subscription_id: nstr,
    product_name: str,
    price_in_cents: int,
    currency: str,
    interval: { type: 'string', enum: ['day', 'week', 'month', 'year'] },
    interval_count: int,
    auto_renew: bool,
    billing: { type: 'string', enum: ['dunner', 'external'] },
    grace_days: int,
    state: { type: 'string', enum: ['active', 'past_due', 'unpaid', 'canceled'] },
    entitlement: { type: 'string', enum: ['full', 'limited', 'none'] },
    grace_ends_at: ntime,
    balance_in_cents: int,
    current_period_start: time,
    current_period_end: time,
    next_renewal_at: ntime,
    past_due_since: ntime,
    canceled_at: ntime,
    created_at: time,
    updated_at: time,
  },
);

// --- strategy ---------------------------------------------------------------------------------

export type StrategyDefinitionJson = {
  payment_method_type: StrategyDefinition['paymentMethodType'];
  steps: { day: number; retry: boolean; message: MessageJson }[];
  final: { day: number; action: StrategyDefinition['final']['action']; message: MessageJson };
  smart_retries: boolean;
  dun_on_component_failure: boolean;
};
type MessageJson = { enabled: boolean; template: string; bcc: boolean };

export function presentStrategyDefinition(def: StrategyDefinition): StrategyDefinitionJson {
  const msg = (m: StrategyDefinition['final']['message']): MessageJson => ({
    enabled: m.enabled,
    template: m.template,
    bcc: m.bcc,
  });
  return {
    payment_method_type: def.paymentMethodType,
    steps: def.steps.map((s) => ({ day: s.day, retry: s.retry, message: msg(s.message) })),
    final: { day: def.final.day, action: def.final.action, message: msg(def.final.message) },
    smart_retries: def.smartRetries,
    dun_on_component_failure: def.dunOnComponentFailure,
  };
}

/** The API's snake_case definition back to the domain's; the request schema has checked its shape. */
export function strategyDefinitionFromJson(json: StrategyDefinitionJson): StrategyDefinition {
  return {
    paymentMethodType: json.payment_method_type,
    steps: json.steps.map((s) => ({ day: s.day, retry: s.retry, message: { ...s.message } })),
    final: { day: json.final.day, action: json.final.action, message: { ...json.final.message } },
    smartRetries: json.smart_retries,
    dunOnComponentFailure: json.dun_on_component_failure,
  };
}

const messageSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['enabled', 'template', 'bcc'],
  properties: {
    enabled: bool,
    template: { type: 'string', maxLength: 100 },
    bcc: bool,
  },
} as const;

/** Also the request schema of a full definition (POST /v1/strategies). */
export const strategyDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['payment_method_type', 'steps', 'final', 'smart_retries', 'dun_on_component_failure'],
  properties: {
    payment_method_type: { type: 'string', enum: ['card', 'ach', 'direct_debit', 'pay_link'] },
    steps: {
      type: 'array',
      maxItems: 60,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'retry', 'message'],
        properties: {
          day: { type: 'integer', minimum: 1, maximum: 120 },
          retry: bool,
          message: messageSpecSchema,
        },
      },
    },
    final: {
      type: 'object',
      additionalProperties: false,
      required: ['day', 'action', 'message'],
      properties: {
        day: { type: 'integer', minimum: 1, maximum: 120 },
        action: { type: 'string', enum: ['cancel', 'mark_unpaid'] },
        message: messageSpecSchema,
      },
    },
    smart_retries: bool,
    dun_on_component_failure: bool,
  },
} as const;

export type StrategyRow = {
  strategy_id: string;
  name: string;
  payment_method_type: StrategyDefinition['paymentMethodType'];
  preset: string | null;
  is_default: boolean;
  current_version: number;
  created_at: Date;
};

export function presentStrategy(
  row: StrategyRow,
  definition: StrategyDefinition,
  versions?: { version: number; created_at: Date }[],
) {
  return {
    id: row.strategy_id,
    object: 'strategy' as const,
    name: row.name,
    payment_method_type: row.payment_method_type,
    preset: row.preset,
    is_default: row.is_default,
    current_version: row.current_version,
    definition: presentStrategyDefinition(definition),
    ...(versions
      ? {
          versions: versions.map((v) => ({
            version: v.version,
            created_at: v.created_at.toISOString(),
          })),
        }
      : {}),
    created_at: row.created_at.toISOString(),
  };
}

const strategyProperties = {
  id: str,
  object: { type: 'string', enum: ['strategy'] },
  name: str,
  payment_method_type: { type: 'string', enum: ['card', 'ach', 'direct_debit', 'pay_link'] },
  preset: nstr,
  is_default: bool,
  current_version: int,
  definition: strategyDefinitionSchema,
  created_at: time,
};

export const strategySchema = {
  ...objectSchema('A dunning strategy at its current version.', strategyProperties),
  properties: {
    ...strategyProperties,
    // Only on GET /v1/strategies/:id.
    versions: {
      type: 'array',
      description: 'Every version, oldest first; running cases keep the version they started on.',
      items: objectSchema('A version of the strategy.', { version: int, created_at: time }),
    },
  },
};

// --- merchant ---------------------------------------------------------------------------------

export function presentMerchant(row: MerchantRow) {
  // The rules in force: a merchant who never set them has the defaults the dispatcher applies.
  const rules = contactRulesOf(row.settings);
  const hardDecline = hardDeclineDunningOf(row.settings);
  return {
    id: row.merchant_id,
    object: 'merchant' as const,
    name: row.name,
    mode: row.mode,
    from_address: row.from_address,
    bcc_address: row.bcc_address,
    support_contact: row.support_contact,
    default_grace_days: row.default_grace_days,
    quiet_hours: rules.quietHours,
    message_cap: rules.cap ? { max: rules.cap.max, per_days: rules.cap.perDays } : null,
    hard_decline_dunning: hardDecline,
    telegram_bot_configured: typeof row.settings?.telegram_bot_token === 'string',
    control_share: controlShareOf(row.settings, row.mode),
    test_clock_now: iso(row.test_clock_at),
    created_at: row.created_at.toISOString(),
  };
}

export const merchantSchema = objectSchema('The merchant the API key belongs to, with settings.', {
  id: str,
  object: { type: 'string', enum: ['merchant'] },
  name: str,
  mode: { type: 'string', enum: ['test', 'live'] },
  from_address: nstr,
  bcc_address: nstr,
  support_contact: nstr,
  default_grace_days: int,
  quiet_hours: {
    type: ['object', 'null'],
    description: 'No message goes out between start and end, in the customer’s time zone.',
    required: ['start', 'end'],
    properties: { start: str, end: str },
  },
  message_cap: {
    type: ['object', 'null'],
    description: 'At most `max` messages per customer in any `per_days` days.',
    required: ['max', 'per_days'],
    properties: { max: int, per_days: int },
  },
  hard_decline_dunning: {
    type: 'object',
    description:
      '`available` is set by the operator; the merchant turns `active` on once it is available.',
    required: ['available', 'active'],
    properties: { available: bool, active: bool },
  },
  telegram_bot_configured: bool,
  control_share: {
    type: 'number',
    description:
      'Share of new cases held out as the control group, run at fixed step times, so GET /v1/metrics can show what smart retries add (default 0.05 in live mode, 0 in test mode).',
  },
  test_clock_now: ntime,
  created_at: time,
});

// --- event ------------------------------------------------------------------------------------

export type EventRow = {
  event_id: number;
  type: string;
  subscription_id: string | null;
  case_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
};

export const eventIdOf = (eventId: number): string => `evt_${eventId}`;

export function presentEvent(row: EventRow) {
  return {
    id: eventIdOf(row.event_id),
    object: 'event' as const,
    type: row.type,
    subscription_id: row.subscription_id,
    case_id: row.case_id,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data,
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
  };
}

export const eventSchema = objectSchema(
  'An entry of the append-only event log. `occurred_at` is business time (the test clock in test mode).',
  {
    id: str,
    object: { type: 'string', enum: ['event'] },
    type: str,
    subscription_id: nstr,
    case_id: nstr,
    data: { type: 'object', additionalProperties: true },
    occurred_at: time,
    recorded_at: time,
  },
);

// --- API key ----------------------------------------------------------------------------------

export type ApiKeyRow = {
  key_id: string;
  mode: 'test' | 'live';
  prefix: string;
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

/** Never the key: only its first characters, to tell keys apart. */
export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.key_id,
    object: 'api_key' as const,
    mode: row.mode,
    prefix: row.prefix,
    label: row.label,
    created_at: row.created_at.toISOString(),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

const apiKeyProperties = {
  id: str,
  object: { type: 'string', enum: ['api_key'] },
  mode: { type: 'string', enum: ['test', 'live'] },
  prefix: str,
  label: str,
  created_at: time,
  last_used_at: ntime,
  revoked_at: ntime,
};

export const apiKeySchema = objectSchema(
  'An API key: its prefix and dates. The key itself is shown only once, when it is created.',
  apiKeyProperties,
);

export const apiKeyWithSecretSchema = objectSchema(
  'A new API key. `secret` is the key to send as `Authorization: Bearer <secret>`; it is shown this once and cannot be read again.',
  { ...apiKeyProperties, secret: str },
);

// --- test clock -------------------------------------------------------------------------------

export function presentTestClock(merchantId: string, now: Date) {
  return { object: 'test_clock' as const, merchant_id: merchantId, now: now.toISOString() };
}

export const testClockSchema = objectSchema('A test merchant’s clock.', {
  object: { type: 'string', enum: ['test_clock'] },
  merchant_id: str,
  now: time,
});
