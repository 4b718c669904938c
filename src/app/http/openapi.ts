// The interactive API reference: Swagger UI at /docs over the OpenAPI document that
// @fastify/swagger builds from the route schemas (served as JSON at /docs/json). Register it after
// @fastify/swagger and before the routes, so every route's schema is in the document it serves.
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const API_REFERENCE_PATH = '/docs';

export function registerApiReference(app: FastifyInstance): void {
  app.register(swaggerUi, {
    routePrefix: API_REFERENCE_PATH,
    theme: { title: 'Dunner API reference' },
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      // The key typed into "Authorize" is not kept in the browser’s storage.
      persistAuthorization: false,
      tryItOutEnabled: false,
      // No badge from an outside validator service: the page talks to this server only.
      validatorUrl: null,
    },
    // The page loads only its own bundled assets. Unlike the plugin's default policy, no
    // upgrade-insecure-requests: a server on plain http://127.0.0.1 must still serve its page.
    staticCSP:
      "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; " +
      "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; " +
      "style-src 'self' 'unsafe-inline'",
  });
}
