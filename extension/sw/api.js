// fetch wrapper for the server's /api/v1, as www/app/api-client.js but with
// the server's base URL (an extension page has no same-origin server). The
// token travels as a Bearer header, never in a URL; errors carry the server's
// stable code only.
export class ApiError extends Error {
  constructor(status, code) {
    super(`HTTP ${status} ${code}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(server, method, path, { body, token } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(`${server}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, (json && json.error) || 'http_error');
  return json;
}

/** The server's origin from what the person typed; only http(s), no path or credentials. */
export function serverOrigin(input) {
  let u;
  try {
    u = new URL(String(input).trim());
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return null;
  return u.origin;
}
