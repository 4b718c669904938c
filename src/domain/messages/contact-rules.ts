// When a customer message may go out (SPEC section 5, contact rules). Pure: the dispatcher passes
// the merchant's business time, the customer's zone and the customer's recent sends.
//
// - Transactional only: a message must be about the customer's own dunning case.
// - Nothing after the case is resolved: recovered or stopped cancels every message; a case that
//   ended canceled or unpaid still sends its final-action message, and nothing else.
// - Quiet hours, in the customer's time zone: deferred to the minute they end, never dropped.
// - A cap per customer per rolling period: deferred until the oldest send leaves the window, never
//   dropped. These are notices about money the customer owes (the final warning says what happens
//   and when); skipping one would leave the customer uninformed before an action on their account,
//   and the case's own resolution cancels whatever is no longer needed.
import { DateTime, IANAZone } from 'luxon';
import { MESSAGE_INTENTS } from '../case/message-intent.ts';

/** Local wall-clock times "HH:MM"; the window may span midnight (21:00 to 08:00). */
export type QuietHours = { start: string; end: string };
export type MessageCap = { max: number; perDays: number };
export type ContactRules = { quietHours: QuietHours | null; cap: MessageCap | null };

export const DEFAULT_CONTACT_RULES: ContactRules = {
  quietHours: { start: '21:00', end: '08:00' },
  // The gentle and firm presets never send more than 2 step messages in 7 days; 3 leaves room for
  // a hard-decline notice without letting a burst of cases flood one customer.
  cap: { max: 3, perDays: 7 },
};

export type CaseStatus = 'open' | 'recovered' | 'canceled' | 'unpaid' | 'stopped';

export type ContactInput = {
  /** The merchant's business time. */
  now: Date;
  /** The customer's IANA zone; an unknown zone is read as UTC. */
  timeZone: string;
  rules: ContactRules;
  /** The status of the message's dunning case; null when the message has no case. */
  caseStatus: CaseStatus | null;
  /** 'final' is the final-action message, the one message a case that ended still sends. */
  step: string;
  intent: string;
  /** When this customer's other messages went out (any order). */
  recentSends: readonly Date[];
  /** When the message's update link stops working (hard-decline messages without grace: 3 hours). */
  deadline?: Date | null;
};

export type ContactDecision =
  | { kind: 'send'; why: string }
  | { kind: 'defer'; until: Date; rule: 'quiet_hours' | 'message_cap'; why: string }
  | { kind: 'cancel'; rule: 'case_resolved' | 'not_transactional' | 'link_expired'; why: string };

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const INTENTS: readonly string[] = MESSAGE_INTENTS;

/** The merchant's rules from `merchants.settings`; a missing entry takes the default, null turns it off. */
export function contactRulesOf(settings: unknown): ContactRules {
  const s = (settings && typeof settings === 'object' ? settings : {}) as Record<string, unknown>;
  return {
    quietHours: 'quiet_hours' in s ? quietHoursOf(s.quiet_hours) : DEFAULT_CONTACT_RULES.quietHours,
    cap: 'message_cap' in s ? capOf(s.message_cap) : DEFAULT_CONTACT_RULES.cap,
  };
}

function quietHoursOf(value: unknown): QuietHours | null {
  if (value === null) return null;
  const v = value as Partial<QuietHours> | undefined;
  if (
    typeof v?.start === 'string' &&
    typeof v.end === 'string' &&
    CLOCK_TIME.test(v.start) &&
    CLOCK_TIME.test(v.end) &&
    v.start !== v.end
  )
    return { start: v.start, end: v.end };
  return DEFAULT_CONTACT_RULES.quietHours;
}

function capOf(value: unknown): MessageCap | null {
  if (value === null) return null;
  const v = value as Record<string, unknown> | undefined;
  // Settings write { max, per_days }; { count, days } is read too.
  const max = v?.max ?? v?.count;
  const perDays = v?.per_days ?? v?.days;
  if (
    Number.isInteger(max) &&
    Number.isInteger(perDays) &&
    (max as number) >= 1 &&
    (perDays as number) >= 1
  )
    return { max: max as number, perDays: perDays as number };
  return DEFAULT_CONTACT_RULES.cap;
}

export function decideContact(input: ContactInput): ContactDecision {
  if (input.caseStatus === null || !INTENTS.includes(input.intent))
    return {
      kind: 'cancel',
      rule: 'not_transactional',
      why: 'only messages about the customer’s own dunning case are sent',
    };
  const resolved = resolvedWhy(input.caseStatus, input.step);
  if (resolved) return { kind: 'cancel', rule: 'case_resolved', why: resolved };
  const deadline = input.deadline ?? null;
  if (deadline && deadline.getTime() <= input.now.getTime())
    return {
      kind: 'cancel',
      rule: 'link_expired',
      why: `its update link stopped working at ${deadline.toISOString()}: the message would ask for the impossible`,
    };

  const zone = IANAZone.isValidZone(input.timeZone) ? input.timeZone : 'UTC';
  let at = input.now;
  let first: { rule: 'quiet_hours' | 'message_cap'; why: string } | null = null;
  // Each rule only moves the time forward, so alternating them settles; the bound is a safeguard.
  for (let round = 0; round < 50; round++) {
    const capEnd = input.rules.cap ? capFreeAt(at, input.rules.cap, input.recentSends) : null;
    if (capEnd) {
      first ??= {
        rule: 'message_cap',
        why: `cap of ${input.rules.cap!.max} messages per ${input.rules.cap!.perDays} days reached`,
      };
      at = capEnd;
      continue;
    }
    const quietEnd = input.rules.quietHours ? quietUntil(at, zone, input.rules.quietHours) : null;
    if (quietEnd) {
      first ??= {
        rule: 'quiet_hours',
        why: `quiet hours ${input.rules.quietHours!.start}–${input.rules.quietHours!.end} in ${zone}`,
      };
      at = quietEnd;
      continue;
    }
    break;
  }
  if (!first) return { kind: 'send', why: 'contact rules allow it now' };
  // A message whose link dies before it may go out is sent now: late, it would be useless
  // (SPEC section 4: the hard-decline email goes out at once; its link may last 3 hours).
  if (deadline && at.getTime() >= deadline.getTime())
    return {
      kind: 'send',
      why: `${first.why}, but its update link stops working at ${deadline.toISOString()}: sent now`,
    };
  return {
    kind: 'defer',
    until: at,
    rule: first.rule,
    why: `${first.why}: deferred to ${DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy HH:mm')} ${zone}`,
  };
}

function resolvedWhy(status: CaseStatus, step: string): string | null {
  switch (status) {
    case 'open':
      return null;
    case 'recovered':
      return 'the case is recovered: the payment went through';
    case 'stopped':
      return 'the case was stopped (subscription canceled, refunded, disputed or paid otherwise)';
    case 'canceled':
    case 'unpaid':
      return step === 'final' ? null : `the case ended (${status}); only its final message is sent`;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/**
 * The end of the quiet hours `at` falls in, as an instant, or null when `at` is outside them.
 * The end is built from the customer's local date and wall-clock time, so DST keeps 08:00 at 08:00
 * (an end that falls in a DST gap moves to the first minute after it).
 */
export function quietUntil(at: Date, zone: string, quiet: QuietHours): Date | null {
  const local = DateTime.fromJSDate(at, { zone });
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const now = local.hour * 60 + local.minute;
  const wraps = start > end;
  const inside = wraps ? now >= start || now < end : now >= start && now < end;
  if (!inside) return null;
  const day = wraps && now >= start ? local.plus({ days: 1 }) : local;
  const until = DateTime.fromObject(
    {
      year: day.year,
      month: day.month,
      day: day.day,
      hour: Math.floor(end / 60),
      minute: end % 60,
    },
    { zone },
  ).toJSDate();
  // An end repeated by a DST fall-back can resolve to the first of the two instants: already past.
  return until.getTime() > at.getTime() ? until : null;
}

/** When the cap frees a place for a message at `at`, or null when it has one now. */
export function capFreeAt(at: Date, cap: MessageCap, sends: readonly Date[]): Date | null {
  const periodMs = cap.perDays * DAY_MS;
  const inWindow = sends
    .map((d) => d.getTime())
    .filter((t) => t > at.getTime() - periodMs)
    .sort((a, b) => a - b);
  if (inWindow.length < cap.max) return null;
  // The send that must leave the window for the count to drop below the cap.
  const leaving = inWindow[inWindow.length - cap.max]!;
  return new Date(Math.ceil((leaving + periodMs) / MINUTE_MS) * MINUTE_MS);
}

function minutesOf(clock: string): number {
  const m = CLOCK_TIME.exec(clock);
  if (!m) throw new Error(`not a clock time: ${clock}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
