// fetch wrapper for /api/v1: JSON in and out, the session token as a Bearer
// header (never in a URL), and server errors as ApiError with the server's
// stable code so callers can map them to specific messages.
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, body) {
    super(`HTTP ${status} ${code}`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export async function api(method, path, { body, token } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    // fetch rejects only when no response arrived at all.
    throw new ApiError(0, 'network', null);
  }
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, (json && json.error) || 'http_error', json);
  return json;
}
