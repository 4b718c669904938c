// The simulator's network-rule audit: every attempt on a customer's card, written down apart from
// the engine's own history, then read by the independent auditor (src/domain/audit), which shares
// no code with the rules the engine obeys (SPEC section 8).
import {
  type AuditAttempt,
  auditAttempts,
  type Violation,
} from '../../domain/audit/network-audit.ts';
import type { RawDecline } from '../../domain/declines/classify.ts';

export type AuditTrail = {
  readonly card: string;
  readonly network: string;
  readonly currency: string;
  readonly attempts: AuditAttempt[];
};

export type Answer = { kind: 'approved' } | { kind: 'declined'; raw: RawDecline | null };

export function auditTrail(card: string, network: string, currency: string): AuditTrail {
  return { card, network, currency, attempts: [] };
}

/** Writes down one charge of the card, as the network saw it. */
export function recordCharge(
  trail: AuditTrail,
  at: Date,
  amountMinor: number,
  answer: Answer,
  initiatedBy: AuditAttempt['initiatedBy'],
): void {
  const raw = answer.kind === 'declined' ? answer.raw : null;
  trail.attempts.push({
    id: `${trail.card}#${trail.attempts.length + 1}`,
    card: trail.card,
    network: trail.network,
    sentAt: at,
    amountMinor,
    currency: trail.currency,
    initiatedBy,
    outcome: answer.kind,
    gatewayCode: raw?.code ?? null,
    networkCode: raw?.scheme === 'stripe' ? (raw.networkDeclineCode ?? null) : null,
    adviceCode: raw?.scheme === 'stripe' ? (raw.networkAdviceCode ?? null) : null,
  });
}

/** The merchant's charges of this card that the networks would charge a fee for or refuse. */
export function auditTrailViolations(trail: AuditTrail): Violation[] {
  return auditAttempts(trail.attempts);
}
