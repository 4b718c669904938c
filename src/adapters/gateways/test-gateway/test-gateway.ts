// The built-in test gateway. It keeps a ledger per idempotency key, as a processor does: a
// re-sent key returns the first answer and never charges again. Tests count charges in the ledger.
import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from '../../db/connect.ts';
import { bookTestCharges, type LedgerRequest, type LedgerRow } from '../../db/test-gateway.repo.ts';
import type { ChargeRequest, ChargeResult, PaymentGateway } from '../port.ts';
import { parseTestToken } from './cards.ts';

export type TestGatewayOptions = {
  /** Simulated network latency of each call, to make concurrency visible in tests and benches. */
  latencyMs?: number;
  /** Each call's latency is drawn uniformly from latencyMs ± jitterMs (never below 0). */
  jitterMs?: number;
  /** Source of the jitter, in [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
  /** How the latency is waited for; a real timer unless a test counts it instead. */
  sleep?: (ms: number) => Promise<unknown>;
};

/** One call's simulated latency: uniform in latencyMs ± jitterMs, clamped at 0. */
export function simulatedLatencyMs(
  latencyMs: number,
  jitterMs: number,
  random: () => number,
): number {
  return Math.max(0, latencyMs + (2 * random() - 1) * jitterMs);
}

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

export function createTestGateway(db: Db, options: TestGatewayOptions = {}): PaymentGateway {
  const { latencyMs = 0, jitterMs = 0, random = Math.random, sleep = delay } = options;
  const ledger = batchedLedger(db);
  return {
    name: 'test',
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const decided = decide(req);
      const row = await ledger.book({
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
      if (latencyMs > 0 || jitterMs > 0)
        await sleep(simulatedLatencyMs(latencyMs, jitterMs, random));

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
      const card = parseTestToken(req.token)?.card;
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
  const card = token?.card;
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

type Waiting = {
  request: LedgerRequest;
  resolve: (row: LedgerRow) => void;
  reject: (error: unknown) => void;
};

/**
 * Books the requests that arrive together (in one turn of the event loop) in one statement, as a
 * processor takes many calls at once. A key seen twice in one turn waits for the next booking, so
 * each statement touches a key once.
 */
function batchedLedger(db: Db): { book(request: LedgerRequest): Promise<LedgerRow> } {
  let queue: Waiting[] = [];
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const keys = new Set<string>();
    for (const w of queue) {
      const k = `${w.request.merchant_id}\u0000${w.request.idempotency_key}`;
      if (keys.has(k)) later.push(w);
      else {
        keys.add(k);
        batch.push(w);
      }
    }
    queue = later;
    if (later.length > 0) schedule();
    bookTestCharges(
      db,
      batch.map((w) => w.request),
    ).then(
      (rows) => {
        const byKey = new Map(rows.map((r) => [`${r.merchant_id}\u0000${r.idempotency_key}`, r]));
        for (const w of batch) {
          const row = byKey.get(`${w.request.merchant_id}\u0000${w.request.idempotency_key}`);
          if (row) w.resolve(row);
          else w.reject(new Error('test gateway: the ledger did not answer'));
        }
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  };
  return {
    book: (request) =>
      new Promise<LedgerRow>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        schedule();
      }),
  };
}
