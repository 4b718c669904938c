// One strategy over a population, event by event on a simulated clock. Three kinds of event per
// customer: the case needs the engine (engine-step.ts decides), the subscription's period ends, or
// the customer acts on a message. Customers never share a card, so they are independent: a run can
// be split into shards (every `stride`-th customer) and the totals added up.

import type { Credential } from '../../domain/network-rules/types.ts';
import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import { periodStart } from '../../domain/subscription/period.ts';
import { type AuditTrail, auditTrail, auditTrailViolations, recordCharge } from './audit.ts';
import {
  type ChargeResult,
  customerCanceled,
  customerPaid,
  openCase,
  renewalWhileOpen,
  type SimCase,
  type StepAction,
  type StepContext,
  stepCase,
  wakeAt,
} from './engine-step.ts';
import { EventQueue } from './event-queue.ts';
import { DAY_MS, HOUR_MS, hoursSinceLastPayday } from './paydays.ts';
import type { Customer, Population } from './population.ts';
import { deriveSeed, mulberry32, type Random } from './prng.ts';
import { retryChance } from './retry-chance.ts';

export type CurrencyTotals = {
  /** Everything that went through dunning: the failed renewal plus renewals added while open. */
  dunnedMinor: number;
  recoveredMinor: number;
  recoveredByRetryMinor: number;
  recoveredByCustomerMinor: number;
  /** Monthly price of subscriptions recovered / lost to involuntary churn / still in dunning. */
  mrrSavedMinor: number;
  mrrLostMinor: number;
  mrrOpenMinor: number;
  /** Monthly price of subscriptions their customers canceled after too many messages. */
  mrrLostVoluntaryMinor: number;
};

export type StrategyTotals = {
  customers: number;
  recovered: number;
  recoveredByRetry: number;
  recoveredByCustomer: number;
  canceled: number;
  unpaid: number;
  /** Customers who canceled the subscription themselves after too many messages. */
  canceledByCustomer: number;
  /** Cases still in dunning when the simulated time ran out. */
  open: number;
  retriesSent: number;
  retriesSucceeded: number;
  retriesByKind: { step: number; renewal: number; quick: number };
  retriesBlocked: number;
  blockedByRule: Record<string, number>;
  /**
   * Charges the independent audit (src/domain/audit, not the engine's rules) finds against the
   * network rules, once per charge however many rules it breaks. Must be 0.
   */
  retriesInViolation: number;
  /** The same findings by the rule they break; a charge breaking two rules counts under both. */
  violationsByRule: Record<string, number>;
  violationExamples: string[];
  messagesSent: number;
  emailsBounced: number;
  /** Messages not sent because the address had bounced before. */
  messagesSuppressed: number;
  byCurrency: Record<string, CurrencyTotals>;
  /** Customers and recoveries by the category of the first failure. */
  byCategory: Record<string, { customers: number; recovered: number }>;
};

export type RunOptions = {
  days: number;
  /** Shard: customers with index % stride === offset. */
  offset?: number;
  stride?: number;
  /** Called with the number of whole simulated days done, once per day. */
  onDay?: (daysDone: number) => void;
};

const EVENT_CASE = 0;
const EVENT_RENEWAL = 1;
const EVENT_CUSTOMER = 2;
const EVENT_KINDS = 3;

/** Stream numbers for deriveSeed: each behaviour draws from its own stream. */
const STREAM_CHARGE = 11;
const STREAM_ACTION = 12;
const STREAM_CHURN = 13;

type Slot = {
  customer: Customer;
  case: SimCase;
  ctx: StepContext;
  act: Random;
  /** The audit's own record of what was sent, kept apart from the engine's. */
  audit: AuditTrail;
  caseAt: number;
  renewalAt: number;
  /** False while renewalAt is only the earliest a month can end (28 days); see makeSlot. */
  renewalExact: boolean;
  renewalIndex: number;
  customerAt: number;
  /** What the customer does at customerAt: pay on the hosted page, or cancel. */
  customerIntent: 'pay' | 'cancel';
  /** Emails delivered so far (fatigue and churn count them). */
  delivered: number;
  /** Draws for voluntary churn; null when the model has none. */
  churn: Random | null;
  emailDead: boolean;
};

export function emptyTotals(): StrategyTotals {
  return {
    customers: 0,
    recovered: 0,
    recoveredByRetry: 0,
    recoveredByCustomer: 0,
    canceled: 0,
    unpaid: 0,
    canceledByCustomer: 0,
    open: 0,
    retriesSent: 0,
    retriesSucceeded: 0,
    retriesByKind: { step: 0, renewal: 0, quick: 0 },
    retriesBlocked: 0,
    blockedByRule: {},
    retriesInViolation: 0,
    violationsByRule: {},
    violationExamples: [],
    messagesSent: 0,
    emailsBounced: 0,
    messagesSuppressed: 0,
    byCurrency: {},
    byCategory: {},
  };
}

export function runStrategy(
  population: Population,
  def: StrategyDefinition,
  opts: RunOptions,
): StrategyTotals {
  const { model } = population;
  const endMs = population.startMs + opts.days * DAY_MS;
  const stride = opts.stride ?? 1;
  const offset = opts.offset ?? 0;
  const totals = emptyTotals();
  const queue = new EventQueue();
  const slots: Slot[] = [];

  for (let i = offset; i < population.customers.length; i += stride) {
    const customer = population.customers[i]!;
    const slot = makeSlot(customer, def, model);
    const at = wakeAt(slot.case, def);
    const s = slots.length;
    slots.push(slot);
    if (at) {
      slot.caseAt = at.getTime();
      schedule(queue, s, EVENT_CASE, slot.caseAt);
    }
    schedule(queue, s, EVENT_RENEWAL, slot.renewalAt);
    // A replayed history: the customer fixed the problem at that time (history.ts).
    const paysAt = customer.customerPaysAt ?? null;
    if (paysAt !== null && paysAt < endMs) {
      slot.customerAt = paysAt;
      slot.customerIntent = 'pay';
      schedule(queue, s, EVENT_CUSTOMER, paysAt);
    }
    totals.customers++;
  }

  let daysDone = 0;
  const tick = (t: number) => {
    const day = Math.min(opts.days, Math.floor((t - population.startMs) / DAY_MS));
    while (daysDone < day) {
      daysDone++;
      opts.onDay?.(daysDone);
    }
  };

  while (queue.size > 0 && queue.peekTime() < endMs) {
    const t = queue.peekTime();
    const key = queue.pop();
    tick(t);
    const s = Math.floor(key / EVENT_KINDS);
    const kind = key % EVENT_KINDS;
    const slot = slots[s]!;
    const now = new Date(t);
    if (kind === EVENT_CASE) {
      if (slot.caseAt !== t) continue; // superseded by a later schedule
      slot.caseAt = Number.NaN;
      const result = stepCase(slot.case, now, slot.ctx);
      apply(result.actions, slot, totals, s, queue, model.customerAction, endMs);
      reschedule(queue, slot, s, result.nextAt, t);
    } else if (kind === EVENT_RENEWAL) {
      if (slot.renewalAt !== t || slot.case.data.status !== 'open') continue;
      if (!slot.renewalExact) {
        // Still in dunning near the period's end: now work out exactly when the period ends.
        slot.renewalExact = true;
        slot.renewalAt = renewalTime(slot, slot.renewalIndex);
        if (slot.renewalAt > t) {
          schedule(queue, s, EVENT_RENEWAL, slot.renewalAt);
          continue;
        }
      }
      slot.renewalIndex++;
      slot.renewalAt = renewalTime(slot, slot.renewalIndex);
      schedule(queue, s, EVENT_RENEWAL, slot.renewalAt);
      const next = renewalWhileOpen(slot.case, now, slot.customer.plan.amountMinor, slot.ctx);
      reschedule(queue, slot, s, next, t);
    } else {
      if (slot.customerAt !== t) continue;
      slot.customerAt = Number.NaN;
      if (slot.customerIntent === 'cancel') {
        if (customerCanceled(slot.case)) totals.canceledByCustomer++;
        continue;
      }
      const actions = customerPaid(slot.case, now, def);
      apply(actions, slot, totals, s, queue, model.customerAction, endMs);
    }
  }
  tick(endMs);
  for (const slot of slots) finish(slot, totals);
  return totals;
}

function makeSlot(customer: Customer, def: StrategyDefinition, model: Population['model']): Slot {
  const chargeRandom = mulberry32(deriveSeed(customer.seed, 0, STREAM_CHARGE));
  const act = mulberry32(deriveSeed(customer.seed, 0, STREAM_ACTION));
  const openedAt = new Date(customer.firstFailureAtMs);
  const credential: Credential = { network: customer.network, methodChangedAt: null };
  // Retries on one card are not independent: each decline can lower the next one's chance.
  const declineFactor = customer.curve?.declineFactor ?? 1;
  let cardFactor = customer.health.retry;
  const charge = (_amountMinor: number, at: Date): ChargeResult => {
    // The same draws whatever the outcome, so a customer's stream stays aligned across strategies.
    const u = chargeRandom();
    const atMs = at.getTime();
    const chance = chanceAt(customer, atMs, cardFactor);
    const declined = customer.declines.next(chargeRandom);
    if (u < chance) return { kind: 'succeeded' };
    cardFactor *= declineFactor;
    return { kind: 'declined', classification: declined, raw: customer.declines.raw(declined) };
  };
  const ctx: StepContext = {
    def,
    caseKey: `case_${customer.seed}`,
    charge,
    payCycle: customer.knownPayCycle,
  };
  const simCase = openCase(
    openedAt,
    customer.plan.amountMinor,
    customer.timeZone,
    credential,
    customer.firstDecline,
    ctx,
  );
  const slot: Slot = {
    customer,
    case: simCase,
    ctx,
    act,
    // Customers never share a card: the customer's seed names it.
    audit: auditTrail(`card_${customer.seed}`, customer.network, customer.plan.currency),
    caseAt: Number.NaN,
    // Most cases close within four weeks, before any period can end (the shortest month has 28
    // days): the exact period end is computed only for cases still open by then.
    renewalAt: customer.firstFailureAtMs + 28 * DAY_MS,
    renewalExact: false,
    renewalIndex: 1,
    customerAt: Number.NaN,
    customerIntent: 'pay',
    delivered: 0,
    churn: model.customerAction.churn
      ? mulberry32(deriveSeed(customer.seed, 0, STREAM_CHURN))
      : null,
    emailDead: false,
  };
  recordCharge(
    slot.audit,
    openedAt,
    customer.plan.amountMinor,
    { kind: 'declined', raw: customer.declines.raw(customer.firstDecline) },
    'merchant',
  );
  return slot;
}

/** A retry's chance at `atMs`: a replayed history's paid_at decides it, else the model's curve. */
function chanceAt(customer: Customer, atMs: number, cardFactor: number): number {
  if (customer.paidAtMs !== undefined)
    return customer.paidAtMs !== null && atMs >= customer.paidAtMs ? 1 : 0;
  if (!customer.curve) return 0;
  return retryChance(
    customer.curve,
    (atMs - customer.firstFailureAtMs) / HOUR_MS,
    hoursSinceLastPayday(customer.paydays, atMs),
    cardFactor,
  );
}

/** End of the subscription's `index`-th monthly period from the failed renewal (SPEC: monthly plans). */
function renewalTime(slot: Slot, index: number): number {
  return periodStart(
    { anchorAt: new Date(slot.customer.firstFailureAtMs), interval: 'month', intervalCount: 1 },
    index,
  ).getTime();
}

function schedule(queue: EventQueue, s: number, kind: number, t: number): void {
  queue.push(t, s * EVENT_KINDS + kind);
}

function reschedule(
  queue: EventQueue,
  slot: Slot,
  s: number,
  next: Date | null,
  now: number,
): void {
  if (!next) {
    slot.caseAt = Number.NaN;
    return;
  }
  // Never at the same instant again: that would loop on one event.
  const t = Math.max(next.getTime(), now + 1);
  if (t === slot.caseAt) return;
  slot.caseAt = t;
  schedule(queue, s, EVENT_CASE, t);
}

function apply(
  actions: readonly StepAction[],
  slot: Slot,
  totals: StrategyTotals,
  s: number,
  queue: EventQueue,
  behaviour: Population['model']['customerAction'],
  endMs: number,
): void {
  for (const action of actions) {
    switch (action.kind) {
      case 'retry_sent': {
        totals.retriesSent++;
        totals.retriesByKind[action.retry]++;
        if (action.succeeded) totals.retriesSucceeded++;
        recordCharge(
          slot.audit,
          action.at,
          action.amountMinor,
          action.succeeded ? { kind: 'approved' } : { kind: 'declined', raw: action.raw },
          'merchant',
        );
        break;
      }
      case 'retry_blocked':
        totals.retriesBlocked++;
        totals.blockedByRule[action.rule] = (totals.blockedByRule[action.rule] ?? 0) + 1;
        break;
      case 'message':
        deliver(slot, totals, s, queue, behaviour, action.at.getTime(), endMs);
        break;
      case 'closed':
        if (action.status === 'recovered') {
          totals.recovered++;
          if (action.via === 'customer') {
            totals.recoveredByCustomer++;
            // Paid on the hosted page, on-session: the customer's charge, not a merchant retry.
            recordCharge(
              slot.audit,
              action.at,
              slot.case.amountDueMinor,
              { kind: 'approved' },
              'customer',
            );
          } else totals.recoveredByRetry++;
          const c = currency(totals, slot);
          c.recoveredMinor += slot.case.amountDueMinor;
          if (action.via === 'customer') c.recoveredByCustomerMinor += slot.case.amountDueMinor;
          else c.recoveredByRetryMinor += slot.case.amountDueMinor;
        } else if (action.status === 'canceled') totals.canceled++;
        else totals.unpaid++;
        // A closed case charges nothing more: audit it, then drop its histories (a large run
        // holds 100,000s).
        audit(slot, totals);
        slot.case.history.length = 0;
        slot.audit.attempts.length = 0;
        break;
      default: {
        const unreachable: never = action;
        throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

/** One email: bounced addresses get nothing more; a delivered one may move the customer to act. */
function deliver(
  slot: Slot,
  totals: StrategyTotals,
  s: number,
  queue: EventQueue,
  behaviour: Population['model']['customerAction'],
  atMs: number,
  endMs: number,
): void {
  if (slot.emailDead) {
    totals.messagesSuppressed++;
    return;
  }
  totals.messagesSent++;
  if (slot.customer.emailBounces) {
    totals.emailsBounced++;
    slot.emailDead = true;
    return;
  }
  const n = ++slot.delivered;
  const chance = responseChance(behaviour, slot.customer, n);
  // Two draws always, so the stream stays aligned whatever happens.
  const acts = slot.act() < chance;
  const delayHours =
    behaviour.delayHours.min + slot.act() * (behaviour.delayHours.max - behaviour.delayHours.min);
  // Voluntary churn: past the messages they tolerate, each one may make the customer cancel.
  const churns = slot.churn ? churnsAfter(behaviour, n, slot.churn) : null;
  if (slot.case.data.status !== 'open' || !Number.isNaN(slot.customerAt)) return;
  const intent = acts ? 'pay' : churns?.cancels ? 'cancel' : null;
  if (!intent) return;
  const hours = intent === 'pay' ? delayHours : churns!.delayHours;
  const t = atMs + Math.max(1, Math.round(hours * HOUR_MS));
  if (t >= endMs) return;
  slot.customerAt = t;
  slot.customerIntent = intent;
  schedule(queue, s, EVENT_CUSTOMER, t);
}

/** Chance that the n-th delivered message moves the customer to fix the problem (fatigue). */
export function responseChance(
  behaviour: Population['model']['customerAction'],
  customer: Pick<Customer, 'category' | 'health'>,
  n: number,
): number {
  const fatigue = behaviour.fatigue ? behaviour.fatigue.responseFactor ** (n - 1) : 1;
  return behaviour.afterMessage[customer.category] * fatigue * customer.health.action;
}

/** Two draws always; the chance grows by chancePerExtraMessage with each message past tolerance. */
function churnsAfter(
  behaviour: Population['model']['customerAction'],
  n: number,
  random: Random,
): { cancels: boolean; delayHours: number } {
  const churn = behaviour.churn!;
  const extra = n - churn.toleratedMessages;
  const cancels = random() < Math.min(1, Math.max(0, extra) * churn.chancePerExtraMessage);
  const delayHours =
    behaviour.delayHours.min + random() * (behaviour.delayHours.max - behaviour.delayHours.min);
  return { cancels, delayHours };
}

export function emptyCurrency(): CurrencyTotals {
  return {
    dunnedMinor: 0,
    recoveredMinor: 0,
    recoveredByRetryMinor: 0,
    recoveredByCustomerMinor: 0,
    mrrSavedMinor: 0,
    mrrLostMinor: 0,
    mrrOpenMinor: 0,
    mrrLostVoluntaryMinor: 0,
  };
}

function currency(totals: StrategyTotals, slot: Slot): CurrencyTotals {
  const code = slot.customer.plan.currency;
  const entry = totals.byCurrency[code] ?? emptyCurrency();
  totals.byCurrency[code] = entry;
  return entry;
}

/** Counts what the independent audit finds in the card's charges so far. */
function audit(slot: Slot, totals: StrategyTotals): void {
  const found = auditTrailViolations(slot.audit);
  const charges = new Set<string>();
  for (const v of found) {
    totals.violationsByRule[v.rule] = (totals.violationsByRule[v.rule] ?? 0) + 1;
    if (charges.has(v.attemptId)) continue;
    charges.add(v.attemptId);
    totals.retriesInViolation++;
    if (totals.violationExamples.length < 5) {
      totals.violationExamples.push(
        `customer ${slot.customer.index} at ${v.at.toISOString()}: ${v.rule}: ${v.why}`,
      );
    }
  }
}

function finish(slot: Slot, totals: StrategyTotals): void {
  // Cases closed by a charge were audited then; the rest (still open, stopped) are audited now.
  if (slot.audit.attempts.length > 0) audit(slot, totals);
  const category = totals.byCategory[slot.customer.category] ?? { customers: 0, recovered: 0 };
  totals.byCategory[slot.customer.category] = category;
  category.customers++;
  if (slot.case.data.status === 'recovered') category.recovered++;
  const entry = currency(totals, slot);
  entry.dunnedMinor += slot.case.amountDueMinor;
  const price = slot.customer.plan.amountMinor;
  switch (slot.case.data.status) {
    case 'recovered':
      entry.mrrSavedMinor += price;
      break;
    case 'canceled':
    case 'unpaid':
      entry.mrrLostMinor += price;
      break;
    case 'open':
      totals.open++;
      entry.mrrOpenMinor += price;
      break;
    case 'stopped':
      // The only stop in a simulation: the customer canceled after too many messages.
      entry.mrrLostVoluntaryMinor += price;
      break;
    default: {
      const unreachable: never = slot.case.data.status;
      throw new Error(`unknown status ${unreachable}`);
    }
  }
}

/** Adds shard totals into `into`. */
export function addTotals(into: StrategyTotals, more: StrategyTotals): StrategyTotals {
  const numeric = [
    'customers',
    'recovered',
    'recoveredByRetry',
    'recoveredByCustomer',
    'canceled',
    'unpaid',
    'canceledByCustomer',
    'open',
    'retriesSent',
    'retriesSucceeded',
    'retriesBlocked',
    'retriesInViolation',
    'messagesSent',
    'emailsBounced',
    'messagesSuppressed',
  ] as const;
  for (const k of numeric) into[k] += more[k];
  into.retriesByKind.step += more.retriesByKind.step;
  into.retriesByKind.renewal += more.retriesByKind.renewal;
  into.retriesByKind.quick += more.retriesByKind.quick;
  for (const [rule, n] of Object.entries(more.violationsByRule)) {
    into.violationsByRule[rule] = (into.violationsByRule[rule] ?? 0) + n;
  }
  for (const [rule, n] of Object.entries(more.blockedByRule)) {
    into.blockedByRule[rule] = (into.blockedByRule[rule] ?? 0) + n;
  }
  into.violationExamples.push(
    ...more.violationExamples.slice(0, 5 - into.violationExamples.length),
  );
  for (const [category, c] of Object.entries(more.byCategory)) {
    const e = into.byCategory[category] ?? { customers: 0, recovered: 0 };
    into.byCategory[category] = e;
    e.customers += c.customers;
    e.recovered += c.recovered;
  }
  for (const [code, c] of Object.entries(more.byCurrency)) {
    const e = into.byCurrency[code] ?? emptyCurrency();
    into.byCurrency[code] = e;
    for (const k of Object.keys(c) as (keyof CurrencyTotals)[]) e[k] += c[k];
  }
  return into;
}
