// Smart timing (SPEC section 3): the strategy's step days are the envelope; inside a step's window
// the decline category picks the moment, and every decision says why in the customer's local time.
import type { DeclineCategory } from '../declines/categories.ts';
import { formatDelay, temporaryBackoffDelayMs } from './backoff.ts';
import {
  firstLocalMorning,
  formatLocal,
  formatLocalDate,
  LOCAL_MORNING,
  localDate,
  resolveZone,
  startOfLocalDate,
} from './local-time.ts';
import { type PayCycle, paydaysBetween } from './pay-cycle.ts';

export type TimingInput = {
  category: DeclineCategory;
  /** The step's window: the retry must fall in [from, until). `from` is the step's due time; `until` is the next step's due time (or the final step's). */
  envelope: { from: Date; until: Date };
  now: Date;
  /** The customer's IANA zone. */
  timeZone: string;
  lastDeclineAt: Date;
  /** How many automatic retries this case made so far for this category streak (for backoff). */
  retriesSoFar: number;
  payCycle: PayCycle | null;
  /** In [0, 1), for jitter; tests pass a fixed sequence. */
  random: () => number;
};

/**
 * When the step's retry goes out, and why. With `skip` no moment in the window is worth a retry:
 * the step sends its message only, at `at`, and the retry is kept for a later window.
 */
export type TimingDecision = { at: Date; why: string; skip?: true };

const MORNING_HOURS = `${String(LOCAL_MORNING.startHour).padStart(2, '0')}:00–${LOCAL_MORNING.endHour}:00`;

type Window = { earliest: Date; until: Date; zone: string };

/**
 * When to retry inside the step's window, and why. The result is always in
 * [max(from, now), until); a window too short for the preferred moment is clamped, and the why
 * says so. A window already closed (now >= until) cannot hold any moment: it gets max(from, now).
 */
export function chooseRetryTime(input: TimingInput): TimingDecision {
  const { category, envelope, now } = input;
  const { zone, note } = resolveZone(input.timeZone);
  const w: Window = {
    earliest: new Date(Math.max(envelope.from.getTime(), now.getTime())),
    until: envelope.until,
    zone,
  };
  const decide = (at: Date, why: string): TimingDecision => ({
    at,
    why: `${category}: ${why}${note}`,
  });

  if (w.earliest.getTime() >= w.until.getTime()) {
    return decide(
      w.earliest,
      `${formatLocal(w.earliest, zone)}, at once: the window closed at ${formatLocal(w.until, zone)}, so the schedule should move on`,
    );
  }
  switch (category) {
    case 'hard':
    case 'update_method':
    case 'authentication_required':
      return decide(
        w.earliest,
        `${formatLocal(w.earliest, zone)}, the window's start; no automatic retry is expected for this category (SPEC section 4)`,
      );
    case 'temporary':
      return afterBackoff(w, input, decide);
    case 'insufficient_funds':
      return afterLikelyPayday(w, input, decide);
    case 'generic': {
      const at = firstLocalMorning(w.earliest, w.until, zone, input.random);
      if (!at) return clampedToStart(w, decide);
      return decide(
        at,
        `${formatLocal(at, zone)}, the window's first local morning; the step days space the retries`,
      );
    }
    default: {
      const unreachable: never = category;
      return unreachable;
    }
  }
}

type Decide = (at: Date, why: string) => TimingDecision;

function clampedToStart(w: Window, decide: Decide): TimingDecision {
  return decide(
    w.earliest,
    `${formatLocal(w.earliest, w.zone)}, clamped to the window's start: no local morning (${MORNING_HOURS}) fits before it closes at ${formatLocal(w.until, w.zone)}`,
  );
}

/** Soon after the decline: exponential backoff with jitter, never before the window opens. */
function afterBackoff(w: Window, input: TimingInput, decide: Decide): TimingDecision {
  const delayMs = temporaryBackoffDelayMs(input.retriesSoFar, input.random);
  const declineMs = input.lastDeclineAt.getTime();
  const targetMs = declineMs + delayMs;
  const backoff = `${formatDelay(delayMs)} backoff after the decline at ${formatLocal(input.lastDeclineAt, w.zone)}`;
  if (targetMs < w.earliest.getTime()) {
    return decide(
      w.earliest,
      `${formatLocal(w.earliest, w.zone)}, the window's start; the ${backoff} has passed`,
    );
  }
  if (targetMs < w.until.getTime()) {
    const at = new Date(targetMs);
    return decide(at, `${formatLocal(at, w.zone)}, ${backoff}`);
  }
  // Halfway between the decline and the next step keeps both gaps as wide as the window allows.
  const midMs = Math.floor(declineMs + (w.until.getTime() - declineMs) / 2);
  const fits = midMs >= w.earliest.getTime() && midMs < w.until.getTime();
  const at = fits ? new Date(midMs) : w.earliest;
  return decide(
    at,
    `${formatLocal(at, w.zone)}, clamped: the ${backoff} would land after the window closes at ${formatLocal(w.until, w.zone)}${fits ? ', so halfway between the decline and the next step' : ", so at the window's start"}`,
  );
}

/**
 * A local morning on or just after a likely payday in the window. A window with none gets no
 * retry: off a payday the chance is a fraction of what it is on one, and the case's retries are
 * few (CARD_RETRY_BUDGET), so they are kept for windows with a payday.
 */
function afterLikelyPayday(w: Window, input: TimingInput, decide: Decide): TimingDecision {
  const firstDate = localDate(w.earliest, w.zone);
  const lastDate = localDate(w.until, w.zone);
  // A payday on or before the day of the last decline was tried already: its money was not there.
  const declinedOn = localDate(input.lastDeclineAt, w.zone);
  const paydays = paydaysBetween(input.payCycle, firstDate, lastDate).filter(
    (p) => p.date > declinedOn,
  );
  for (const payday of paydays) {
    const dayStart = startOfLocalDate(payday.date, w.zone);
    const from = new Date(Math.max(dayStart.getTime(), w.earliest.getTime()));
    const at = firstLocalMorning(from, w.until, w.zone, input.random);
    if (at) {
      return decide(
        at,
        `${formatLocal(at, w.zone)}, the first local morning on or after ${formatLocalDate(payday.date)} (likely payday: ${payday.label})`,
      );
    }
  }
  const source = input.payCycle
    ? `on the learned ${input.payCycle.kind.replace('_', '-')} cycle`
    : 'on a Friday, the 1st, the 15th or the last business day';
  return {
    ...decide(
      w.earliest,
      `no retry in this window: no likely payday (${source}) falls between ${formatLocalDate(firstDate)} and ${formatLocalDate(lastDate)}, and the case's few retries are kept for paydays`,
    ),
    skip: true,
  };
}
