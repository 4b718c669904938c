/** The one source of "now" for business decisions; tests and the demo pass their own. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date): Clock & { set(to: Date): void; advanceMs(ms: number): void } {
  let current = at;
  return {
    now: () => current,
    set: (to) => {
      current = to;
    },
    advanceMs: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** A merchant in test mode lives on its own test clock; a live merchant on the real one. */
export function merchantNow(merchant: { test_clock_at: Date | null }, clock: Clock): Date {
  return merchant.test_clock_at ?? clock.now();
}
