// /v1/webhook_endpoints and /v1/webhook_deliveries: where a merchant's events are sent, the
// delivery log with every attempt, replay and a test ping (docs/webhooks.md).
import { PUBLIC_EVENT_TYPES } from '../../../../domain/webhooks/public-events.ts';
import {
  getWebhookDelivery,
  listWebhookDeliveries,
  replayWebhookDelivery,
  sendTestWebhook,
} from '../../../webhooks/deliveries.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  MAX_DESCRIPTION_LENGTH,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from '../../../webhooks/endpoints.ts';
import {
  deliverySchema,
  endpointSchema,
  endpointWithSecretSchema,
  presentDelivery,
  presentEndpoint,
  presentEndpointWithSecret,
} from '../../../webhooks/present.ts';
import {
  errorResponses,
  type ListQuery,
  listQuery,
  listQuerySchema,
  pageOf,
  pageRequest,
  pageSchema,
  sendResult,
  type V1Plugin,
} from '../kit.ts';

const TAGS = ['webhooks'];

const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const enabledEvents = {
  type: 'array',
  minItems: 1,
  maxItems: 50,
  description: `Public event types, \`*\` for all, or \`group.*\` (e.g. \`subscription.*\`). Types: ${PUBLIC_EVENT_TYPES.join(', ')}.`,
  items: { type: 'string', minLength: 1, maxLength: 100 },
} as const;

const url = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  description:
    'HTTPS URL to a public host. Loopback, private, link-local and cloud metadata addresses are refused in every spelling; test mode may use localhost, 127.0.0.1 or [::1] (http too) where the deployment sets DUNNER_ALLOW_LOOPBACK_URLS=true.',
} as const;

const description = {
  type: 'string',
  maxLength: MAX_DESCRIPTION_LENGTH,
} as const;

const startingAfter = listQuerySchema.starting_after;

/** An action that takes no field may be sent with no body at all, or with `{}`. */
const emptyBody = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;
async function defaultToEmptyObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

type IdParams = { id: string };

const plugin: V1Plugin = async (app, { services }) => {
  app.post<{ Body: { url: string; description?: string; enabled_events: string[] } }>(
    '/webhook_endpoints',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a webhook endpoint; the answer shows its signing secret once',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'enabled_events'],
          properties: { url, description, enabled_events: enabledEvents },
        },
        response: { 201: endpointWithSecretSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await createWebhookEndpoint(services, {
        merchantId: request.caller.merchantId,
        url: request.body.url,
        enabledEvents: request.body.enabled_events,
        ...(request.body.description !== undefined
          ? { description: request.body.description }
          : {}),
      });
      return sendResult(reply, result, presentEndpointWithSecret, 201);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/webhook_endpoints',
    {
      schema: {
        tags: TAGS,
        summary: 'List webhook endpoints, newest first',
        querystring: listQuery({ starting_after: startingAfter }),
        response: { 200: pageSchema(endpointSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const result = await listWebhookEndpoints(
        services.db,
        request.caller.merchantId,
        pageRequest(q),
      );
      return sendResult(reply, result, (rows) =>
        pageOf(rows, q.limit, (r) => r.endpoint_id, presentEndpoint),
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/webhook_endpoints/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Retrieve a webhook endpoint',
        params: idParams,
        response: { 200: endpointSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await getWebhookEndpoint(
        services.db,
        request.caller.merchantId,
        request.params.id,
      );
      return sendResult(reply, result, presentEndpoint);
    },
  );

  app.post<{
    Params: IdParams;
    Body: {
      url?: string;
      description?: string;
      enabled_events?: string[];
      status?: 'enabled' | 'disabled';
    };
  }>(
    '/webhook_endpoints/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a webhook endpoint, or disable and enable it',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            url,
            description,
            enabled_events: enabledEvents,
            status: {
              type: 'string',
              enum: ['enabled', 'disabled'],
              description:
                'A disabled endpoint receives nothing; enabling it resumes pending deliveries.',
            },
          },
        },
        response: { 200: endpointSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await updateWebhookEndpoint(services, {
        merchantId: request.caller.merchantId,
        endpointId: request.params.id,
        ...(b.url !== undefined ? { url: b.url } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.enabled_events !== undefined ? { enabledEvents: b.enabled_events } : {}),
        ...(b.status !== undefined ? { status: b.status } : {}),
      });
      return sendResult(reply, result, presentEndpoint);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/webhook_endpoints/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a webhook endpoint with its delivery log',
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: ['id', 'object', 'deleted'],
            properties: {
              id: { type: 'string' },
              object: { type: 'string', enum: ['webhook_endpoint'] },
              deleted: { type: 'boolean', enum: [true] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const result = await deleteWebhookEndpoint(services, {
        merchantId: request.caller.merchantId,
        endpointId: request.params.id,
      });
      return sendResult(reply, result, (v) => ({
        id: v.endpointId,
        object: 'webhook_endpoint' as const,
        deleted: true,
      }));
    },
  );

  app.post<{ Params: IdParams }>(
    '/webhook_endpoints/:id/rotate_secret',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary:
          'New signing secret, shown once; the previous one keeps signing alongside it for 24 hours',
        params: idParams,
        body: emptyBody,
        response: { 200: endpointWithSecretSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await rotateWebhookEndpointSecret(services, {
        merchantId: request.caller.merchantId,
        endpointId: request.params.id,
      });
      return sendResult(reply, result, presentEndpointWithSecret);
    },
  );

  app.post<{ Params: IdParams }>(
    '/webhook_endpoints/:id/test',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Send a webhook_endpoint.pinged message to this endpoint now',
        params: idParams,
        body: emptyBody,
        response: { 200: deliverySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await sendTestWebhook(services, {
        merchantId: request.caller.merchantId,
        endpointId: request.params.id,
      });
      return sendResult(reply, result, (v) => presentDelivery(v.delivery));
    },
  );

  app.get<{
    Params: IdParams;
    Querystring: ListQuery & { status?: 'pending' | 'succeeded' | 'failed' };
  }>(
    '/webhook_endpoints/:id/deliveries',
    {
      schema: {
        tags: TAGS,
        summary: 'The endpoint’s deliveries, newest first, each with its attempts',
        params: idParams,
        querystring: listQuery({
          starting_after: startingAfter,
          status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
        }),
        response: { 200: pageSchema(deliverySchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const result = await listWebhookDeliveries(services.db, {
        merchantId: request.caller.merchantId,
        endpointId: request.params.id,
        ...pageRequest(q),
        ...(q.status !== undefined ? { status: q.status } : {}),
      });
      return sendResult(reply, result, (rows) =>
        pageOf(rows, q.limit, (r) => r.delivery_id, presentDelivery),
      );
    },
  );

  app.get<{ Params: IdParams }>(
    '/webhook_deliveries/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Retrieve a delivery with its attempts',
        params: idParams,
        response: { 200: deliverySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await getWebhookDelivery(
        services.db,
        request.caller.merchantId,
        request.params.id,
      );
      return sendResult(reply, result, presentDelivery);
    },
  );

  app.post<{ Params: IdParams }>(
    '/webhook_deliveries/:id/replay',
    {
      preValidation: defaultToEmptyObject,
      schema: {
        tags: TAGS,
        summary: 'Send a delivery again now, with the same webhook-id, as a new attempt',
        params: idParams,
        body: emptyBody,
        response: { 200: deliverySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await replayWebhookDelivery(services, {
        merchantId: request.caller.merchantId,
        deliveryId: request.params.id,
      });
      return sendResult(reply, result, (v) => presentDelivery(v.delivery));
    },
  );
};

export default plugin;
