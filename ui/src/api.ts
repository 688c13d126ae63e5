/**
 * REST calls to the service. Carries the page's access token (`Authorization: Bearer`, needed off
 * loopback) and, on control requests, the controller seat's key (`X-Patchrig-Seat`), and turns
 * problem documents into errors whose message is the service's `detail` (it says what to fix).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

export interface Access {
  /** `?token=` of the page URL, if any. */
  token: string | undefined;
  /** The seat key while this console is the controller. */
  seatKey: () => string | undefined;
}

export class Api {
  constructor(private readonly access: Access, private readonly base = '') {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.access.token) headers.authorization = `Bearer ${this.access.token}`;
    const key = this.access.seatKey();
    if (method !== 'GET' && key) headers['x-patchrig-seat'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      throw new ApiError(`${method} ${path}: the service did not answer (${(e as Error).message})`, 0);
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const p = (json ?? {}) as { detail?: string; title?: string; code?: string };
      throw new ApiError(p.detail ?? p.title ?? `${method} ${path}: HTTP ${res.status}`, res.status, p.code);
    }
    return json as T;
  }
}

/** The page's `?token=`; off loopback the service needs it on every request and on `/ws`. */
export function pageToken(search: string): string | undefined {
  const t = new URLSearchParams(search).get('token');
  return t === null || t === '' ? undefined : t;
}
