// fetch for the sharing pages: JSON bodies, a Bearer token only where the
// API needs one, never a secret in a URL. Errors carry the HTTP status and
// the server's stable `error` code.
export class ShareApiError extends Error {
  constructor(status, code) {
    super(`HTTP ${status} ${code}`);
    this.status = status;
    this.code = code;
  }
}

export async function call(method, path, { body, token, headers = {} } = {}) {
  const h = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers: h, credentials: 'omit', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ShareApiError(0, 'network');
  }
  if (res.status === 204) return null;
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ShareApiError(res.status, (json && json.error) || 'http_error');
  return json;
}
