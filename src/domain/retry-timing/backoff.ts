// Backoff for `temporary` declines (processor error, issuer unavailable): minutes to hours,
// exponential with jitter (reference/declines.md "Timing evidence"; ladders like Yuno's
// +5 min, 60 min, 5 h and Recurly's 2 x 4 h in reference/declines-sourced.md section 7).
import { drawUnit } from './jitter.ts';

export const TEMPORARY_BACKOFF = {
  firstDelayMs: 15 * 60_000,
  factor: 4,
  /** 15 min, 1 h, 4 h, then 4 h again: never longer than this. */
  maxDelayMs: 4 * 60 * 60_000,
  /** Jitter shortens a delay by up to this share, so retries of many cases do not land together. */
  jitterShare: 0.25,
} as const;

/**
 * Quick retries after a temporary decline before the next step's retry takes over: one, hours
 * later. An outage or an issuer time-out mostly clears within hours, so a retry minutes after the
 * decline mostly meets the same error and spends one of the card's reattempts: in `dunner
 * simulate` three quick retries at 15 min, 1 h and 4 h recovered no more than one at 4 h, with
 * about 5 % more retries in all (docs/simulation-model.md).
 */
export const QUICK_RETRY_BUDGET = 1;
/** The backoff rung of the first quick retry: 4 h (Recurly retries twice 4 h apart). */
const QUICK_RETRY_FIRST_RUNG = 2;

/** The jittered delay before retry number `retriesSoFar + 1`, in whole minutes, at most the cap. */
export function temporaryBackoffDelayMs(retriesSoFar: number, random: () => number): number {
  const n = Number.isFinite(retriesSoFar) ? Math.max(0, Math.floor(retriesSoFar)) : 0;
  const { firstDelayMs, factor, maxDelayMs, jitterShare } = TEMPORARY_BACKOFF;
  const baseMs = Math.min(firstDelayMs * factor ** n, maxDelayMs);
  const jitteredMs = baseMs * (1 - jitterShare * drawUnit(random));
  return Math.round(jitteredMs / 60_000) * 60_000;
}

/** "15 min", "1 h", "3 h 12 min". */
export function formatDelay(delayMs: number): string {
  const minutes = Math.round(delayMs / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * For `temporary` declines: a quick follow-up before the next step, or null once the budget of
 * quick retries is spent. Each one still counts against the card's network reattempt limits.
 */
export function quickRetryAfterTemporary(input: {
  lastDeclineAt: Date;
  quickRetriesSoFar: number;
  random: () => number;
}): { at: Date; why: string } | null {
  const { lastDeclineAt, quickRetriesSoFar, random } = input;
  if (quickRetriesSoFar >= QUICK_RETRY_BUDGET) return null;
  const number = Math.max(0, Math.floor(quickRetriesSoFar)) + 1;
  const delayMs = temporaryBackoffDelayMs(QUICK_RETRY_FIRST_RUNG + number - 1, random);
  return {
    at: new Date(lastDeclineAt.getTime() + delayMs),
    why: `temporary: quick retry ${number} of ${QUICK_RETRY_BUDGET}, ${formatDelay(delayMs)} after the decline (exponential backoff with jitter, capped at ${formatDelay(TEMPORARY_BACKOFF.maxDelayMs)})`,
  };
}
