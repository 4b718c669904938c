// /v1/demo_preparation: how far this server has got preparing the demo merchant (`serve --demo`
// on a fresh database seeds and walks it after it starts listening). The dashboard polls it.
import { type DemoPreparation, demoPreparation } from '../../../demo-preparation.ts';
import { errorResponses, type V1Plugin } from '../kit.ts';

const TAGS = ['demo_preparation'];

const count = { type: 'integer', minimum: 0 } as const;

const demoPreparationSchema = {
  type: 'object',
  description: 'How far this server has got preparing the demo merchant.',
  required: [
    'object',
    'merchant_id',
    'status',
    'stage',
    'customers_seeded',
    'customers_total',
    'day',
    'days',
    'error',
    'updated_at',
  ],
  properties: {
    object: { type: 'string', enum: ['demo_preparation'] },
    merchant_id: { type: 'string' },
    status: {
      type: 'string',
      enum: ['none', 'preparing', 'ready', 'failed'],
      description:
        '`none`: this server prepares nothing for this merchant (any merchant but a demo ' +
        'merchant being made, or one made earlier). `preparing` → `ready`, or `failed`.',
    },
    stage: {
      type: ['string', 'null'],
      enum: ['seeding', 'walking', null],
      description: 'While preparing: creating customers, then walking the test clock day by day.',
    },
    customers_seeded: count,
    customers_total: { ...count, description: 'Customers there before the walk starts.' },
    day: { ...count, description: 'Days of the test clock walked so far.' },
    days: { ...count, description: 'Days the walk covers (0 until it starts).' },
    error: {
      type: ['string', 'null'],
      description: 'Why the preparation stopped, when `failed`.',
    },
    updated_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'When the progress last moved; null when `none`.',
    },
  },
} as const;

function presentDemoPreparation(merchantId: string, p: DemoPreparation | null) {
  const mine = p !== null && p.merchantId === merchantId ? p : null;
  return {
    object: 'demo_preparation' as const,
    merchant_id: merchantId,
    status: mine?.status ?? 'none',
    stage: mine?.stage ?? null,
    customers_seeded: mine?.customersSeeded ?? 0,
    customers_total: mine?.customersTotal ?? 0,
    day: mine?.day ?? 0,
    days: mine?.days ?? 0,
    error: mine?.error ?? null,
    updated_at: mine?.updatedAt.toISOString() ?? null,
  };
}

const plugin: V1Plugin = async (app) => {
  app.get(
    '/demo_preparation',
    {
      schema: {
        tags: TAGS,
        summary: 'Read how far the demo merchant’s preparation is',
        response: { 200: demoPreparationSchema, ...errorResponses },
      },
    },
    async (request) => presentDemoPreparation(request.caller.merchantId, demoPreparation()),
  );
};

export default plugin;
