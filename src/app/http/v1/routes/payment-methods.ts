// /v1/customers/:id/payment_methods and /v1/payment_methods/:id: add a customer's methods (a
// test-gateway card, a real gateway's token, or a pay link), list and read them, and report new
// details from a card updater, which retries the open cases that use the method at once.
import { TEST_CARDS } from '../../../../adapters/gateways/test-gateway/cards.ts';
import { PAYMENT_METHOD_TYPES } from '../../../../domain/strategy/strategy.ts';
import { getPaymentMethod, listPaymentMethods } from '../../../use-cases/read-payment-methods.ts';
import {
  METHOD_GATEWAYS,
  type MethodGateway,
  registerPaymentMethod,
  resolveTestCard,
} from '../../../use-cases/register-payment-method.ts';
import { updatePaymentMethod } from '../../../use-cases/update-payment-method.ts';
import {
  ApiError,
  errorResponses,
  type ListQuery,
  listQuery,
  pageOf,
  pageRequest,
  pageSchema,
  sendResult,
  type V1Plugin,
} from '../kit.ts';
import { idParams, paymentMethodSchema, presentPaymentMethod, text } from '../present.ts';

const TAGS = ['payment_methods'];

const testCard = {
  ...text(40),
  description: `Test gateway: a test card by name (${Object.keys(TEST_CARDS).join(', ')}) or number (docs/test-cards.md).`,
} as const;
const expMonth = { type: 'integer', minimum: 1, maximum: 12 } as const;
const expYear = { type: 'integer', minimum: 2000, maximum: 2100 } as const;
const succeedsFrom = {
  type: 'string',
  format: 'date-time',
  description: 'For the `insufficient_funds_until` card: from when its charges succeed.',
} as const;

type CreateBody = {
  type?: (typeof PAYMENT_METHOD_TYPES)[number];
  test_card?: string;
  succeeds_from?: string;
  gateway?: MethodGateway;
  token?: string;
  brand?: string;
  last4?: string;
  exp_month?: number;
  exp_year?: number;
};

type UpdateBody = {
  test_card?: string;
  succeeds_from?: string;
  exp_month?: number;
  exp_year?: number;
  source?: 'card_updater' | 'customer';
};

const plugin: V1Plugin = async (app, { services }) => {
  app.post<{ Params: { id: string }; Body: CreateBody }>(
    '/customers/:id/payment_methods',
    {
      schema: {
        tags: TAGS,
        summary: 'Add a payment method to a customer',
        description:
          'Either `test_card` (test gateway), or `gateway` and `token` (a real gateway’s token, e.g. ' +
          'Stripe’s `stripe:cus_…:pm_…`, with the display details you have), or `type: pay_link` ' +
          'alone. Only tokens and display details are stored, never a card number.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: PAYMENT_METHOD_TYPES, default: 'card' },
            test_card: testCard,
            succeeds_from: succeedsFrom,
            gateway: { type: 'string', enum: METHOD_GATEWAYS },
            token: text(200),
            brand: text(30),
            last4: { type: 'string', pattern: '^[0-9]{4}$' },
            exp_month: expMonth,
            exp_year: expYear,
          },
        },
        response: { 201: paymentMethodSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      const created = await registerPaymentMethod(services, {
        merchantId,
        customerId: request.params.id,
        type: b.type ?? 'card',
        ...(b.test_card !== undefined ? { testCard: b.test_card } : {}),
        ...(b.succeeds_from !== undefined ? { succeedsFrom: new Date(b.succeeds_from) } : {}),
        ...(b.gateway !== undefined ? { gateway: b.gateway } : {}),
        ...(b.token !== undefined ? { token: b.token } : {}),
        ...(b.brand !== undefined ? { brand: b.brand } : {}),
        ...(b.last4 !== undefined ? { last4: b.last4 } : {}),
        ...(b.exp_month !== undefined ? { expMonth: b.exp_month } : {}),
        ...(b.exp_year !== undefined ? { expYear: b.exp_year } : {}),
      });
      if (!created.ok) {
        // The customer in the path is the id at fault, whatever the use case calls it.
        if (created.error.code === 'not_found')
          throw new ApiError('not_found', created.error.message, 'id');
        return sendResult(reply, created);
      }
      return sendResult(
        reply,
        await getPaymentMethod(services.db, merchantId, created.value.paymentMethodId),
        presentPaymentMethod,
        201,
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/customers/:id/payment_methods',
    {
      schema: {
        tags: TAGS,
        summary: 'List a customer’s payment methods, newest first',
        params: idParams,
        querystring: listQuery(),
        response: { 200: pageSchema(paymentMethodSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = await listPaymentMethods(
        services.db,
        request.caller.merchantId,
        request.params.id,
        pageRequest(q),
      );
      return sendResult(reply, rows, (r) =>
        pageOf(r, q.limit, (m) => m.payment_method_id, presentPaymentMethod),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/payment_methods/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a payment method',
        params: idParams,
        response: { 200: paymentMethodSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getPaymentMethod(services.db, request.caller.merchantId, request.params.id),
        presentPaymentMethod,
      ),
  );

  app.post<{ Params: { id: string }; Body: UpdateBody }>(
    '/payment_methods/:id/update',
    {
      schema: {
        tags: TAGS,
        summary: 'Report new details of a payment method (card updater)',
        description:
          'A new expiry, or a replacement test card (new number, so new last 4). Open dunning ' +
          'cases that use the method are retried at once, still within the network rules.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            test_card: testCard,
            succeeds_from: succeedsFrom,
            exp_month: expMonth,
            exp_year: expYear,
            source: {
              type: 'string',
              enum: ['card_updater', 'customer'],
              default: 'card_updater',
              description: 'Who reported the change; recorded in the event log.',
            },
          },
        },
        response: { 200: paymentMethodSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      const card = b.test_card !== undefined ? resolveTestCard(b.test_card) : undefined;
      if (b.test_card !== undefined && !card)
        throw new ApiError('invalid_field', 'not a test card name or number', 'test_card');
      if (b.test_card === undefined && b.exp_month === undefined && b.exp_year === undefined)
        throw new ApiError(
          'invalid_field',
          'give the new details: test_card, exp_month or exp_year',
          'exp_month',
        );
      const updated = await updatePaymentMethod(services, {
        merchantId,
        paymentMethodId: request.params.id,
        source: b.source ?? 'card_updater',
        ...(card
          ? {
              testCard: {
                number: card.number,
                ...(b.succeeds_from !== undefined
                  ? { succeedsFrom: new Date(b.succeeds_from) }
                  : {}),
                ...(b.exp_month !== undefined ? { expMonth: b.exp_month } : {}),
                ...(b.exp_year !== undefined ? { expYear: b.exp_year } : {}),
              },
            }
          : {}),
        ...(b.exp_month !== undefined ? { expMonth: b.exp_month } : {}),
        ...(b.exp_year !== undefined ? { expYear: b.exp_year } : {}),
      });
      if (!updated.ok) {
        if (updated.error.code === 'not_found')
          throw new ApiError('not_found', updated.error.message, 'id');
        if (updated.error.field === 'test_card.succeeds_from')
          throw new ApiError('invalid_field', updated.error.message, 'succeeds_from');
        if (updated.error.field?.startsWith('test_card'))
          throw new ApiError('invalid_field', updated.error.message, 'test_card');
        return sendResult(reply, updated);
      }
      return sendResult(
        reply,
        await getPaymentMethod(services.db, merchantId, request.params.id),
        presentPaymentMethod,
      );
    },
  );
};

export default plugin;
