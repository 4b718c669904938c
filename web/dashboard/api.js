// The dashboard's only way to data: the public API under /v1, with the session cookie. Changing
// requests carry X-Requested-With, which a cross-site form cannot send (the API refuses them
// without it).

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `the request failed (${status})`);
    this.status = status;
    this.code = error?.code ?? 'error';
    this.field = error?.field ?? null;
    this.details = error ?? {};
  }
}

export async function api(method, path, { query, body } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    url.searchParams.set(key, String(value));
  }
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') headers['X-Requested-With'] = 'dunner-dashboard';
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, {
      code: 'network',
      message: 'The server could not be reached. Check the connection and try again.',
    });
  }
  if (res.status === 401) {
    // The session ended (signed out elsewhere, expired): back to the sign-in page, then here.
    const next = window.location.pathname + window.location.search;
    window.location.assign(`/dashboard/sign-in?next=${encodeURIComponent(next)}`);
    throw new ApiError(401, { code: 'unauthenticated', message: 'Your session has ended.' });
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, json?.error);
  return json;
}

export const get = (path, query) => api('GET', path, { query });
export const post = (path, body) => api('POST', path, { body });
export const put = (path, body) => api('PUT', path, { body });
export const patch = (path, body) => api('PATCH', path, { body });
export const del = (path) => api('DELETE', path);
