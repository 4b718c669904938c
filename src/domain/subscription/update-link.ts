// When the update link of a hard-declined renewal still works (SPEC section 4, hard-decline
// dunning): while the subscription is active or in grace; with no grace period, for 3 hours
// after the hard-declined attempt.
import type { SubscriptionState } from './state.ts';

export const NO_GRACE_LINK_MS = 3 * 3_600_000;
const DAY_MS = 86_400_000;

export type UpdateLinkInput = {
  readonly state: SubscriptionState;
  readonly graceDays: number;
  readonly pastDueSince: Date | null;
  /** When the hard-declined attempt was made. */
  readonly declinedAt: Date;
};

export type UpdateLinkValidity = { valid: boolean; expiresAt: Date | null; why: string };

export function updateLinkValidity(input: UpdateLinkInput, now: Date): UpdateLinkValidity {
  if (input.state === 'active')
    return { valid: true, expiresAt: null, why: 'the subscription is active' };
  if (input.state !== 'past_due')
    return { valid: false, expiresAt: null, why: `the subscription is ${input.state}` };
  if (input.graceDays > 0) {
    const since = input.pastDueSince ?? input.declinedAt;
    const expiresAt = new Date(since.getTime() + input.graceDays * DAY_MS);
    return now.getTime() < expiresAt.getTime()
      ? { valid: true, expiresAt, why: `in the ${input.graceDays}-day grace period` }
      : { valid: false, expiresAt, why: 'the grace period has ended' };
  }
  const expiresAt = new Date(input.declinedAt.getTime() + NO_GRACE_LINK_MS);
  return now.getTime() < expiresAt.getTime()
    ? {
        valid: true,
        expiresAt,
        why: 'no grace period: valid for 3 hours after the declined attempt',
      }
    : {
        valid: false,
        expiresAt,
        why: 'no grace period and more than 3 hours since the declined attempt',
      };
}

export type StepMessageAfterHardDecline =
  | { send: true; linkExpiresAt: Date | null }
  | { send: false; why: string };

/**
 * A strategy step's message in a case where hard-decline dunning sent its message. That message is
 * the case's first notice, so the first step sends nothing more; a later step's message goes out
 * only while its update link would work, and that link expires when the rule above says.
 */
export function stepMessageAfterHardDecline(
  input: UpdateLinkInput & { readonly stepIndex: number },
  now: Date,
): StepMessageAfterHardDecline {
  if (input.stepIndex === 0)
    return {
      send: false,
      why: `the hard-decline message sent at ${input.declinedAt.toISOString()} is this case's first notice: one hard-declined renewal sends one message`,
    };
  const link = updateLinkValidity(input, now);
  if (!link.valid)
    return {
      send: false,
      why: `its update link would not work (${link.why}), and the message asks for a new payment method through it`,
    };
  return { send: true, linkExpiresAt: link.expiresAt };
}
