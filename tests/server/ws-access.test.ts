import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './console-helpers.ts';
import { type TestClient, connect } from './ws-helpers.ts';

let h: Harness | undefined;
let base = '';
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.close();
  h = undefined;
  base = '';
});

const TOKENS = { controlToken: 'control-secret', viewToken: 'view-secret' };

async function client(x: Harness, query = ''): Promise<TestClient> {
  base ||= (await x.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  const c = await connect(`${base}/ws${query}`);
  clients.push(c);
  return c;
}

// The app is told it is bound off loopback (`access.exposed`) and is reached from 127.0.0.1: the
// rules follow the bind option, not the caller's address, so this exercises them as deployed.
describe('/ws off loopback', () => {
  it('refuses a connection without a valid token with 401 before the upgrade', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    await expect(client(h)).rejects.toThrow('HTTP 401');
    await expect(client(h, '?token=guess')).rejects.toThrow('HTTP 401');
  });

  it('lets a view-token client watch, and gives it the seat only with the control token', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    const viewer = await client(h, `?token=${TOKENS.viewToken}`);
    await viewer.until((x) => x.json('clients').length > 0, 'the clients count');
    expect(await viewer.request({ type: 'seat.take' }, 'error')).toMatchObject({ code: 'TOKEN_REQUIRED' });
    expect(await viewer.request({ type: 'seat.take', token: TOKENS.viewToken }, 'error')).toMatchObject({ code: 'TOKEN_REQUIRED' });
    expect(await viewer.request({ type: 'seat.take', token: TOKENS.controlToken }, 'seat')).toMatchObject({ role: 'controller' });
  });

  it('gives the seat to a connection opened with the control token without repeating it', async () => {
    h = await harness(1, { access: { exposed: true, ...TOKENS } });
    const controller = await client(h, `?token=${TOKENS.controlToken}`);
    expect(await controller.request({ type: 'seat.take' }, 'seat')).toMatchObject({ role: 'controller', key: expect.any(String) });
  });
});
