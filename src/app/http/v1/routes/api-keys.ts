// /v1/api_keys: list keys (prefixes only), create one (shown once), revoke one.

import { issueApiKey } from '../../../use-cases/issue-api-key.ts';
import { getApiKey, listApiKeys } from '../../../use-cases/read-api-keys.ts';
import { revokeApiKey } from '../../../use-cases/revoke-api-key.ts';
import { ApiError, errorResponses, notFound, type V1Plugin } from '../kit.ts';
import { apiKeySchema, apiKeyWithSecretSchema, idParams, presentApiKey, text } from '../present.ts';

const TAGS = ['api_keys'];
// The rule every POST applies to Idempotency-Key (v1/idempotency.ts).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const plugin: V1Plugin = async (app, { services }) => {
  app.get(
    '/api_keys',
    {
      schema: {
        tags: TAGS,
        summary: 'List API keys, newest first (prefixes only)',
        response: {
          200: {
            type: 'object',
            required: ['object', 'data'],
            properties: {
              object: { type: 'string', enum: ['list'] },
              data: { type: 'array', items: apiKeySchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      object: 'list',
      data: (await listApiKeys(services.db, request.caller.merchantId)).map(presentApiKey),
    }),
  );

  app.post<{ Body: { label?: string } }>(
    '/api_keys',
    {
      // The answer holds the key, and a replayed answer would have to be stored: this route takes
      // no Idempotency-Key, so the key exists nowhere but in this one response.
      // A malformed key is refused as on every other POST.
      onRequest: async (request) => {
        const key = request.headers['idempotency-key'];
        if (key === undefined) return;
        if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
          throw new ApiError(
            'invalid_field',
            'Idempotency-Key must be 1 to 255 visible ASCII characters',
            'Idempotency-Key',
          );
        delete request.headers['idempotency-key'];
      },
      // A key may be created with no body at all.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        tags: TAGS,
        summary: 'Create an API key (of the merchant’s mode); the answer shows it once',
        description:
          'The key is in `secret`, this once. This request ignores Idempotency-Key: replaying it ' +
          'would mean storing the key. A retried request may create a second key; revoke the one you do not use.',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { label: { ...text(100), minLength: 0 } },
        },
        response: { 201: apiKeyWithSecretSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const merchantId = request.caller.merchantId;
      const issued = await issueApiKey(services, {
        merchantId,
        ...(request.body.label !== undefined ? { label: request.body.label } : {}),
      });
      if (!issued.ok) throw ApiError.from(issued.error);
      const row = await getApiKey(services.db, merchantId, issued.value.keyId);
      if (!row) throw notFound('API key');
      return reply.code(201).send({ ...presentApiKey(row), secret: issued.value.key });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api_keys/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Revoke an API key',
        description: 'It stops working at once. A key cannot revoke itself.',
        params: idParams,
        response: { 200: apiKeySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { caller } = request;
      const revoked = await revokeApiKey(services, {
        merchantId: caller.merchantId,
        keyId: request.params.id,
        callerKeyId: caller.keyId,
      });
      if (!revoked.ok) throw ApiError.from(revoked.error);
      const row = await getApiKey(services.db, caller.merchantId, request.params.id);
      if (!row) throw notFound('API key');
      return presentApiKey(row);
    },
  );
};

export default plugin;
