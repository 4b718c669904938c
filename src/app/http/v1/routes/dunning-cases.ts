// /v1/dunning_cases: the cases, filterable; one case with its timeline (attempts, messages,
// decisions with their why, next action, strategy version); and what an operator can do to an
// open case: retry now (when the rules allow it), cancel dunning, mark it paid by other means.
import type { FastifyReply } from 'fastify';
import { CASE_STATUSES, type CaseStatus } from '../../../../domain/case/case.ts';
import {
  DECLINE_CATEGORIES,
  type DeclineCategory,
} from '../../../../domain/declines/categories.ts';
import {
  cancelDunningCase,
  markDunningCasePaid,
  retryDunningCase,
} from '../../../use-cases/dunning-case-actions.ts';
import {
  type CaseListRow,
  getDunningCase,
  listDunningCases,
} from '../../../use-cases/read-dunning-cases.ts';
import {
  ApiError,
  type Caller,
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
import {
  attemptSchema,
  caseSchema,
  caseTimelineSchema,
  presentAttempt,
  presentCase,
  presentCaseTimeline,
} from '../present-cases.ts';

const TAGS = ['dunning_cases'];
const id = { type: 'string', minLength: 1, maxLength: 100 } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id },
} as const;
const amount = { type: 'integer', minimum: 0, maximum: 100_000_000_000 } as const;

type ListQueryWithFilters = ListQuery & {
  status?: CaseStatus;
  category?: DeclineCategory;
  strategy_id?: string;
  subscription_id?: string;
  currency?: string;
  min_amount_in_cents?: number;
  max_amount_in_cents?: number;
  opened_after?: string;
  opened_before?: string;
};

async function sendTimeline(
  services: Services,
  reply: FastifyReply,
  caller: Caller,
  caseId: string,
): Promise<FastifyReply> {
  return sendResult(
    reply,
    await getDunningCase(services.db, caller.merchantId, caseId),
    presentCaseTimeline,
  );
}

/** An action may be sent with no body at all (`curl -X POST …/cancel`). */
async function defaultToEmptyObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

const plugin: V1Plugin = async (app, { services }) => {
  app.get<{ Querystring: ListQueryWithFilters }>(
    '/dunning_cases',
    {
      schema: {
        tags: TAGS,
        summary: 'List dunning cases, newest first',
        description:
          'Filters combine. `category` is the category of the case’s latest decline; amounts ' +
          'compare with `amount_due_in_cents`; `opened_after` / `opened_before` select by age.',
        querystring: listQuery({
          status: { type: 'string', enum: CASE_STATUSES },
          category: { type: 'string', enum: DECLINE_CATEGORIES },
          strategy_id: id,
          subscription_id: id,
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          min_amount_in_cents: amount,
          max_amount_in_cents: amount,
          opened_after: { type: 'string', format: 'date-time', description: 'Inclusive.' },
          opened_before: { type: 'string', format: 'date-time', description: 'Exclusive.' },
        }),
        response: { 200: pageSchema(caseSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = await listDunningCases(
        services.db,
        request.caller.merchantId,
        {
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.category !== undefined ? { category: q.category } : {}),
          ...(q.strategy_id !== undefined ? { strategyId: q.strategy_id } : {}),
          ...(q.subscription_id !== undefined ? { subscriptionId: q.subscription_id } : {}),
          ...(q.currency !== undefined ? { currency: q.currency } : {}),
          ...(q.min_amount_in_cents !== undefined ? { minAmountMinor: q.min_amount_in_cents } : {}),
          ...(q.max_amount_in_cents !== undefined ? { maxAmountMinor: q.max_amount_in_cents } : {}),
          ...(q.opened_after !== undefined ? { openedAfter: new Date(q.opened_after) } : {}),
          ...(q.opened_before !== undefined ? { openedBefore: new Date(q.opened_before) } : {}),
        },
        pageRequest(q),
      );
      return sendResult(reply, rows, (r) =>
        pageOf(r, q.limit, (c: CaseListRow) => c.case_id, presentCase),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/dunning_cases/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a case with its timeline',
        description:
          'Every attempt (amount, raw codes, category, why), every message (channel, template, ' +
          'status), every decision with its why, the next scheduled action, and the strategy ' +
          'version the case runs.',
        params: idParams,
        response: { 200: caseTimelineSchema, ...errorResponses },
      },
    },
    async (request, reply) => sendTimeline(services, reply, request.caller, request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/dunning_cases/:id/retry',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Retry the payment now',
        description:
          'Charges the amount due at once, outside the schedule. Answers 409 `invalid_state` ' +
          'with the rule’s reason when a retry is not allowed now: the last decline waits for ' +
          'a new payment method, or a card-network rule forbids it (e.g. Mastercard advice, ' +
          'Visa’s reattempt limit). A declined retry leaves the schedule where it was.',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          200: {
            type: 'object',
            required: ['outcome', 'attempt', 'dunning_case'],
            properties: {
              outcome: {
                type: 'string',
                enum: ['succeeded', 'declined', 'pending'],
                description: '`pending`: the gateway did not answer; the worker re-sends it.',
              },
              attempt: attemptSchema,
              dunning_case: caseTimelineSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      const result = await retryDunningCase(services, {
        merchantId: caller.merchantId,
        caseId: request.params.id,
      });
      if (!result.ok) throw ApiError.from(result.error);
      const timeline = await getDunningCase(services.db, caller.merchantId, request.params.id);
      return sendResult(reply, timeline, (t) => ({
        outcome: result.value.outcome,
        attempt: presentAttempt(
          t.attempts.find((a) => a.attempt_id === result.value.attempt.attempt_id) ?? {
            ...result.value.attempt,
            classification: null,
            external_charge_id: null,
          },
        ),
        dunning_case: presentCaseTimeline(t),
      }));
    },
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    '/dunning_cases/:id/cancel',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Cancel dunning',
        description:
          'The case stops: no retry or message goes out after it, and queued messages are ' +
          'canceled. The subscription keeps its state and balance; to end it, cancel the ' +
          'subscription instead.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 200: caseTimelineSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      const result = await cancelDunningCase(services, {
        merchantId: caller.merchantId,
        caseId: request.params.id,
        ...(request.body.reason !== undefined ? { reason: request.body.reason } : {}),
      });
      if (!result.ok) throw ApiError.from(result.error);
      return sendTimeline(services, reply, caller, request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { reference?: string } }>(
    '/dunning_cases/:id/mark_paid',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Mark the case paid by other means',
        description:
          'Everything the subscription owes is applied as paid (a bank transfer, cash, your own ' +
          'billing): the case recovers and the subscription returns to active.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { reference: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: caseTimelineSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      const result = await markDunningCasePaid(services, {
        merchantId: caller.merchantId,
        caseId: request.params.id,
        ...(request.body.reference !== undefined ? { reference: request.body.reference } : {}),
      });
      if (!result.ok) throw ApiError.from(result.error);
      return sendTimeline(services, reply, caller, request.params.id);
    },
  );
};

export default plugin;
