// /v1/payment_failures: for merchants whose billing lives elsewhere. Their system reports a failed
// charge; Dunner opens or continues the subscription's dunning case with the reported decline.
// The same external charge reported twice is applied once (200 with the first result).

import type { Db } from '../../../../adapters/db/connect.ts';
import { findCaseWithCustomer } from '../../../../adapters/db/dunning-cases.repo.ts';
import {
  findPaymentFailure,
  findPaymentFailureCursor,
  listPaymentFailurePage,
} from '../../../../adapters/db/payment-failures.repo.ts';
import type { PaymentFailureRow } from '../../../../adapters/db/schema-api.ts';
import {
  type ReportedDecline,
  reportPaymentFailure,
} from '../../../use-cases/report-payment-failure.ts';
import {
  ApiError,
  errorResponses,
  type ListQuery,
  listQuerySchema,
  notFound,
  pageOf,
  pageSchema,
  type V1Plugin,
} from '../kit.ts';
import {
  declineProperties,
  paymentFailureSchema,
  presentPaymentFailure,
} from '../present-cases.ts';

const TAGS = ['payment_failures'];
const id = { type: 'string', minLength: 1, maxLength: 100 } as const;

type DeclineBody = {
  scheme: string;
  code: string;
  network?: string;
  network_decline_code?: string;
  network_advice_code?: string;
  advice_code?: string;
  merchant_advice_code?: string;
};

type ReportBody = {
  subscription_id: string;
  external_charge_id: string;
  amount_in_cents: number;
  currency: string;
  decline: DeclineBody;
  failed_at?: string;
  description?: string;
};

function declineOf(d: DeclineBody): ReportedDecline {
  return {
    scheme: d.scheme,
    code: d.code,
    ...(d.network !== undefined ? { network: d.network } : {}),
    ...(d.network_decline_code !== undefined ? { networkDeclineCode: d.network_decline_code } : {}),
    ...(d.network_advice_code !== undefined ? { networkAdviceCode: d.network_advice_code } : {}),
    ...(d.advice_code !== undefined ? { adviceCode: d.advice_code } : {}),
    ...(d.merchant_advice_code !== undefined ? { merchantAdviceCode: d.merchant_advice_code } : {}),
  };
}

async function withCase(db: Db, row: PaymentFailureRow) {
  const dunningCase = row.case_id
    ? await findCaseWithCustomer(db, row.merchant_id, row.case_id)
    : undefined;
  return presentPaymentFailure(row, dunningCase ?? null);
}

const plugin: V1Plugin = async (app, { services }) => {
  app.post<{ Body: ReportBody }>(
    '/payment_failures',
    {
      schema: {
        tags: TAGS,
        summary: 'Report a charge that failed in your billing system',
        description:
          'Opens a dunning case for the subscription, or continues its open case without ' +
          'resetting the schedule, exactly as a renewal the engine charged itself would. The ' +
          'decline is classified from its codes. Reporting the same `external_charge_id` again ' +
          'changes nothing and answers 200 with the first result. An unpaid subscription accrues ' +
          'the amount without a case. For subscriptions billed elsewhere, see docs/external-billing.md.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: [
            'subscription_id',
            'external_charge_id',
            'amount_in_cents',
            'currency',
            'decline',
          ],
          properties: {
            subscription_id: id,
            external_charge_id: {
              type: 'string',
              minLength: 1,
              maxLength: 255,
              description: 'The charge’s id in your system (e.g. a Stripe charge or invoice id).',
            },
            amount_in_cents: {
              type: 'integer',
              minimum: 1,
              maximum: 100_000_000_000,
              description: 'The failed amount in the currency’s minor unit.',
            },
            currency: {
              type: 'string',
              pattern: '^[A-Z]{3}$',
              description: 'ISO 4217; must be the subscription’s currency.',
            },
            decline: {
              type: 'object',
              additionalProperties: false,
              required: ['scheme', 'code'],
              properties: declineProperties,
            },
            failed_at: {
              type: 'string',
              format: 'date-time',
              description: 'When the charge failed (day 1 of a new case); now if absent.',
            },
            description: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
        response: { 200: paymentFailureSchema, 201: paymentFailureSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await reportPaymentFailure(services, {
        merchantId: request.caller.merchantId,
        subscriptionId: b.subscription_id,
        externalChargeId: b.external_charge_id,
        amountMinor: b.amount_in_cents,
        currency: b.currency,
        decline: declineOf(b.decline),
        ...(b.failed_at !== undefined ? { failedAt: new Date(b.failed_at) } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
      });
      if (!result.ok) throw ApiError.from(result.error);
      const { failure, replayed } = result.value;
      return reply.code(replayed ? 200 : 201).send(await withCase(services.db, failure));
    },
  );

  app.get<{ Querystring: ListQuery & { subscription_id?: string } }>(
    '/payment_failures',
    {
      schema: {
        tags: TAGS,
        summary: 'List reported payment failures, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...listQuerySchema, subscription_id: id },
        },
        response: { 200: pageSchema(paymentFailureSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, starting_after, subscription_id } = request.query;
      const merchantId = request.caller.merchantId;
      const cursor =
        starting_after === undefined
          ? undefined
          : await findPaymentFailureCursor(services.db, merchantId, starting_after);
      if (starting_after !== undefined && !cursor)
        throw new ApiError(
          'invalid_field',
          'starting_after is not a payment failure of this list',
          'starting_after',
        );
      const rows = await listPaymentFailurePage(
        services.db,
        merchantId,
        subscription_id !== undefined ? { subscriptionId: subscription_id } : {},
        cursor,
        limit + 1,
      );
      const page = pageOf(
        rows,
        limit,
        (r) => r.payment_failure_id,
        (r) => r,
      );
      return { ...page, data: await Promise.all(page.data.map((r) => withCase(services.db, r))) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/payment_failures/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a reported payment failure',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id },
        },
        response: { 200: paymentFailureSchema, ...errorResponses },
      },
    },
    async (request) => {
      const row = await findPaymentFailure(
        services.db,
        request.caller.merchantId,
        request.params.id,
      );
      if (!row) throw notFound('payment failure');
      return withCase(services.db, row);
    },
  );
};

export default plugin;
