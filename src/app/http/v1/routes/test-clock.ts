// /v1/test_clock: a test merchant lives on its own clock. Advancing it runs, in order, everything
// that falls due on the way (renewals, retries, messages, final actions), as it would happen live.
import { advanceTestClock } from '../../../use-cases/advance-test-clock.ts';
import { getMerchant } from '../../../use-cases/read-merchant.ts';
import { ApiError, type Caller, errorResponses, type Services, type V1Plugin } from '../kit.ts';
import { presentTestClock, testClockSchema } from '../present.ts';

const TAGS = ['test_clock'];
const DAY_MS = 86_400_000;
/** How far one request may move the clock: a long advance is many requests, not one endless one. */
const MAX_DAYS = 400;

async function testClockOf(services: Services, caller: Caller): Promise<Date> {
  const merchant = await getMerchant(services.db, caller.merchantId);
  if (!merchant.ok) throw ApiError.from(merchant.error);
  const at = merchant.value.test_clock_at;
  if (merchant.value.mode !== 'test' || !at)
    throw new ApiError('not_test_mode', 'only a merchant in test mode has a test clock', null);
  return at;
}

const plugin: V1Plugin = async (app, { services }) => {
  app.get(
    '/test_clock',
    {
      schema: {
        tags: TAGS,
        summary: 'Read the test clock (test mode only)',
        response: { 200: testClockSchema, ...errorResponses },
      },
    },
    async (request) =>
      presentTestClock(request.caller.merchantId, await testClockOf(services, request.caller)),
  );

  app.post<{ Body: { days?: number; to?: string } }>(
    '/test_clock/advance',
    {
      schema: {
        tags: TAGS,
        summary: 'Move the test clock forward (test mode only)',
        description:
          'By `days`, or `to` a date and time. The clock stops at every moment something falls ' +
          `due and the engine acts there, so weeks of dunning run in order. At most ${MAX_DAYS} days per request.`,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: {
            days: { type: 'number', exclusiveMinimum: 0, maximum: MAX_DAYS },
            to: { type: 'string', format: 'date-time' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['object', 'merchant_id', 'now', 'processed'],
            properties: {
              ...testClockSchema.properties,
              processed: {
                type: 'integer',
                description: 'Renewals and case steps the engine ran on the way.',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { caller } = request;
      const from = await testClockOf(services, caller);
      const { days, to } = request.body;
      const target = days !== undefined ? new Date(from.getTime() + days * DAY_MS) : new Date(to!);
      if (target.getTime() <= from.getTime())
        throw new ApiError(
          'invalid_field',
          `a test clock only moves forward (it is ${from.toISOString()})`,
          days !== undefined ? 'days' : 'to',
        );
      if (target.getTime() - from.getTime() > MAX_DAYS * DAY_MS)
        throw new ApiError(
          'invalid_field',
          `advance at most ${MAX_DAYS} days per request`,
          days !== undefined ? 'days' : 'to',
        );
      // Messages go out at each stop, at their own business time, so the timeline reads as live.
      const advanced = await advanceTestClock(services, caller.merchantId, target, {
        deliverMessages: services,
      });
      if (!advanced.ok) throw ApiError.from(advanced.error);
      return {
        ...presentTestClock(caller.merchantId, advanced.value.now),
        processed: advanced.value.processed,
      };
    },
  );
};

export default plugin;
