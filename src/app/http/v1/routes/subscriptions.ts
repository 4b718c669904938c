// /v1/subscriptions: hand subscriptions to the engine, read their state, entitlement and balance,
// and act on them: cancel, reactivate, apply a payment made by other means, write off the balance,
// retry the renewal now, or replace the payment method (which retries an open case at once).
import type { FastifyReply } from 'fastify';
import type { SubscriptionRow } from '../../../../adapters/db/schema.ts';
import { BILLING_INTERVALS } from '../../../../domain/subscription/period.ts';
import { SUBSCRIPTION_STATES } from '../../../../domain/subscription/state.ts';
import { newId } from '../../../ids.ts';
import type { Result } from '../../../result.ts';
import { createSubscription } from '../../../use-cases/create-subscription.ts';
import { getSubscription, listSubscriptions } from '../../../use-cases/read-subscriptions.ts';
import {
  applyPayment,
  cancelSubscription,
  reactivateSubscription,
  retryRenewal,
  writeOffBalance,
} from '../../../use-cases/subscription-actions.ts';
import { replaceSubscriptionPaymentMethod } from '../../../use-cases/update-payment-method.ts';
import {
  ApiError,
  type Caller,
  callerNow,
  errorResponses,
  type ListQuery,
  listQuery,
  pageOf,
  pageRequest,
  pageSchema,
  type Services,
  sendResult,
  type V1Plugin,
} from '../kit.ts';
import { idField, idParams, presentSubscription, subscriptionSchema, text } from '../present.ts';

const TAGS = ['subscriptions'];

const id = idField;

type CreateBody = {
  customer_id: string;
  payment_method_id?: string | null;
  product_name: string;
  price_in_cents: number;
  currency: string;
  interval: (typeof BILLING_INTERVALS)[number];
  interval_count?: number;
  auto_renew?: boolean;
  billing?: 'dunner' | 'external';
  grace_days?: number;
  current_period_start?: string;
  primary_subscription_id?: string;
};

type ListQueryWithFilters = ListQuery & {
  state?: (typeof SUBSCRIPTION_STATES)[number];
  customer_id?: string;
};

/** Answers with the subscription as it is now, after an action succeeded. */
async function sendSubscription(
  services: Services,
  reply: FastifyReply,
  caller: Caller,
  subscriptionId: string,
  status = 200,
): Promise<FastifyReply> {
  const row = await getSubscription(services.db, caller.merchantId, subscriptionId);
  const now = await callerNow(services, caller);
  return sendResult(reply, row, (r) => presentSubscription(r, now), status);
}

/** A failed action: a missing subscription is the id in the path, whatever the use case calls it. */
function throwFailure(result: Result<unknown>): never {
  if (result.ok) throw new Error('throwFailure called with a success');
  const e = result.error;
  if (e.code === 'not_found' && e.field === 'subscription_id')
    throw new ApiError('not_found', e.message, 'id');
  throw ApiError.from(e);
}

/** An action that takes no field may be sent with no body at all (`curl -X POST …/cancel`). */
const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;
async function defaultToEmptyObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

const plugin: V1Plugin = async (app, { services }) => {
  app.post<{ Body: CreateBody }>(
    '/subscriptions',
    {
      schema: {
        tags: TAGS,
        summary: 'Hand a paid-up subscription to the engine',
        description:
          'The current period is paid; the engine charges the renewal at its end, and runs ' +
          'dunning when a charge fails. A subscription becomes past_due only through a failed ' +
          'charge, never by a direct call.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['customer_id', 'product_name', 'price_in_cents', 'currency', 'interval'],
          properties: {
            customer_id: id,
            payment_method_id: {
              ...idField,
              type: ['string', 'null'],
              description: 'One of the customer’s methods; null: the customer pays by pay link.',
            },
            product_name: text(200),
            price_in_cents: {
              type: 'integer',
              minimum: 0,
              maximum: 100_000_000_000,
              description: 'The recurring price in the currency’s minor unit (cents for USD).',
            },
            currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. USD' },
            interval: { type: 'string', enum: BILLING_INTERVALS },
            interval_count: { type: 'integer', minimum: 1, maximum: 36, default: 1 },
            auto_renew: { type: 'boolean', default: true },
            billing: {
              type: 'string',
              enum: ['dunner', 'external'],
              default: 'dunner',
              description:
                '`external`: your billing system renews it and reports failed charges to ' +
                'POST /v1/payment_failures; Dunner never charges its renewals, only retries in dunning.',
            },
            grace_days: {
              type: 'integer',
              minimum: 0,
              maximum: 90,
              description:
                'Days of full access after a failed charge; the merchant’s default if absent.',
            },
            current_period_start: {
              type: 'string',
              format: 'date-time',
              description:
                'Start of the paid period; now if absent. The first renewal is at its end.',
            },
            primary_subscription_id: {
              ...id,
              description: 'Makes this subscription a member of that primary’s group.',
            },
          },
        },
        response: { 201: subscriptionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await createSubscription(services, {
        merchantId: request.caller.merchantId,
        customerId: b.customer_id,
        paymentMethodId: b.payment_method_id ?? null,
        productName: b.product_name,
        priceMinor: b.price_in_cents,
        currency: b.currency,
        interval: b.interval,
        ...(b.interval_count !== undefined ? { intervalCount: b.interval_count } : {}),
        ...(b.auto_renew !== undefined ? { autoRenew: b.auto_renew } : {}),
        ...(b.billing !== undefined ? { billing: b.billing } : {}),
        ...(b.grace_days !== undefined ? { graceDays: b.grace_days } : {}),
        ...(b.current_period_start !== undefined
          ? { currentPeriodStart: new Date(b.current_period_start) }
          : {}),
        ...(b.primary_subscription_id !== undefined
          ? { primarySubscriptionId: b.primary_subscription_id }
          : {}),
      });
      if (!created.ok) {
        const e = created.error;
        // The request's own field names.
        const field = e.field === 'price_minor' ? 'price_in_cents' : e.field;
        throw new ApiError(e.code, e.message.replace('price must', 'price_in_cents must'), field);
      }
      return sendSubscription(services, reply, request.caller, created.value.subscriptionId, 201);
    },
  );

  app.get<{ Querystring: ListQueryWithFilters }>(
    '/subscriptions',
    {
      schema: {
        tags: TAGS,
        summary: 'List subscriptions, newest first',
        querystring: listQuery({
          state: { type: 'string', enum: SUBSCRIPTION_STATES },
          customer_id: id,
        }),
        response: { 200: pageSchema(subscriptionSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { limit, state, customer_id } = q;
      const rows = await listSubscriptions(
        services.db,
        request.caller.merchantId,
        {
          ...(state !== undefined ? { state } : {}),
          ...(customer_id !== undefined ? { customerId: customer_id } : {}),
        },
        pageRequest(q),
      );
      const now = await callerNow(services, request.caller);
      return sendResult(reply, rows, (r) =>
        pageOf(
          r,
          limit,
          (s: SubscriptionRow) => s.subscription_id,
          (s) => presentSubscription(s, now),
        ),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/subscriptions/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a subscription: state, entitlement, balance',
        description:
          '`entitlement` is the access to grant now: `full` while paid or in the grace period, ' +
          '`limited` after it, `none` when unpaid or canceled.',
        params: idParams,
        response: { 200: subscriptionSchema, ...errorResponses },
      },
    },
    async (request, reply) => sendSubscription(services, reply, request.caller, request.params.id),
  );

  const action = (summary: string, description: string, body: object = emptyBody) => ({
    preValidation: defaultToEmptyObject,
    schema: {
      tags: TAGS,
      summary,
      description,
      params: idParams,
      body,
      response: { 200: subscriptionSchema, ...errorResponses },
    },
  });

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    '/subscriptions/:id/cancel',
    action(
      'Cancel a subscription now',
      'An open dunning case stops at once: no retry or message goes out after it.',
      {
        type: 'object',
        additionalProperties: false,
        properties: { reason: text(500) },
      },
    ),
    async (request, reply) => {
      const { caller } = request;
      const result = await cancelSubscription(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
        ...(request.body.reason !== undefined ? { reason: request.body.reason } : {}),
      });
      if (!result.ok) throwFailure(result);
      return sendSubscription(services, reply, caller, request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/subscriptions/:id/reactivate',
    action(
      'Reactivate a canceled subscription',
      'A new period starts now and its renewal is charged at once by the worker.',
    ),
    async (request, reply) => {
      const { caller } = request;
      const result = await reactivateSubscription(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
      });
      if (!result.ok) throwFailure(result);
      return sendSubscription(services, reply, caller, request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { amount_in_cents: number; reference?: string } }>(
    '/subscriptions/:id/apply_payment',
    action(
      'Apply a payment received by other means',
      'A bank transfer, cash, … Clearing the balance recovers the open case and returns the ' +
        'subscription to active.',
      {
        type: 'object',
        additionalProperties: false,
        required: ['amount_in_cents'],
        properties: {
          amount_in_cents: { type: 'integer', minimum: 1, maximum: 100_000_000_000 },
          reference: text(200),
        },
      },
    ),
    async (request, reply) => {
      const { caller } = request;
      const result = await applyPayment(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
        amountMinor: request.body.amount_in_cents,
        ...(request.body.reference !== undefined ? { reference: request.body.reference } : {}),
      });
      if (!result.ok) {
        if (result.error.field === 'amount_minor')
          throw new ApiError('invalid_field', result.error.message, 'amount_in_cents');
        throwFailure(result);
      }
      return sendSubscription(services, reply, caller, request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/subscriptions/:id/write_off',
    action(
      'Write off the balance',
      'Owed charges are forgiven; the state stays until a renewal is retried. Not while a ' +
        'dunning case is open.',
    ),
    async (request, reply) => {
      const { caller } = request;
      const result = await writeOffBalance(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
      });
      if (!result.ok) throwFailure(result);
      return sendSubscription(services, reply, caller, request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/subscriptions/:id/retry_renewal',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Charge the renewal now',
        description:
          'Charges the balance, or the price when the balance was written off. Success returns ' +
          'a past_due or unpaid subscription to active. With an Idempotency-Key, a repeated ' +
          'request never charges twice.',
        params: idParams,
        body: emptyBody,
        response: {
          200: {
            type: 'object',
            required: ['outcome', 'subscription'],
            properties: {
              outcome: { type: 'string', enum: ['succeeded', 'declined', 'unknown'] },
              subscription: subscriptionSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      const result = await retryRenewal(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
        // The charge's idempotency key follows the request's, so a retried request is one charge.
        idempotencyKey: request.idempotencyKey
          ? `${caller.merchantId}:${request.idempotencyKey}`
          : newId('retry'),
      });
      if (!result.ok) throwFailure(result);
      const row = await getSubscription(services.db, caller.merchantId, request.params.id);
      const now = await callerNow(services, caller);
      return sendResult(reply, row, (r) => ({
        outcome: result.value.outcome,
        subscription: presentSubscription(r, now),
      }));
    },
  );

  app.post<{ Params: { id: string }; Body: { payment_method_id: string } }>(
    '/subscriptions/:id/payment_method',
    action(
      'Replace the payment method',
      'The new method must belong to the subscription’s customer. An open dunning case ' +
        'switches to it and retries at once.',
      {
        type: 'object',
        additionalProperties: false,
        required: ['payment_method_id'],
        properties: { payment_method_id: id },
      },
    ),
    async (request, reply) => {
      const { caller } = request;
      const result = await replaceSubscriptionPaymentMethod(services, {
        merchantId: caller.merchantId,
        subscriptionId: request.params.id,
        paymentMethodId: request.body.payment_method_id,
      });
      if (!result.ok) throwFailure(result);
      return sendSubscription(services, reply, caller, request.params.id);
    },
  );
};

export default plugin;
