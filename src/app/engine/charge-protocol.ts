// The one charge protocol (docs/decisions/001): record each attempt with its idempotency key and
// commit; call the gateway outside any transaction, many at once; apply every answer in one
// transaction. Renewals, case steps, operator and component charges and update-link payments
// all charge through here.
import type { Db } from '../../adapters/db/connect.ts';
import { loadPaymentMethods } from '../../adapters/db/engine.repo.ts';
import { countSends } from '../../adapters/db/payment-attempts.repo.ts';
import type { AttemptRow } from '../../adapters/db/schema.ts';
import type { ChargeResult, PaymentGateway } from '../../adapters/gateways/port.ts';
import type { Deps } from '../deps.ts';
import { inParallel } from './in-parallel.ts';

export type Charge = {
  readonly attempt: AttemptRow;
  /** Business time of the charge. */
  readonly at: Date;
  /** The method's gateway token when the caller has it; looked up otherwise (null: none). */
  readonly token?: string | null;
  /** The customer is present and confirmed this payment with their bank (the hosted page). */
  readonly authenticated?: boolean;
};

export type Answered<C extends Charge> = C & { readonly result: ChargeResult };

export async function chargeInPhases<C extends Charge, R>(
  deps: Deps,
  record: (trx: Db) => Promise<readonly C[]>,
  apply: (trx: Db, answered: readonly Answered<C>[]) => Promise<R>,
  options: { maxInFlight?: number } = {},
): Promise<R | null> {
  const charges = await deps.db.transaction().execute(async (trx) => {
    const recorded = await record(trx);
    const withTokens = [];
    for (const c of recorded)
      withTokens.push({
        ...c,
        token: c.token !== undefined ? c.token : await tokenOf(trx, c.attempt),
      });
    // Every request about to be made is counted before it is made.
    await countSends(
      trx,
      withTokens.filter((c) => c.token !== null).map((c) => c.attempt),
    );
    return withTokens;
  });
  if (charges.length === 0) return null;
  const results = await inParallel(charges, options.maxInFlight ?? 1, async (c) =>
    chargeAttempt(
      deps.gateway,
      c.attempt,
      c.token,
      c.at,
      c.authenticated ? { authenticated: true } : {},
    ),
  );
  return deps.db.transaction().execute((trx) =>
    apply(
      trx,
      charges.map((c, i) => ({ ...c, result: results[i]! })),
    ),
  );
}

async function tokenOf(db: Db, attempt: AttemptRow): Promise<string | null> {
  if (!attempt.payment_method_id) return null;
  const [pm] = await loadPaymentMethods(db, [
    { merchantId: attempt.merchant_id, id: attempt.payment_method_id },
  ]);
  return pm?.gateway_token ?? null;
}

/** Calls the gateway for a recorded attempt with the method's token (null: none on file). */
export async function chargeAttempt(
  gateway: PaymentGateway,
  attempt: AttemptRow,
  token: string | null,
  at: Date,
  options: { authenticated?: boolean } = {},
): Promise<ChargeResult> {
  if (token === null)
    return {
      kind: 'declined',
      raw: { scheme: 'stripe', code: 'invalid_account' },
      message: 'no payment method on file',
    };
  try {
    return await gateway.charge({
      merchantId: attempt.merchant_id,
      idempotencyKey: attempt.idempotency_key,
      token,
      amountMinor: attempt.amount_minor,
      currency: attempt.currency,
      at,
      ...(options.authenticated ? { authenticated: true } : {}),
    });
  } catch (error) {
    // A thrown call is treated like a lost answer: the same key is re-sent later.
    return { kind: 'unknown', message: `gateway error: ${(error as Error).message}` };
  }
}
