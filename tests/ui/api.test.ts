import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api, ApiError, pageToken } from '../../ui/src/api.ts';
import { wsUrl } from '../../ui/src/ws-url.ts';

afterEach(() => vi.unstubAllGlobals());

/** Stubs fetch with one answer and records the requests made. */
function stubFetch(status: number, body: unknown, contentType = 'application/json'): { url: string; init: RequestInit }[] {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
  });
  return calls;
}

describe('access from the page: token and seat', () => {
  it('takes the token from ?token= and puts it on /ws', () => {
    expect(pageToken('?token=abc-_1&x=2')).toBe('abc-_1');
    expect(pageToken('?x=2')).toBeUndefined();
    expect(pageToken('?token=')).toBeUndefined();
    expect(wsUrl({ protocol: 'http:', host: 'rig3:8080' }, 'a b')).toBe('ws://rig3:8080/ws?token=a%20b');
    expect(wsUrl({ protocol: 'https:', host: 'rig3' }, undefined)).toBe('wss://rig3/ws');
  });

  it('sends the token on every request and the seat key on control requests only', async () => {
    const calls = stubFetch(200, { ok: true });
    let key: string | undefined = 'seat-1';
    const api = new Api({ token: 'tok', seatKey: () => key });
    await api.get('/api/rig');
    await api.post('/api/experiments/current/pause');
    key = undefined;
    await api.put('/api/testpulse', { running: true });
    const headers = calls.map((c) => c.init.headers as Record<string, string>);
    expect(headers.map((h) => h.authorization)).toEqual(['Bearer tok', 'Bearer tok', 'Bearer tok']);
    expect(headers.map((h) => h['x-patchrig-seat'])).toEqual([undefined, 'seat-1', undefined]);
    expect(calls[2]?.init.body).toBe('{"running":true}');
  });

  it("reports a refusal with the service's detail and code", async () => {
    stubFetch(409, { status: 409, detail: 'the controller seat is held by another console', code: 'SEAT_HELD' }, 'application/problem+json');
    const err = await new Api({ token: undefined, seatKey: () => undefined }).post('/api/experiments/current/abort').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: 'the controller seat is held by another console', status: 409, code: 'SEAT_HELD' });
  });
});
