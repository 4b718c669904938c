// /v1/customers: create, list, read and update the merchant's customers.
import { createCustomer } from '../../../use-cases/create-customer.ts';
import { getCustomer, listCustomers } from '../../../use-cases/read-customers.ts';
import { updateCustomer } from '../../../use-cases/update-customer.ts';
import {
  errorResponses,
  type ListQuery,
  listQuery,
  pageOf,
  pageRequest,
  pageSchema,
  sendResult,
  type V1Plugin,
} from '../kit.ts';
import { customerSchema, idParams, presentCustomer, text } from '../present.ts';

const TAGS = ['customers'];

const fields = {
  name: text(200),
  email: text(320, { minLength: 3, description: 'Where messages go.' }),
  locale: {
    ...text(35),
    minLength: 2,
    description: 'BCP 47 tag such as en-US: the language and money format of messages.',
  },
  time_zone: {
    ...text(64),
    description: 'IANA zone such as Europe/Paris: retries and quiet hours follow local time.',
  },
} as const;

type CustomerBody = { name: string; email: string; locale?: string; time_zone?: string };

const plugin: V1Plugin = async (app, { services }) => {
  app.post<{ Body: CustomerBody }>(
    '/customers',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a customer',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'email'],
          properties: fields,
        },
        response: { 201: customerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await createCustomer(services, {
        merchantId: request.caller.merchantId,
        name: b.name,
        email: b.email,
        ...(b.locale !== undefined ? { locale: b.locale } : {}),
        ...(b.time_zone !== undefined ? { timeZone: b.time_zone } : {}),
      });
      if (!created.ok) return sendResult(reply, created);
      const row = await getCustomer(
        services.db,
        request.caller.merchantId,
        created.value.customerId,
      );
      return sendResult(reply, row, presentCustomer, 201);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/customers',
    {
      schema: {
        tags: TAGS,
        summary: 'List customers, newest first',
        querystring: listQuery(),
        response: { 200: pageSchema(customerSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = await listCustomers(services.db, request.caller.merchantId, pageRequest(q));
      return sendResult(reply, rows, (r) =>
        pageOf(r, q.limit, (c) => c.customer_id, presentCustomer),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/customers/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a customer',
        params: idParams,
        response: { 200: customerSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getCustomer(services.db, request.caller.merchantId, request.params.id),
        presentCustomer,
      ),
  );

  app.post<{ Params: { id: string }; Body: Partial<CustomerBody> }>(
    '/customers/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a customer’s name, email, locale or time zone',
        params: idParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: fields },
        response: { 200: customerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const merchantId = request.caller.merchantId;
      const updated = await updateCustomer(services, {
        merchantId,
        customerId: request.params.id,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.email !== undefined ? { email: b.email } : {}),
        ...(b.locale !== undefined ? { locale: b.locale } : {}),
        ...(b.time_zone !== undefined ? { timeZone: b.time_zone } : {}),
      });
      if (!updated.ok) return sendResult(reply, updated);
      return sendResult(
        reply,
        await getCustomer(services.db, merchantId, request.params.id),
        presentCustomer,
      );
    },
  );
};

export default plugin;
