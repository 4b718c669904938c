// Row types of the tables in migrations/ that belong to this area; composed into Database in schema.ts.
import type { ColumnType, Selectable } from 'kysely';

export type SubscriptionBilling = 'dunner' | 'external';

export type PaymentFailuresTable = {
  merchant_id: string;
  payment_failure_id: string;
  external_charge_id: string;
  subscription_id: string;
  charge_id: string;
  attempt_id: string;
  case_id: string | null;
  opened_case: boolean;
  amount_minor: number;
  currency: string;
  decline: ColumnType<Record<string, unknown>, string, string>;
  raw_code: string;
  category: string;
  classification: string;
  description: string | null;
  failed_at: Date;
  created_at: ColumnType<Date, Date | string | undefined, never>;
};

export type PaymentFailureRow = Selectable<PaymentFailuresTable>;

export type ApiTables = {
  payment_failures: PaymentFailuresTable;
};
