// JSON shapes of dunning cases (with their timeline), payment attempts and reported payment
// failures, each with its response schema. Same conventions as present.ts: snake_case, `id` and
// `object`, money as `*_in_cents` with its `currency`, ISO 8601 UTC timestamps.
import type { PaymentFailureRow } from '../../../adapters/db/schema-api.ts';
import { CASE_STATUSES } from '../../../domain/case/case.ts';
import type { RawDecline } from '../../../domain/declines/classify.ts';
import type {
  CaseListRow,
  CaseTimeline,
  NextAction,
  TimelineAttempt,
  TimelineMessage,
} from '../../use-cases/read-dunning-cases.ts';
import { eventIdOf } from './present.ts';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;
const bool = { type: 'boolean' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const ntime = { type: ['string', 'null'], format: 'date-time' } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

function objectSchema(description: string, properties: Record<string, unknown>, nullable = false) {
  return {
    type: nullable ? ['object', 'null'] : 'object',
    description,
    properties,
    required: Object.keys(properties),
  };
}

// --- dunning case -----------------------------------------------------------------------------

export function presentCase(row: CaseListRow) {
  return {
    id: row.case_id,
    object: 'dunning_case' as const,
    subscription_id: row.subscription_id,
    customer_id: row.customer_id,
    status: row.status,
    outcome_reason: row.outcome_reason,
    scope: row.scope,
    payment_method_id: row.payment_method_id,
    payment_method_type: row.payment_method_type,
    strategy_id: row.strategy_id,
    strategy_version: row.strategy_version,
    amount_due_in_cents: row.amount_due_minor,
    currency: row.currency,
    last_decline_category: row.last_category,
    awaiting_new_payment_method: row.awaiting_new_method,
    step_index: row.step_index,
    retries_made: row.retries_made,
    next_action_at: iso(row.next_action_at),
    opened_at: row.opened_at.toISOString(),
    closed_at: iso(row.closed_at),
    updated_at: row.updated_at.toISOString(),
  };
}

const caseProperties = {
  id: str,
  object: { type: 'string', enum: ['dunning_case'] },
  subscription_id: str,
  customer_id: str,
  status: { type: 'string', enum: CASE_STATUSES },
  outcome_reason: { ...nstr, description: 'Why the case ended, once it has.' },
  scope: {
    type: 'string',
    enum: ['subscription', 'group'],
    description: '`group`: a group primary failed and its members follow the case.',
  },
  payment_method_id: nstr,
  payment_method_type: { type: 'string', enum: ['card', 'ach', 'direct_debit', 'pay_link'] },
  strategy_id: str,
  strategy_version: { ...int, description: 'The version the case runs; later edits do not apply.' },
  amount_due_in_cents: int,
  currency: str,
  last_decline_category: {
    type: ['string', 'null'],
    description: 'Category of the latest decline: hard, update_method, authentication_required, …',
  },
  awaiting_new_payment_method: bool,
  step_index: {
    ...int,
    description: 'Index of the next schedule entry (steps, then the final step).',
  },
  retries_made: int,
  next_action_at: ntime,
  opened_at: { ...time, description: 'The first failure: day 1 of the schedule.' },
  closed_at: ntime,
  updated_at: time,
} as const;

export const caseSchema = objectSchema(
  'A dunning case: one subscription in recovery.',
  caseProperties,
);

// --- timeline ---------------------------------------------------------------------------------

/** The codes `rawCodeOf` joined: "generic_decline / network 05 / advice 03", "05 / MAC 03". */
function codesOf(rawCode: string | null) {
  const parts = rawCode ? rawCode.split(' / ') : [];
  const tagged = (tag: string) =>
    parts.find((p) => p.startsWith(`${tag} `))?.slice(tag.length + 1) ?? null;
  return {
    code: parts[0] ?? null,
    network_decline_code: tagged('network'),
    network_advice_code: tagged('advice'),
    merchant_advice_code: tagged('MAC'),
  };
}

function adviceOf(advice: unknown) {
  const a = advice as { kind?: unknown; source?: unknown; afterMs?: unknown } | null;
  if (!a || typeof a.kind !== 'string' || a.kind === 'none') return null;
  return {
    kind: a.kind,
    source: typeof a.source === 'string' ? a.source : null,
    retry_after_ms: typeof a.afterMs === 'number' ? a.afterMs : null,
  };
}

export function presentAttempt(a: TimelineAttempt) {
  return {
    id: a.attempt_id,
    object: 'payment_attempt' as const,
    purpose: a.purpose,
    status: a.status,
    amount_in_cents: a.amount_minor,
    currency: a.currency,
    raw_code: a.raw_code,
    codes: codesOf(a.raw_code),
    category: a.category,
    classification: a.classification,
    why: a.why,
    network: a.network,
    visa_category: a.visa_category,
    advice: adviceOf(a.advice),
    external_charge_id: a.external_charge_id,
    requested_at: a.requested_at.toISOString(),
    completed_at: iso(a.completed_at),
  };
}

export const attemptSchema = objectSchema(
  'A payment attempt: what was charged, what the gateway or network answered, and how we read it.',
  {
    id: str,
    object: { type: 'string', enum: ['payment_attempt'] },
    purpose: {
      type: 'string',
      enum: ['renewal', 'retry', 'renewal_retry', 'quick_retry', 'component', 'manual'],
    },
    status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
    amount_in_cents: int,
    currency: str,
    raw_code: {
      ...nstr,
      description: 'The codes as received, e.g. "insufficient_funds / network 51".',
    },
    codes: objectSchema('The raw code split into its parts.', {
      code: nstr,
      network_decline_code: nstr,
      network_advice_code: nstr,
      merchant_advice_code: nstr,
    }),
    category: nstr,
    classification: {
      ...nstr,
      description: 'Which table and rule gave the category, with sources.',
    },
    why: { ...nstr, description: 'Why the attempt was made.' },
    network: nstr,
    visa_category: nint,
    advice: objectSchema(
      'The network’s advice about retrying this credential.',
      {
        kind: { type: 'string', enum: ['do_not_retry', 'retry_after'] },
        source: nstr,
        retry_after_ms: nint,
      },
      true,
    ),
    external_charge_id: {
      ...nstr,
      description: 'Set when the failure was reported by the merchant’s billing system.',
    },
    requested_at: time,
    completed_at: ntime,
  },
);

function presentMessage(m: TimelineMessage) {
  return {
    id: m.id,
    channel: m.channel,
    template: m.template,
    step: m.step,
    status: m.status,
    queued_at: m.queuedAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
    history: m.history.map((h) => ({
      status: h.status,
      at: h.at.toISOString(),
      details: h.details,
    })),
  };
}

const messageSchema = objectSchema('A message to the customer and what became of it.', {
  id: str,
  channel: str,
  template: nstr,
  step: nstr,
  status: {
    type: 'string',
    description: 'The latest: queued, sent, delivered, bounced, … or canceled (never sent).',
  },
  queued_at: time,
  updated_at: time,
  history: {
    type: 'array',
    items: objectSchema('One status change.', { status: str, at: time, details: anyObject }),
  },
});

function presentNextAction(n: NextAction | null) {
  if (!n) return null;
  return {
    at: n.at.toISOString(),
    kind: n.kind,
    step_index: n.stepIndex,
    day: n.day,
    retry: n.retry,
    message_template: n.messageTemplate,
    final_action: n.finalAction,
    why: n.why,
  };
}

const nextActionSchema = objectSchema(
  'What the engine does next and when; null once the case has ended.',
  {
    at: time,
    kind: { type: 'string', enum: ['step', 'final', 'renewal_retry', 'quick_retry', 'recheck'] },
    step_index: int,
    day: int,
    retry: { ...bool, description: 'A charge is planned (the network rules are checked then).' },
    message_template: nstr,
    final_action: { type: ['string', 'null'], enum: ['cancel', 'mark_unpaid', null] },
    why: str,
  },
  true,
);

export function presentCaseTimeline(t: CaseTimeline) {
  return {
    ...presentCase(t.row),
    strategy: t.strategy,
    next_action: presentNextAction(t.nextAction),
    attempts: t.attempts.map(presentAttempt),
    messages: t.messages.map(presentMessage),
    decisions: t.decisions.map((d) => ({
      at: d.at.toISOString(),
      kind: d.kind,
      why: d.why,
      step_index: d.stepIndex,
    })),
    events: t.events.map((e) => ({
      id: eventIdOf(e.eventId),
      type: e.type,
      occurred_at: e.at.toISOString(),
      data: e.data,
    })),
  };
}

export const caseTimelineSchema = objectSchema(
  'A dunning case with its timeline: attempts, messages, decisions and every event.',
  {
    ...caseProperties,
    strategy: objectSchema('The strategy and the version the case runs.', {
      id: str,
      version: int,
      name: str,
    }),
    next_action: nextActionSchema,
    attempts: { type: 'array', items: attemptSchema },
    messages: { type: 'array', items: messageSchema },
    decisions: {
      type: 'array',
      items: objectSchema('A decision the engine took, and why.', {
        at: time,
        kind: str,
        why: str,
        step_index: nint,
      }),
    },
    events: {
      type: 'array',
      items: objectSchema('An event of the case, in order.', {
        id: str,
        type: str,
        occurred_at: time,
        data: anyObject,
      }),
    },
  },
);

// --- payment failure --------------------------------------------------------------------------

function presentDecline(decline: unknown) {
  const d = decline as Partial<Record<string, string>> & { scheme: RawDecline['scheme'] };
  return {
    scheme: d.scheme,
    code: d.code ?? '',
    network: d.network ?? null,
    network_decline_code: d.networkDeclineCode ?? null,
    network_advice_code: d.networkAdviceCode ?? null,
    advice_code: d.adviceCode ?? null,
    merchant_advice_code: d.merchantAdviceCode ?? null,
  };
}

export function presentPaymentFailure(row: PaymentFailureRow, dunningCase: CaseListRow | null) {
  return {
    id: row.payment_failure_id,
    object: 'payment_failure' as const,
    external_charge_id: row.external_charge_id,
    subscription_id: row.subscription_id,
    amount_in_cents: row.amount_minor,
    currency: row.currency,
    decline: presentDecline(row.decline),
    raw_code: row.raw_code,
    category: row.category,
    classification: row.classification,
    description: row.description,
    failed_at: row.failed_at.toISOString(),
    charge_id: row.charge_id,
    attempt_id: row.attempt_id,
    opened_case: row.opened_case,
    dunning_case: dunningCase ? presentCase(dunningCase) : null,
    created_at: row.created_at.toISOString(),
  };
}

export const declineProperties = {
  scheme: {
    type: 'string',
    enum: ['stripe', 'iso8583', 'nacha', 'sepa', 'bacs'],
    description:
      '`stripe`: Stripe decline codes; `iso8583`: the issuer response code; `nacha`, `sepa`, ' +
      '`bacs`: bank-debit return codes.',
  },
  code: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'e.g. insufficient_funds (stripe), 51 (iso8583), R01 (nacha), AM04 (sepa)',
  },
  network: {
    type: 'string',
    enum: ['visa', 'mastercard', 'amex', 'discover', 'other'],
    description: 'Card network; required with iso8583.',
  },
  network_decline_code: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'stripe only: the issuer’s raw response code (network_decline_code).',
  },
  network_advice_code: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'stripe only: the network’s advice code, e.g. a Mastercard MAC.',
  },
  advice_code: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'stripe only: Stripe’s advice_code (try_again_later, do_not_try_again, …).',
  },
  merchant_advice_code: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'iso8583 only: the Mastercard merchant advice code.',
  },
} as const;

export const paymentFailureSchema = objectSchema(
  'A failed charge reported by the merchant’s billing system, and the case it opened or continued.',
  {
    id: str,
    object: { type: 'string', enum: ['payment_failure'] },
    external_charge_id: str,
    subscription_id: str,
    amount_in_cents: int,
    currency: str,
    decline: objectSchema('The decline as reported.', {
      scheme: str,
      code: str,
      network: nstr,
      network_decline_code: nstr,
      network_advice_code: nstr,
      advice_code: nstr,
      merchant_advice_code: nstr,
    }),
    raw_code: str,
    category: {
      type: 'string',
      enum: [
        'hard',
        'update_method',
        'authentication_required',
        'insufficient_funds',
        'temporary',
        'generic',
      ],
    },
    classification: str,
    description: nstr,
    failed_at: time,
    charge_id: str,
    attempt_id: str,
    opened_case: { ...bool, description: 'False: it continued an open case, or accrued.' },
    dunning_case: {
      ...caseSchema,
      type: ['object', 'null'],
      description:
        'The case as it is now; null when the subscription is unpaid (the amount accrues).',
    },
    created_at: time,
  },
);
