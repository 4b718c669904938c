// The operator dashboard: a sign-in page rendered here, and a single-page app (web/dashboard/) that
// talks only to the public API under /v1 with the session cookie this file sets. Every page and
// script of the app needs a session; without one the browser is sent to the sign-in page.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  authenticateSession,
  endSession,
  SESSION_COOKIE,
  startSession,
} from '../../access/sessions.ts';
import type { Services, SitePlugin } from '../v1/kit.ts';

export const DASHBOARD_PATH = '/dashboard';
export const SIGN_IN_PATH = `${DASHBOARD_PATH}/sign-in`;
export const SIGN_OUT_PATH = `${DASHBOARD_PATH}/sign-out`;
const ASSETS_PATH = `${DASHBOARD_PATH}/assets/`;
const CHART_JS_PATH = `${DASHBOARD_PATH}/vendor/chart.umd.js`;

const WEB_DIR = fileURLToPath(new URL('../../../../web/dashboard/', import.meta.url));
const CHART_JS_FILE = path.join(
  path.dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.js',
);

/** Only our own files run and load; nothing inline, nothing from elsewhere, no framing. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const dashboard: SitePlugin = async (app, { services, limiters }) => {
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith(DASHBOARD_PATH)) reply.headers(SECURITY_HEADERS);
  });

  app.get(DASHBOARD_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (!(await signedIn(services, request))) return toSignIn(request, reply);
    return sendShell(reply);
  });
  // Any other path of the app (a case page, the strategy editor) is the same shell; the app's
  // router reads the path. Assets and sign-in have their own, more specific routes.
  app.get(`${DASHBOARD_PATH}/*`, { schema: { hide: true } }, async (request, reply) => {
    if (!(await signedIn(services, request))) return toSignIn(request, reply);
    return sendShell(reply);
  });

  app.get(SIGN_IN_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (await signedIn(services, request)) return reply.redirect(`${DASHBOARD_PATH}/`, 303);
    const query = request.query as Record<string, string | undefined>;
    return sendSignIn(reply, {
      next: safeNext(query.next),
      notice: query.signed_out !== undefined ? 'You are signed out.' : null,
    });
  });

  app.post(SIGN_IN_PATH, { schema: { hide: true } }, async (request, reply) => {
    // Login CSRF: another site must not sign a visitor in to an account it controls.
    if (crossSite(request)) return reply.code(403).type('text/plain').send('cross-site sign-in');
    const form = (request.body ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const next = safeNext(text(form.next));
    const method = text(form.method) === 'password' ? 'password' : 'api_key';
    const email = text(form.email).trim();
    const credentials =
      method === 'password'
        ? { email, password: text(form.password) }
        : { apiKey: text(form.api_key).trim() };
    const missing =
      method === 'password'
        ? !email || !text(form.password)
          ? 'Enter your email and password.'
          : null
        : !text(form.api_key).trim()
          ? 'Enter an API key.'
          : null;
    if (missing)
      return sendSignIn(reply.code(400), { next, error: missing, method, email, notice: null });
    // Failed sign-ins are limited per address and method, on top of the operator's own pause.
    const wait = limiters ? await limiters.signInBlocked(request, method) : null;
    if (wait !== null)
      return sendSignIn(reply.code(429).header('Retry-After', wait), {
        next,
        error: `Too many failed sign-ins with ${method === 'password' ? 'a password' : 'an API key'} from this address. Try again in ${waitInWords(wait)}.`,
        method,
        email,
        notice: null,
      });
    const started = await startSession(services, credentials);
    if (!started.ok && started.error.code === 'unauthenticated')
      await limiters?.signInFailed(request, method);
    if (!started.ok)
      return sendSignIn(reply.code(started.error.code === 'too_many_attempts' ? 429 : 401), {
        next,
        error:
          started.error.code === 'too_many_attempts'
            ? 'Too many wrong passwords for this operator. Sign-in is paused for 15 minutes.'
            : method === 'password'
              ? 'That email and password do not match an operator.'
              : 'That API key is not valid.',
        method,
        email,
        notice: null,
      });
    reply.setCookie(SESSION_COOKIE, started.value.cookie, {
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      path: '/',
      // Relative, so the browser's own clock cannot disagree with ours about when it ends.
      maxAge: Math.max(
        0,
        Math.floor((started.value.expiresAt.getTime() - services.clock.now().getTime()) / 1000),
      ),
    });
    return reply.redirect(next ?? `${DASHBOARD_PATH}/`, 303);
  });

  app.post(SIGN_OUT_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (crossSite(request)) return reply.code(403).type('text/plain').send('cross-site sign-out');
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) await endSession(services, cookie);
    reply.clearCookie(SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
    });
    return reply.redirect(`${SIGN_IN_PATH}?signed_out`, 303);
  });

  app.get(CHART_JS_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (!(await signedIn(services, request))) return reply.code(401).send();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'private, max-age=3600')
      .send(await readFile(CHART_JS_FILE));
  });

  // The app's scripts and styles. The stylesheet also dresses the sign-in page, so it is the one
  // file served without a session.
  await app.register(async (assets) => {
    assets.addHook('onRequest', async (request, reply) => {
      const file = request.url.slice(ASSETS_PATH.length).split('?')[0];
      if (file === 'dashboard.css') return;
      if (!(await signedIn(services, request))) return reply.code(401).send();
    });
    await assets.register(fastifyStatic, {
      root: WEB_DIR,
      prefix: ASSETS_PATH,
      decorateReply: false,
      index: false,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (reply) => reply.header('cache-control', 'no-cache'),
      allowedPath: (pathName) => /\.(?:js|css|svg)$/.test(pathName) && !pathName.includes('..'),
      schemaHide: true,
    });
  });
};

export default dashboard;

async function signedIn(services: Services, request: FastifyRequest): Promise<boolean> {
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? (await authenticateSession(services, cookie)) !== null : false;
}

function toSignIn(request: FastifyRequest, reply: FastifyReply) {
  const here = request.url;
  const next = here === DASHBOARD_PATH || here === `${DASHBOARD_PATH}/` ? null : safeNext(here);
  return reply.redirect(
    next ? `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}` : SIGN_IN_PATH,
    303,
  );
}

/** Only a path inside the dashboard: never another origin (`//host`, `/\host`) or the sign-in page. */
function safeNext(next: string | undefined): string | null {
  if (!next || next.length > 500) return null;
  if (!next.startsWith(`${DASHBOARD_PATH}/`)) return null;
  if (/[\\\s]|\/\/|\.\./.test(next) || next.startsWith(SIGN_IN_PATH)) return null;
  return next;
}

/** Browsers say where a request comes from; a request from another site must not act. */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    const host = request.headers.host;
    try {
      return new URL(origin).host !== host;
    } catch {
      return true;
    }
  }
  return false;
}

let shell: Promise<Buffer> | null = null;

async function sendShell(reply: FastifyReply) {
  // Read once per process: the shell is static and the app's modules carry the behaviour.
  shell ??= readFile(path.join(WEB_DIR, 'index.html'));
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(await shell);
}

type SignInView = {
  next: string | null;
  notice: string | null;
  error?: string;
  method?: 'api_key' | 'password';
  email?: string;
};

function sendSignIn(reply: FastifyReply, view: SignInView) {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(signInPage(view));
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Server-rendered, no script: signing in works with JavaScript off and with a keyboard only. */
function signInPage(view: SignInView): string {
  const next = view.next
    ? `<input type="hidden" name="next" value="${escapeHtml(view.next)}">`
    : '';
  const error = view.error
    ? `<p class="alert alert-error" role="alert" id="sign-in-error">${escapeHtml(view.error)}</p>`
    : '';
  const notice = view.notice
    ? `<p class="alert alert-ok" role="status">${escapeHtml(view.notice)}</p>`
    : '';
  const describedBy = (method: 'api_key' | 'password') =>
    view.error && view.method === method ? ' aria-describedby="sign-in-error"' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Dunner dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS_PATH}dashboard.css">
</head>
<body class="sign-in-body">
<a class="skip-link" href="#main">Skip to the sign-in form</a>
<main id="main" class="sign-in" tabindex="-1">
  <h1><span class="brand-mark" aria-hidden="true">◆</span> Dunner</h1>
  <p class="muted">Sign in to your merchant's dashboard.</p>
  ${notice}${error}
  <section class="card" aria-labelledby="with-password">
    <h2 id="with-password">With your operator account</h2>
    <form method="post" action="${SIGN_IN_PATH}" class="form-grid">
      <input type="hidden" name="method" value="password">${next}
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(view.method === 'password' ? (view.email ?? '') : '')}"${describedBy('password')}>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required${describedBy('password')}>
      <button type="submit" class="button primary">Sign in</button>
    </form>
  </section>
  <section class="card" aria-labelledby="with-key">
    <h2 id="with-key">With an API key</h2>
    <form method="post" action="${SIGN_IN_PATH}" class="form-grid">
      <input type="hidden" name="method" value="api_key">${next}
      <label for="api_key">API key</label>
      <input id="api_key" name="api_key" type="password" autocomplete="off" spellcheck="false" placeholder="dk_test_…" required${describedBy('api_key')}>
      <button type="submit" class="button">Sign in with the key</button>
    </form>
    <p class="muted small">The key is not stored in the browser: it starts a session of 12 hours.</p>
  </section>
</main>
</body>
</html>
`;
}

/** "45 seconds", "3 minutes": how long a blocked sign-in waits. */
function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
