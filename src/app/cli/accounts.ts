// Onboarding from the command line: a merchant with its first API key, more keys, operators who
// sign in to the dashboard, and the demo merchant's operator. Keys are printed once, never stored.
import type { Db } from '../../adapters/db/connect.ts';
import { merchantExists } from '../../adapters/db/merchants.repo.ts';
import { findMerchantOperator } from '../../adapters/db/sessions.repo.ts';
import { createApiKey } from '../access/api-keys.ts';
import { checkOperatorInput, createOperator } from '../access/sessions.ts';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';
import { createMerchant } from '../use-cases/create-merchant.ts';

/** The demo merchant's operator: a test-mode merchant with made-up data, so a known password is fine. */
export const DEMO_OPERATOR = { email: 'demo@dunner.local', password: 'demo-password' } as const;

export async function onboardMerchant(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { name: string; mode: 'test' | 'live'; operatorEmail?: string; operatorPassword?: string },
): Promise<Result<{ merchantId: string; apiKey: string; operatorId: string | null }>> {
  if ((input.operatorEmail === undefined) !== (input.operatorPassword === undefined))
    return fail(
      'invalid_field',
      'give both an operator email and a password, or neither',
      'operator_email',
    );
  const operatorInput =
    input.operatorEmail !== undefined && input.operatorPassword !== undefined
      ? { email: input.operatorEmail, password: input.operatorPassword }
      : null;
  const invalid = operatorInput && checkOperatorInput(operatorInput);
  if (invalid) return invalid;
  const created = await createMerchant(deps, { name: input.name, mode: input.mode });
  if (!created.ok) return created;
  const { merchantId } = created.value;
  let operatorId: string | null = null;
  if (operatorInput) {
    const operator = await createOperator(deps.db, { merchantId, ...operatorInput });
    if (!operator.ok) return operator;
    operatorId = operator.value.operatorId;
  }
  const key = await createApiKey(deps.db, { merchantId, label: 'first key' });
  return ok({ merchantId, apiKey: key.key, operatorId });
}

export async function mintApiKey(
  db: Db,
  merchantId: string,
  label: string,
): Promise<Result<{ apiKey: string; prefix: string }>> {
  if (!(await merchantExists(db, merchantId)))
    return fail('not_found', `no merchant ${merchantId}`, 'merchant');
  const key = await createApiKey(db, { merchantId, label });
  return ok({ apiKey: key.key, prefix: key.prefix });
}

export async function addOperator(
  db: Db,
  input: { merchantId: string; email: string; password: string },
): Promise<Result<{ operatorId: string }>> {
  if (!(await merchantExists(db, input.merchantId)))
    return fail('not_found', `no merchant ${input.merchantId}`, 'merchant');
  return createOperator(db, input);
}

/** The demo merchant gets its operator on first start (and on later starts, if it was removed). */
export async function ensureDemoOperator(db: Db, merchantId: string): Promise<void> {
  const existing = await findMerchantOperator(db, merchantId, DEMO_OPERATOR.email);
  if (existing) return;
  const created = await createOperator(db, { merchantId, ...DEMO_OPERATOR });
  if (!created.ok) throw new Error(`demo operator: ${created.error.message}`);
}
