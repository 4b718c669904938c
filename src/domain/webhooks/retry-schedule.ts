// When a webhook delivery is tried again after a failed attempt. The schedule spans about three
// and a half days so a receiver that is down over a weekend still gets its events, as Standard
// Webhooks recommends (https://www.standardwebhooks.com, "retry schedule"). Jitter spreads the
// retries of many deliveries that failed together, so a recovering receiver is not hit at once.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Delay before each retry: the n-th entry follows the n-th failed attempt. */
export const RETRY_DELAYS_MS = [
  1 * MINUTE_MS,
  5 * MINUTE_MS,
  30 * MINUTE_MS,
  2 * HOUR_MS,
  5 * HOUR_MS,
  10 * HOUR_MS,
  14 * HOUR_MS,
  24 * HOUR_MS,
  24 * HOUR_MS,
] as const;

/** The first send plus one attempt per retry. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A retry goes out within ±10 % of its nominal delay. */
export const JITTER_SHARE = 0.1;

export type AfterFailure =
  | { kind: 'retry'; at: Date; delayMs: number; why: string }
  | { kind: 'give_up'; why: string };

/** The window a retry falls in after `attemptsMade` failed attempts, or null when none is left. */
export function retryWindowMs(attemptsMade: number): { minMs: number; maxMs: number } | null {
  const base = RETRY_DELAYS_MS[attemptsMade - 1];
  if (base === undefined || attemptsMade < 1) return null;
  return {
    minMs: Math.round(base * (1 - JITTER_SHARE)),
    maxMs: Math.round(base * (1 + JITTER_SHARE)),
  };
}

/**
 * What follows the `attemptsMade`-th failed attempt (1 for the first send), decided at `failedAt`.
 * `random` is a draw in [0, 1); a faulty source (NaN, out of range) is clamped into the window.
 */
export function afterFailedAttempt(
  attemptsMade: number,
  failedAt: Date,
  random: () => number,
): AfterFailure {
  const window = retryWindowMs(attemptsMade);
  if (!window)
    return {
      kind: 'give_up',
      why: `attempt ${attemptsMade} of ${MAX_ATTEMPTS} failed: no retry left`,
    };
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  // Whole seconds: the times read well in a delivery log and match the webhook-timestamp unit.
  const delayMs = Math.round((window.minMs + unit * (window.maxMs - window.minMs)) / 1000) * 1000;
  return {
    kind: 'retry',
    at: new Date(failedAt.getTime() + delayMs),
    delayMs,
    why: `attempt ${attemptsMade} of ${MAX_ATTEMPTS} failed: retry in ${describeDelay(delayMs)}`,
  };
}

export function describeDelay(ms: number): string {
  if (ms < MINUTE_MS) return `${Math.round(ms / 1000)} s`;
  const totalMinutes = Math.round(ms / MINUTE_MS);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
