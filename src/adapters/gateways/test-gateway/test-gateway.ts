// The built-in test gateway. It keeps a ledger per idempotency key, as a processor does: a
// re-sent key returns the first answer and never charges again. Tests count charges in the ledger.
import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from '../../db/connect.ts';
import { bookTestGatewayCharge } from '../../db/test-gateway.repo.ts';
import type { ChargeRequest, ChargeResult, PaymentGateway } from '../port.ts';
import { findTestCard, parseTestToken } from './cards.ts';

export type TestGatewayOptions = {
  /** Simulated network latency of each call, to make concurrency visible in tests and benches. */
  latencyMs?: number;
};

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

export function createTestGateway(db: Db, options: TestGatewayOptions = {}): PaymentGateway {
  return {
    name: 'test',
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const decided = decide(req);
      const row = await bookTestGatewayCharge(db, {
        merchant_id: req.merchantId,
        idempotency_key: req.idempotencyKey,
        token: req.token,
        amount_minor: req.amountMinor,
        currency: req.currency,
        outcome: decided.outcome,
        decline_code: decided.code,
      });
      // The answer travels back after the processor has booked the charge: a worker that dies
      // now has charged without knowing it, the hardest case for idempotency.
      if (options.latencyMs) await delay(options.latencyMs);

      if (
        row.token !== req.token ||
        row.amount_minor !== req.amountMinor ||
        row.currency !== req.currency
      ) {
        // Stripe answers the same way: a key belongs to one request body.
        throw new IdempotencyConflictError(
          `idempotency key ${req.idempotencyKey} was used with other parameters`,
        );
      }
      if (row.request_count === 1 && decided.loseResponse) {
        return { kind: 'unknown', message: 'test gateway: response timed out' };
      }
      if (row.outcome === 'succeeded')
        return { kind: 'succeeded', gatewayChargeId: `tch_${req.idempotencyKey}` };
      const code = row.decline_code ?? 'generic_decline';
      const token = parseTestToken(req.token);
      const card = token ? findTestCard(token.number) : undefined;
      const b = card?.behaviour;
      const networkCodes =
        b && (b.kind === 'decline' || b.kind === 'decline_until') ? b : undefined;
      return {
        kind: 'declined',
        raw: {
          scheme: 'stripe',
          code,
          ...(card ? { network: card.brand } : {}),
          ...(networkCodes?.networkDeclineCode
            ? { networkDeclineCode: networkCodes.networkDeclineCode }
            : {}),
          ...(networkCodes && 'networkAdviceCode' in networkCodes && networkCodes.networkAdviceCode
            ? { networkAdviceCode: networkCodes.networkAdviceCode }
            : {}),
        },
        message: `test card declined: ${code}`,
      };
    },
  };
}

function decide(req: ChargeRequest): {
  outcome: 'succeeded' | 'declined';
  code: string | null;
  loseResponse: boolean;
} {
  const token = parseTestToken(req.token);
  const card = token ? findTestCard(token.number) : undefined;
  if (!token || !card) return { outcome: 'declined', code: 'invalid_number', loseResponse: false };
  const b = card.behaviour;
  switch (b.kind) {
    case 'succeed':
      return { outcome: 'succeeded', code: null, loseResponse: false };
    case 'decline':
      // The issuer asked for authentication (SCA): an on-session charge the customer authenticated
      // goes through, as with 3-D Secure; off-session it never does.
      if (b.code === 'authentication_required' && req.authenticated === true)
        return { outcome: 'succeeded', code: null, loseResponse: false };
      return { outcome: 'declined', code: b.code, loseResponse: false };
    case 'decline_until':
      return token.succeedsFrom && req.at.getTime() >= token.succeedsFrom.getTime()
        ? { outcome: 'succeeded', code: null, loseResponse: false }
        : { outcome: 'declined', code: b.code, loseResponse: false };
    case 'timeout_then_succeed':
      return { outcome: 'succeeded', code: null, loseResponse: true };
    default: {
      const unreachable: never = b;
      return unreachable;
    }
  }
}
