// /v1/templates: the merchant's message templates (the defaults, or its own versions), the HTML
// layout around every email, and a preview on a real or sample case. Saving checks the template
// and answers `invalid_template` with the part and line at fault (docs/templates.md).
import { MESSAGE_INTENTS, type MessageIntent } from '../../../../domain/case/message-intent.ts';
import {
  MESSAGE_CHANNELS,
  type MessageChannel,
  VARIABLE_DOCS,
} from '../../../../domain/messages/variables.ts';
import {
  getLayout,
  getTemplate,
  type LayoutView,
  listTemplates,
  previewTemplate,
  resetLayout,
  resetTemplate,
  saveLayout,
  saveTemplate,
  type TemplateView,
} from '../../../messages/templates/index.ts';
import { SOURCE_LIMITS } from '../../../messages/templates/validate.ts';
import { ApiError, errorResponses, sendResult, type V1Plugin } from '../kit.ts';

const TAGS = ['templates'];

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const ntime = { type: ['string', 'null'], format: 'date-time' } as const;

const keyParams = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: {
    key: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description:
        'The message key a strategy step names: first_notice, reminder, final_warning, canceled, unpaid, hard_decline, or one of your own.',
    },
  },
} as const;

const sourceFields = {
  subject: {
    type: 'string',
    minLength: 1,
    maxLength: SOURCE_LIMITS.subject,
    description: 'Liquid; rendered as plain text on one line.',
  },
  html: {
    type: 'string',
    maxLength: SOURCE_LIMITS.html,
    description: 'Liquid; every value is HTML-escaped. Wrapped in the layout.',
  },
  text: {
    type: 'string',
    maxLength: SOURCE_LIMITS.text,
    description: 'Liquid; the plain-text part, also used for chat channels.',
  },
} as const;

const templateSchema = {
  type: 'object',
  description: 'template',
  required: [
    'id',
    'object',
    'key',
    'subject',
    'html',
    'text',
    'customized',
    'has_default',
    'purpose',
    'revision',
    'updated_at',
  ],
  properties: {
    id: { ...str, description: 'Same as key.' },
    object: { type: 'string', enum: ['template'] },
    key: str,
    subject: str,
    html: str,
    text: str,
    customized: { type: 'boolean', description: 'False while the default is in use.' },
    has_default: { type: 'boolean', description: 'A built-in default exists for this key.' },
    purpose: nstr,
    revision: { type: 'integer', description: 'Saves of your version; 0 for the default.' },
    updated_at: ntime,
  },
} as const;

const layoutSchema = {
  type: 'object',
  description: 'template_layout',
  required: ['object', 'html', 'customized', 'revision', 'updated_at'],
  properties: {
    object: { type: 'string', enum: ['template_layout'] },
    html: str,
    customized: { type: 'boolean' },
    revision: { type: 'integer' },
    updated_at: ntime,
  },
} as const;

const previewSchema = {
  type: 'object',
  description: 'template_preview',
  required: [
    'object',
    'key',
    'case_id',
    'sample',
    'intent',
    'subject',
    'html',
    'text',
    'variables',
  ],
  properties: {
    object: { type: 'string', enum: ['template_preview'] },
    key: nstr,
    case_id: nstr,
    sample: { type: 'boolean', description: 'True when the built-in sample case was used.' },
    intent: { type: 'string', enum: [...MESSAGE_INTENTS] },
    subject: str,
    html: str,
    text: str,
    variables: {
      type: 'object',
      description: `The values the template saw: ${Object.keys(VARIABLE_DOCS).join(', ')}.`,
      additionalProperties: true,
    },
  },
} as const;

function presentTemplate(t: TemplateView) {
  return {
    id: t.key,
    object: 'template' as const,
    key: t.key,
    subject: t.subject,
    html: t.html,
    text: t.text,
    customized: t.customized,
    has_default: t.hasDefault,
    purpose: t.purpose,
    revision: t.revision,
    updated_at: t.updatedAt?.toISOString() ?? null,
  };
}

function presentLayout(l: LayoutView) {
  return {
    object: 'template_layout' as const,
    html: l.html,
    customized: l.customized,
    revision: l.revision,
    updated_at: l.updatedAt?.toISOString() ?? null,
  };
}

type SourceBody = { subject: string; html: string; text: string };
type PreviewBody = {
  key?: string;
  case_id?: string;
  intent?: MessageIntent;
  channel?: MessageChannel;
  source?: Partial<SourceBody>;
  layout?: string;
};

const plugin: V1Plugin = async (app, { services }) => {
  app.get(
    '/templates',
    {
      schema: {
        tags: TAGS,
        summary: 'List templates: the defaults (or your versions of them), then your own keys',
        response: {
          200: {
            type: 'object',
            required: ['object', 'data', 'has_more', 'next_cursor'],
            properties: {
              object: { type: 'string', enum: ['list'] },
              data: { type: 'array', items: templateSchema },
              has_more: { type: 'boolean', enum: [false] },
              next_cursor: { type: 'null' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      object: 'list',
      data: (await listTemplates(services.db, request.caller.merchantId)).map(presentTemplate),
      has_more: false,
      next_cursor: null,
    }),
  );

  // Fastify matches these static paths before /templates/:key, so "layout" is never a key here.
  app.get(
    '/templates/layout',
    {
      schema: {
        tags: TAGS,
        summary: 'Read the HTML layout around every email (yours or the default)',
        response: { 200: layoutSchema, ...errorResponses },
      },
    },
    async (request) => presentLayout(await getLayout(services.db, request.caller.merchantId)),
  );

  app.put<{ Body: { html: string } }>(
    '/templates/layout',
    {
      schema: {
        tags: TAGS,
        summary: 'Save your layout; it must output {{ content }} once',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['html'],
          properties: { html: { type: 'string', minLength: 1, maxLength: SOURCE_LIMITS.layout } },
        },
        response: { 200: layoutSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await saveLayout(services.db, {
          merchantId: request.caller.merchantId,
          html: request.body.html,
          clock: services.clock,
        }),
        presentLayout,
      ),
  );

  app.delete(
    '/templates/layout',
    {
      schema: {
        tags: TAGS,
        summary: 'Go back to the default layout',
        response: { 200: layoutSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await resetLayout(services.db, {
          merchantId: request.caller.merchantId,
          clock: services.clock,
        }),
        presentLayout,
      ),
  );

  app.post<{ Body: PreviewBody }>(
    '/templates/preview',
    {
      schema: {
        tags: TAGS,
        summary: 'Render a saved or unsaved template with a case, or with a sample case',
        description:
          'Give `key`, `source`, or both (parts missing from `source` come from the key). Without `case_id` the latest case is used, or a built-in sample when there is none. Nothing is saved or sent.',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            key: keyParams.properties.key,
            case_id: { type: 'string', minLength: 1, maxLength: 100 },
            intent: { type: 'string', enum: [...MESSAGE_INTENTS] },
            channel: { type: 'string', enum: [...MESSAGE_CHANNELS] },
            source: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: sourceFields,
            },
            layout: { type: 'string', minLength: 1, maxLength: SOURCE_LIMITS.layout },
          },
        },
        response: { 200: previewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body ?? {};
      const result = await previewTemplate(services.db, {
        publicUrl: services.config.publicUrl,
        merchantId: request.caller.merchantId,
        clock: services.clock,
        ...(b.key !== undefined ? { key: b.key } : {}),
        ...(b.case_id !== undefined ? { caseId: b.case_id } : {}),
        ...(b.intent !== undefined ? { intent: b.intent } : {}),
        ...(b.channel !== undefined ? { channel: b.channel } : {}),
        ...(b.source !== undefined ? { source: b.source } : {}),
        ...(b.layout !== undefined ? { layout: b.layout } : {}),
      });
      if (!result.ok) {
        const { code, message, field } = result.error;
        // The parts travel inside `source` in this request.
        const inSource = field === 'subject' || field === 'html' || field === 'text';
        throw new ApiError(code, message, inSource ? `source.${field}` : field);
      }
      return sendResult(reply, result, (p) => ({
        object: 'template_preview',
        key: p.key,
        case_id: p.caseId,
        sample: p.sample,
        intent: p.intent,
        subject: p.subject,
        html: p.html,
        text: p.text,
        variables: p.variables,
      }));
    },
  );

  app.get<{ Params: { key: string } }>(
    '/templates/:key',
    {
      schema: {
        tags: TAGS,
        summary: 'Read a template (yours, or the default for the key)',
        params: keyParams,
        response: { 200: templateSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await getTemplate(services.db, {
          merchantId: request.caller.merchantId,
          key: request.params.key,
        }),
        presentTemplate,
      ),
  );

  app.put<{ Params: { key: string }; Body: SourceBody }>(
    '/templates/:key',
    {
      schema: {
        tags: TAGS,
        summary: 'Save your version of a template',
        description:
          'Checked first: a syntax error, an unknown variable or filter answers 400 `invalid_template` with the part in `field` and the line in the message, and nothing is saved.',
        params: keyParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['subject', 'html', 'text'],
          properties: sourceFields,
        },
        response: { 200: templateSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await saveTemplate(services.db, {
          merchantId: request.caller.merchantId,
          key: request.params.key,
          subject: request.body.subject,
          html: request.body.html,
          text: request.body.text,
          clock: services.clock,
        }),
        presentTemplate,
      ),
  );

  app.delete<{ Params: { key: string } }>(
    '/templates/:key',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete your version: the default applies again (a key without a default is gone)',
        params: keyParams,
        response: {
          200: {
            type: 'object',
            required: ['id', 'object', 'deleted', 'template'],
            properties: {
              id: str,
              object: { type: 'string', enum: ['template'] },
              deleted: { type: 'boolean', enum: [true] },
              template: {
                anyOf: [templateSchema, { type: 'null' }],
                description: 'The template now in effect for the key (the default), or null.',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await resetTemplate(services.db, {
          merchantId: request.caller.merchantId,
          key: request.params.key,
          clock: services.clock,
        }),
        (t) => ({
          id: request.params.key,
          object: 'template',
          deleted: true,
          template: t ? presentTemplate(t) : null,
        }),
      ),
  );
};

export default plugin;
