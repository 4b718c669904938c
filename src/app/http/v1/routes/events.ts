// /v1/events: the append-only event log, newest first: everything that happened, with its reason.
import { listEvents } from '../../../use-cases/read-events.ts';
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
import { eventIdOf, eventSchema, idField, presentEvent, text } from '../present.ts';

type EventsQuery = ListQuery & { type?: string; subscription_id?: string; case_id?: string };

const plugin: V1Plugin = async (app, { services }) => {
  app.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'List events, newest first',
        description:
          '`starting_after` is the id of the last event of the previous page. `type` is one ' +
          'type (`subscription.past_due`) or a family (`subscription.*`).',
        querystring: listQuery({ type: text(100), subscription_id: idField, case_id: idField }),
        response: { 200: pageSchema(eventSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const rows = await listEvents(
        services.db,
        request.caller.merchantId,
        {
          ...(q.type !== undefined ? { type: q.type } : {}),
          ...(q.subscription_id !== undefined ? { subscriptionId: q.subscription_id } : {}),
          ...(q.case_id !== undefined ? { caseId: q.case_id } : {}),
        },
        pageRequest(q),
      );
      return sendResult(reply, rows, (r) =>
        pageOf(r, q.limit, (e) => eventIdOf(e.event_id), presentEvent),
      );
    },
  );
};

export default plugin;
