// /v1/strategies and /v1/strategy_presets: the merchant's dunning strategies, each versioned.
// Saving a strategy writes a new version; running cases keep the version they started with.
import { PRESET_KEYS, type PresetKey } from '../../../../domain/strategy/presets.ts';
import {
  PAYMENT_METHOD_TYPES,
  type PaymentMethodType,
} from '../../../../domain/strategy/strategy.ts';
import { getStrategy, listPresets, listStrategies } from '../../../use-cases/read-strategies.ts';
import { saveStrategy } from '../../../use-cases/save-strategy.ts';
import { ApiError, errorResponses, sendResult, type V1Plugin } from '../kit.ts';
import {
  idParams,
  presentStrategy,
  presentStrategyDefinition,
  type StrategyDefinitionJson,
  strategyDefinitionFromJson,
  strategyDefinitionSchema,
  strategySchema,
  text,
} from '../present.ts';

const TAGS = ['strategies'];

const listOf = (item: object) => ({
  type: 'object',
  required: ['object', 'data'],
  properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: item } },
});

const presetSchema = {
  type: 'object',
  required: ['id', 'object', 'name', 'description', 'definition'],
  properties: {
    id: { type: 'string', enum: PRESET_KEYS },
    object: { type: 'string', enum: ['strategy_preset'] },
    name: { type: 'string' },
    description: { type: 'string' },
    definition: strategyDefinitionSchema,
  },
} as const;

type SaveBody = {
  name?: string;
  preset?: PresetKey;
  payment_method_type?: PaymentMethodType;
  definition?: StrategyDefinitionJson;
  make_default?: boolean;
};

const saveProperties = {
  name: text(200),
  preset: {
    type: 'string',
    enum: PRESET_KEYS,
    description: 'Start from a preset (GET /v1/strategy_presets) instead of a full definition.',
  },
  payment_method_type: {
    type: 'string',
    enum: PAYMENT_METHOD_TYPES,
    description: 'With a preset: the payment-method type it is for (card if absent).',
  },
  definition: strategyDefinitionSchema,
  make_default: {
    type: 'boolean',
    description: 'Make it the strategy new cases of its payment-method type follow.',
  },
} as const;

const plugin: V1Plugin = async (app, { services }) => {
  app.get(
    '/strategy_presets',
    {
      schema: {
        tags: TAGS,
        summary: 'The presets a strategy can start from',
        response: { 200: listOf(presetSchema), ...errorResponses },
      },
    },
    async () => ({
      object: 'list',
      data: listPresets().map((p) => ({
        id: p.key,
        object: 'strategy_preset',
        name: p.name,
        description: p.description,
        definition: presentStrategyDefinition(p.definition),
      })),
    }),
  );

  app.get(
    '/strategies',
    {
      schema: {
        tags: TAGS,
        summary: 'List strategies, each at its current version',
        response: { 200: listOf(strategySchema), ...errorResponses },
      },
    },
    async (request) => {
      const all = await listStrategies(services.db, request.caller.merchantId);
      return { object: 'list', data: all.map((s) => presentStrategy(s.row, s.definition)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/strategies/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a strategy: its current version and the list of versions',
        params: idParams,
        response: { 200: strategySchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getStrategy(services.db, request.caller.merchantId, request.params.id),
        (s) => presentStrategy(s.row, s.definition, s.versions),
      ),
  );

  app.post<{ Body: SaveBody & { name: string } }>(
    '/strategies',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a strategy from a preset or a full definition',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: saveProperties,
        },
        response: { 201: strategySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      if (b.preset !== undefined && b.definition !== undefined)
        throw new ApiError('invalid_field', 'give a preset or a definition, not both', 'preset');
      if (b.definition !== undefined && b.payment_method_type !== undefined)
        throw new ApiError(
          'invalid_field',
          'payment_method_type goes with a preset; a definition carries its own',
          'payment_method_type',
        );
      const saved = await saveStrategy(services, {
        merchantId,
        name: b.name,
        ...(b.preset !== undefined ? { preset: b.preset } : {}),
        ...(b.payment_method_type !== undefined
          ? { paymentMethodType: b.payment_method_type }
          : {}),
        ...(b.definition !== undefined
          ? { definition: strategyDefinitionFromJson(b.definition) }
          : {}),
        ...(b.make_default !== undefined ? { makeDefault: b.make_default } : {}),
      });
      if (!saved.ok) return sendResult(reply, saved);
      return sendResult(
        reply,
        await getStrategy(services.db, merchantId, saved.value.strategyId),
        (s) => presentStrategy(s.row, s.definition, s.versions),
        201,
      );
    },
  );

  app.post<{ Params: { id: string }; Body: SaveBody }>(
    '/strategies/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Save a new version of a strategy',
        description:
          'Cases already running keep the version they started with; cases opened from now on ' +
          'follow the new one. A strategy keeps its payment-method type.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: saveProperties,
        },
        response: { 200: strategySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      const current = await getStrategy(services.db, merchantId, request.params.id);
      if (!current.ok) return sendResult(reply, current);
      if (b.preset !== undefined && b.definition !== undefined)
        throw new ApiError('invalid_field', 'give a preset or a definition, not both', 'preset');
      const type = current.value.row.payment_method_type;
      if (b.payment_method_type !== undefined && b.payment_method_type !== type)
        throw new ApiError(
          'invalid_field',
          `a strategy keeps its payment-method type (${type})`,
          'payment_method_type',
        );
      // Only the name or the default switch changes: the new version keeps the current definition.
      const definition =
        b.definition !== undefined
          ? strategyDefinitionFromJson(b.definition)
          : b.preset === undefined
            ? current.value.definition
            : undefined;
      const saved = await saveStrategy(services, {
        merchantId,
        strategyId: request.params.id,
        name: b.name ?? current.value.row.name,
        ...(b.preset !== undefined ? { preset: b.preset, paymentMethodType: type } : {}),
        ...(definition !== undefined ? { definition } : {}),
        ...(b.make_default !== undefined ? { makeDefault: b.make_default } : {}),
      });
      if (!saved.ok) return sendResult(reply, saved);
      return sendResult(reply, await getStrategy(services.db, merchantId, request.params.id), (s) =>
        presentStrategy(s.row, s.definition, s.versions),
      );
    },
  );
};

export default plugin;
