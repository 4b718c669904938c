// The public event catalogue: which of the engine's internal events reach a merchant's webhook
// endpoints, under which documented type, with which fields (docs/webhooks.md). Internal events
// not listed here (decisions, queued messages, accruals, …) stay in the event log only, so the
// engine can record what it likes without changing the public contract.

export type FieldType = 'string' | 'integer' | 'boolean' | 'date-time';

export type FieldSpec = {
  type: FieldType;
  /** The field may be null (absent in the internal event). */
  nullable?: boolean;
  /** Name of the internal event's field, when it differs from the public one. */
  from?: string;
  description: string;
};

export type PublicEventSpec = {
  type: string;
  /** Internal event types published under this type. */
  from: readonly string[];
  summary: string;
  fields: Readonly<Record<string, FieldSpec>>;
};

const subscriptionId: FieldSpec = { type: 'string', description: 'The subscription concerned.' };
const caseId: FieldSpec = {
  type: 'string',
  nullable: true,
  description: 'The dunning case, when one is involved.',
};
const currency: FieldSpec = { type: 'string', description: 'ISO 4217 currency code.' };
const cents = (from: string, description: string): FieldSpec => ({
  type: 'integer',
  from,
  description: `${description}, in minor units of \`currency\`.`,
});

/** The fields every message event carries, then those of its kind. */
const messageFields = (extra: Record<string, FieldSpec>): Record<string, FieldSpec> => ({
  subscription_id: { ...subscriptionId, nullable: true },
  case_id: caseId,
  message_id: { type: 'string', description: 'The message.' },
  customer_id: { type: 'string', description: 'The customer written to.' },
  channel: {
    type: 'string',
    description: '`email`, `slack`, `discord`, `telegram` or `webhook`.',
  },
  to: {
    type: 'string',
    nullable: true,
    description: 'The address or destination it went to.',
  },
  template: { type: 'string', nullable: true, description: 'The template used.' },
  step: { type: 'string', nullable: true, description: 'The strategy step that sent it.' },
  intent: {
    type: 'string',
    nullable: true,
    description:
      'What it asks the customer to do: `payment_failed`, `new_payment_method`, `update_payment_method` or `authenticate`.',
  },
  ...extra,
});

const stateChange = (state: string): Record<string, FieldSpec> => ({
  subscription_id: subscriptionId,
  case_id: caseId,
  previous_state: {
    type: 'string',
    from: 'from',
    description: 'The state before: `active`, `past_due`, `unpaid` or `canceled`.',
  },
  state: { type: 'string', from: 'to', description: `The new state, \`${state}\`.` },
  reason: { type: 'string', description: 'Why the state changed.' },
  group_primary_subscription_id: {
    type: 'string',
    nullable: true,
    from: 'via_group_primary',
    description: 'Set when the change follows the group primary’s dunning case.',
  },
});

export const PUBLIC_EVENTS: readonly PublicEventSpec[] = [
  {
    type: 'payment.failed',
    from: ['payment_attempt.failed'],
    summary: 'A charge was declined: a renewal, a retry or a component allocation.',
    fields: {
      subscription_id: subscriptionId,
      case_id: {
        ...caseId,
        description:
          'The dunning case of a retry; null for the renewal or component charge that starts one (see `dunning.started`).',
      },
      attempt_id: {
        type: 'string',
        nullable: true,
        description: 'The payment attempt (null for a component charge).',
      },
      charge_id: {
        type: 'string',
        nullable: true,
        description: 'The component charge, for a component allocation.',
      },
      external_charge_id: {
        type: 'string',
        nullable: true,
        description:
          'Your billing system’s charge id, for a failure reported to `POST /v1/payment_failures`.',
      },
      purpose: {
        type: 'string',
        description: '`renewal`, `retry`, `renewal_retry`, `quick_retry`, `component` or `manual`.',
      },
      amount_in_cents: cents('amount_minor', 'Amount charged'),
      currency,
      decline_code: {
        type: 'string',
        nullable: true,
        from: 'raw_code',
        description: 'The gateway’s raw decline code.',
      },
      decline_category: {
        type: 'string',
        nullable: true,
        from: 'category',
        description:
          '`hard`, `update_method`, `authentication_required`, `insufficient_funds`, `temporary` or `generic`.',
      },
    },
  },
  {
    type: 'dunning.started',
    from: ['dunning_case.opened'],
    summary: 'A dunning case opened for a subscription after a failed charge.',
    fields: {
      subscription_id: subscriptionId,
      case_id: { type: 'string', description: 'The new dunning case.' },
      amount_due_in_cents: cents('amount_due_minor', 'Amount owed'),
      currency,
      decline_category: {
        type: 'string',
        from: 'category',
        description: 'Category of the decline that opened the case.',
      },
      reason: { type: 'string', description: 'What failed.' },
      scope: {
        type: 'string',
        description: '`subscription`, or `group` when a group primary takes its members along.',
      },
      strategy_id: { type: 'string', description: 'The strategy the case follows.' },
      strategy_version: {
        type: 'integer',
        description: 'The strategy version, kept for the life of the case.',
      },
      next_action_at: {
        type: 'date-time',
        nullable: true,
        description: 'When the case acts next (business time).',
      },
    },
  },
  {
    type: 'dunning.retry_attempted',
    from: ['dunning_case.retry_attempted'],
    summary:
      'A dunning case sends a retry to the gateway. Its outcome follows as `payment.failed` or `payment.recovered`.',
    fields: {
      subscription_id: subscriptionId,
      case_id: { type: 'string', description: 'The dunning case.' },
      attempt_id: { type: 'string', description: 'The payment attempt being sent.' },
      amount_in_cents: cents('amount_minor', 'Amount retried'),
      currency,
      step_index: {
        type: 'integer',
        nullable: true,
        description: 'The strategy step the case is at, from 0.',
      },
      trigger: {
        type: 'string',
        nullable: true,
        from: 'scheduled',
        description:
          'What the retry follows: `step` (the strategy), `renewal` (a renewal falling due), `quick` (after a temporary error), `update_link` (the customer’s new method) or `manual` (the merchant’s retry now).',
      },
      why: { type: 'string', description: 'Why the retry goes out now.' },
    },
  },
  {
    type: 'dunning.ended',
    from: [
      'dunning_case.recovered',
      'dunning_case.canceled',
      'dunning_case.unpaid',
      'dunning_case.stopped',
    ],
    summary: 'A dunning case reached its end.',
    fields: {
      subscription_id: subscriptionId,
      case_id: { type: 'string', description: 'The dunning case.' },
      outcome: {
        type: 'string',
        description:
          '`recovered`, `canceled` or `unpaid` (the final action), or `stopped` (canceled subscription, refund, dispute).',
      },
      reason: { type: 'string', description: 'Why the case ended.' },
      amount_due_in_cents: cents('amount_due_minor', 'Amount the case was collecting'),
      currency,
      retries_made: { type: 'integer', description: 'Retries the case sent.' },
    },
  },
  {
    type: 'payment.recovered',
    from: ['payment.recovered'],
    summary: 'A payment cleared the amount a dunning case was collecting.',
    fields: {
      subscription_id: subscriptionId,
      case_id: { type: 'string', description: 'The recovered dunning case.' },
      amount_in_cents: cents('amount_minor', 'Amount paid'),
      currency,
      via: {
        type: 'string',
        description:
          'How: the attempt purpose (`retry`, `renewal_retry`, `quick_retry`, …), `manual_retry` or `external_payment`.',
      },
    },
  },
  {
    type: 'payment.applied',
    from: ['payment.applied'],
    summary: 'A payment made by other means was applied to a subscription’s balance.',
    fields: {
      subscription_id: subscriptionId,
      amount_in_cents: cents('amount_minor', 'Amount applied'),
      currency,
      reference: {
        type: 'string',
        nullable: true,
        description: 'The merchant’s reference for the payment.',
      },
      balance_in_cents: cents('balance_minor', 'Balance left'),
    },
  },
  {
    type: 'balance.written_off',
    from: ['balance.written_off'],
    summary: 'A subscription’s balance was written off.',
    fields: {
      subscription_id: subscriptionId,
      amount_in_cents: cents('amount_minor', 'Amount forgiven'),
      currency,
    },
  },
  {
    type: 'message.sent',
    from: ['message.sent'],
    summary: 'A message to the customer left Dunner: the mail server or the channel accepted it.',
    fields: messageFields({}),
  },
  {
    type: 'message.delivered',
    from: ['message.delivered'],
    summary: 'The receiving side confirmed a message’s delivery.',
    fields: messageFields({}),
  },
  {
    type: 'message.bounced',
    from: ['message.bounced'],
    summary:
      'A message bounced. A hard bounce also marks the address undeliverable (`customer.email_bounced`).',
    fields: messageFields({
      reason: { type: 'string', nullable: true, description: 'The bounce reason.' },
      status_code: {
        type: 'string',
        nullable: true,
        description: 'The mail server’s status code, e.g. `550` or `5.1.1`.',
      },
      source: {
        type: 'string',
        nullable: true,
        description: 'Where the bounce came from: `smtp` at sending, or an inbound notice.',
      },
    }),
  },
  {
    type: 'message.failed',
    from: ['message.failed'],
    summary: 'A message could not be sent and will not be retried.',
    fields: messageFields({
      reason: { type: 'string', nullable: true, description: 'Why it failed.' },
    }),
  },
  {
    type: 'customer.email_bounced',
    from: ['customer.email_bounced'],
    summary: 'A customer’s email address hard-bounced: no more email goes to it until it changes.',
    fields: {
      customer_id: { type: 'string', description: 'The customer.' },
      email: { type: 'string', description: 'The undeliverable address.' },
      reason: { type: 'string', nullable: true, description: 'The bounce reason.' },
      status_code: { type: 'string', nullable: true, description: 'The mail server’s code.' },
      source: { type: 'string', nullable: true, description: 'Where the bounce came from.' },
      message_id: {
        type: 'string',
        nullable: true,
        description: 'The message that bounced, when known.',
      },
    },
  },
  {
    type: 'customer.channel_undeliverable',
    from: ['customer.channel_undeliverable'],
    summary:
      'A customer’s chat or webhook channel no longer exists (e.g. 404/410, a blocked bot) and is not used again.',
    fields: {
      customer_id: { type: 'string', description: 'The customer.' },
      channel: { type: 'string', description: 'The channel given up.' },
      reason: { type: 'string', nullable: true, description: 'Why.' },
      message_id: { type: 'string', nullable: true, description: 'The message that found out.' },
    },
  },
  {
    type: 'subscription.past_due',
    from: ['subscription.past_due'],
    summary: 'A failed charge put the subscription past due.',
    fields: stateChange('past_due'),
  },
  {
    type: 'subscription.unpaid',
    from: ['subscription.unpaid'],
    summary: 'Dunning ended with the `mark_unpaid` final action: no more automatic attempts.',
    fields: stateChange('unpaid'),
  },
  {
    type: 'subscription.canceled',
    from: ['subscription.canceled'],
    summary: 'The subscription was canceled, by the final action or by the merchant.',
    fields: stateChange('canceled'),
  },
  {
    type: 'subscription.reactivated',
    from: ['subscription.reactivated'],
    summary: 'A canceled subscription was reactivated.',
    fields: stateChange('active'),
  },
  {
    type: 'subscription.active',
    from: ['subscription.active'],
    summary: 'A past-due or unpaid subscription is paid up and active again.',
    fields: stateChange('active'),
  },
  {
    type: 'subscription.renewed',
    from: ['subscription.renewed'],
    summary: 'A renewal was paid and the subscription entered a new period.',
    fields: {
      subscription_id: subscriptionId,
      attempt_id: { type: 'string', nullable: true, description: 'The paying attempt.' },
      amount_in_cents: cents('amount_minor', 'Amount paid'),
      currency,
      period_start: {
        type: 'date-time',
        nullable: true,
        description: 'Start of the new period.',
      },
      period_end: { type: 'date-time', nullable: true, description: 'End of the new period.' },
    },
  },
  {
    type: 'payment_method.updated',
    from: ['payment_method.updated'],
    summary:
      'A payment method changed (card updater or customer), or a subscription got a new one; open cases using it retry at once.',
    fields: {
      payment_method_id: { type: 'string', description: 'The new or updated payment method.' },
      subscription_id: {
        type: 'string',
        nullable: true,
        description: 'Set when a subscription switched to this method.',
      },
      replaced_payment_method_id: {
        type: 'string',
        nullable: true,
        from: 'replaced',
        description: 'The method the subscription used before.',
      },
      source: { type: 'string', description: '`card_updater` or `customer`.' },
    },
  },
  {
    type: 'webhook_endpoint.disabled',
    from: ['webhook_endpoint.disabled'],
    summary:
      'A webhook endpoint was disabled: it answered 410 Gone, or the merchant disabled it. It receives nothing until enabled again.',
    fields: {
      webhook_endpoint_id: { type: 'string', description: 'The endpoint.' },
      url: { type: 'string', description: 'Its URL.' },
      reason: { type: 'string', description: 'Why it was disabled.' },
    },
  },
  {
    type: 'webhook_endpoint.pinged',
    from: [],
    summary:
      'A test message, sent only by `POST /v1/webhook_endpoints/:id/test` and only to that endpoint.',
    fields: {
      webhook_endpoint_id: { type: 'string', description: 'The endpoint tested.' },
      message: { type: 'string', description: 'A fixed greeting.' },
    },
  },
];

export const PUBLIC_EVENT_TYPES: readonly string[] = PUBLIC_EVENTS.map((e) => e.type);

const BY_INTERNAL_TYPE = new Map<string, PublicEventSpec>(
  PUBLIC_EVENTS.flatMap((spec) => spec.from.map((internal) => [internal, spec] as const)),
);

export type InternalEvent = {
  type: string;
  occurredAt: Date;
  /** The event's fields, with `subscription_id` and `case_id` alongside its own data. */
  fields: Readonly<Record<string, unknown>>;
};

export type PublicEvent = {
  type: string;
  /** When it happened, in the merchant's business time (its test clock in test mode). */
  timestamp: string;
  data: Record<string, unknown>;
};

/** The public type an internal event is published under, or null when it is not published. */
export function publicTypeOf(internalType: string): string | null {
  return BY_INTERNAL_TYPE.get(internalType)?.type ?? null;
}

/** The public form of an internal event, or null when the event is not published. */
export function toPublicEvent(event: InternalEvent): PublicEvent | null {
  const spec = BY_INTERNAL_TYPE.get(event.type);
  if (!spec) return null;
  return {
    type: spec.type,
    timestamp: event.occurredAt.toISOString(),
    data: publicData(spec, event.fields),
  };
}

/** Exactly the documented fields, in catalogue order; a missing one is null. */
export function publicData(
  spec: PublicEventSpec,
  source: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = source[field.from ?? name];
    data[name] = value === undefined ? null : value;
  }
  return data;
}

export function publicEventSpec(type: string): PublicEventSpec | undefined {
  return PUBLIC_EVENTS.find((e) => e.type === type);
}
