import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { getEventListeners } from 'node:events';
import { RequestQueue, RECEIVED_BYTES_KEPT } from '../../../drivers/transport/request-queue.ts';
import type { RequestQueueOptions } from '../../../drivers/transport/request-queue.ts';
import { DeviceError } from '../../../drivers/transport/errors.ts';

/**
 * A queue speaking the §9.1 line protocol: messages are decoded lines, replies carry the id of
 * their request ("<id> OK ..." / "<id> ERR <code> ..."), events start with "!".
 */
function setup(overrides: Partial<RequestQueueOptions> = {}) {
  const written: string[] = [];
  const onTimeout = vi.fn<() => void | Promise<void>>();
  const queue = new RequestQueue<string>({
    device: 'amp0',
    port: 'sim:amp0',
    write: async (bytes) => {
      written.push(Buffer.from(bytes).toString('latin1'));
    },
    onTimeout,
    defaultTimeoutMs: 100,
    ...overrides,
  });
  const ask = (id: number, verb: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
    queue.request<string>({
      command: `${id} ${verb}`,
      bytes: Buffer.from(`${id} ${verb}\n`, 'latin1'),
      match: (line) => {
        if (line.startsWith(`${id} OK`)) return { done: line.slice(`${id} OK`.length).trim() };
        if (line.startsWith(`${id} ERR`)) return { error: new Error(line) };
        return undefined;
      },
      ...extra,
    });
  return { queue, written, onTimeout, ask };
}

/** Settles a promise into a value we can inspect without unhandled rejections. */
function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  const result = await outcome(p);
  if (result.ok) throw new Error('expected a rejection');
  expect(result.error).toBeInstanceOf(DeviceError);
  return result.error as DeviceError;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  // No request may leave a timer behind, whatever happened to it.
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('RequestQueue ordering', () => {
  it('sends one request at a time, in order, each after the previous reply', async () => {
    const { queue, written, ask } = setup();
    const first = ask(1, '*IDN?');
    const second = ask(2, 'MODE 1 VC');
    const third = ask(3, 'PING');
    expect(written).toEqual(['1 *IDN?\n']);
    expect(queue.pending).toBe(3);

    expect(queue.deliver('1 OK PATCHRIG,SIMAMP8,0001,1.0')).toBe(true);
    expect(written).toEqual(['1 *IDN?\n', '2 MODE 1 VC\n']);
    expect(queue.deliver('2 OK')).toBe(true);
    expect(queue.deliver('3 OK')).toBe(true);

    expect(await first).toBe('PATCHRIG,SIMAMP8,0001,1.0');
    expect(await second).toBe('');
    expect(await third).toBe('');
    expect(written).toHaveLength(3);
    expect(queue.pending).toBe(0);
  });

  it('does not hand a queued request a reply while another is in flight', async () => {
    const { queue, ask } = setup();
    const first = ask(1, 'PING');
    const second = ask(2, 'PING');
    expect(queue.deliver('2 OK')).toBe(false); // not in flight yet: goes to the unsolicited handler
    queue.deliver('1 OK');
    await first;
    expect(queue.deliver('2 OK')).toBe(true);
    await second;
  });

  it('passes unsolicited messages through, in flight or idle', async () => {
    const { queue, ask } = setup();
    expect(queue.deliver('! RESET')).toBe(false);
    const req = ask(1, 'TEL? 1');
    expect(queue.deliver('! TEL 1 VC 5e8 V/A 1e4 0.02')).toBe(false);
    expect(queue.deliver('1 OK VC 5e8 V/A 1e4 0.02')).toBe(true);
    expect(await req).toBe('VC 5e8 V/A 1e4 0.02');
  });

  it('rejects with the error the matcher returns (a device ERR) and moves on without a resync', async () => {
    const { queue, written, ask, onTimeout } = setup();
    const bad = ask(1, 'HOLD 1 5');
    const next = ask(2, 'PING');
    queue.deliver('1 ERR 3 value out of range');
    await expect(bad).rejects.toThrow('1 ERR 3 value out of range');
    expect(written[1]).toBe('2 PING\n');
    queue.deliver('2 OK');
    await next;
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('rejects the request whose matcher throws instead of throwing into the data handler', async () => {
    const { queue } = setup();
    const req = queue.request({
      command: 'X',
      bytes: Buffer.from('X\n'),
      match: () => {
        throw new TypeError('codec bug');
      },
    });
    expect(queue.deliver('anything')).toBe(true);
    await expect(req).rejects.toThrow('codec bug');
  });
});

describe('RequestQueue timeouts', () => {
  it('rejects with TIMEOUT naming device, port, command and the bytes received meanwhile', async () => {
    const { queue, ask, onTimeout } = setup();
    const req = outcome(ask(7, 'MODE 1 VC'));
    queue.noteBytes(Buffer.from('before'));
    await vi.advanceTimersByTimeAsync(99);
    queue.noteBytes(Buffer.from('7 O', 'latin1'));
    expect(onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);

    const result = await req;
    expect(result.ok).toBe(false);
    const error = (result as { error: DeviceError }).error;
    expect(error.code).toBe('TIMEOUT');
    expect(error.device).toBe('amp0');
    expect(error.port).toBe('sim:amp0');
    expect(error.command).toBe('7 MODE 1 VC');
    expect(Buffer.from(error.received!).toString('latin1')).toBe('before7 O');
    expect(error.message).toContain('amp0 on sim:amp0, command "7 MODE 1 VC"');
    expect(error.message).toContain('"before7 O"');
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('does not attribute bytes that arrived while nothing was in flight', async () => {
    const { queue, ask } = setup();
    queue.noteBytes(Buffer.from('! RESET\n'));
    const req = rejection(ask(1, 'PING'));
    await vi.advanceTimersByTimeAsync(100);
    expect((await req).received).toHaveLength(0);
  });

  it('keeps only the last RECEIVED_BYTES_KEPT bytes', async () => {
    const { queue, ask } = setup();
    const req = rejection(ask(1, 'STATE? 1'));
    for (let i = 0; i < 100; i++) queue.noteBytes(Buffer.alloc(13, i));
    await vi.advanceTimersByTimeAsync(100);
    const received = (await req).received!;
    expect(received).toHaveLength(RECEIVED_BYTES_KEPT);
    expect(received[received.length - 1]).toBe(99);
    expect(received[0]).toBe(Math.floor((1300 - RECEIVED_BYTES_KEPT) / 13));
  });

  it('uses the per-request timeout over the default', async () => {
    const { ask } = setup();
    const slow = outcome(ask(1, 'AUTO 1 CFAST', { timeoutMs: 5000 }));
    await vi.advanceTimersByTimeAsync(4999);
    let settled = false;
    void slow.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await slow).ok).toBe(false);
  });

  it('waits for the resync to finish before sending the next request', async () => {
    let finishFlush: () => void = () => {};
    const { written, ask, queue } = setup({
      onTimeout: () =>
        new Promise<void>((resolve) => {
          finishFlush = resolve;
        }),
    });
    const first = outcome(ask(1, 'PING'));
    const second = ask(2, 'PING');
    await vi.advanceTimersByTimeAsync(100);
    expect((await first).ok).toBe(false);
    expect(written).toEqual(['1 PING\n']); // still flushing
    expect(queue.deliver('2 OK')).toBe(false);
    finishFlush();
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual(['1 PING\n', '2 PING\n']);
    queue.deliver('2 OK');
    await second;
  });

  it('goes on through a device that stops answering: each request times out in turn', async () => {
    const { queue, written, ask, onTimeout } = setup();
    const all = [1, 2, 3].map((id) => outcome(ask(id, 'PING')));
    await vi.advanceTimersByTimeAsync(250);
    expect(written).toHaveLength(3);
    expect(queue.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    const results = await Promise.all(all);
    expect(results.map((r) => !r.ok && (r.error as DeviceError).code)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
    expect(onTimeout).toHaveBeenCalledTimes(3);
    expect(queue.pending).toBe(0);
  });

  it('never hands a late reply to the request after the one that timed out', async () => {
    const { queue, ask } = setup();
    const first = outcome(ask(1, 'MODE? 1'));
    const second = ask(2, 'MODE? 2');
    await vi.advanceTimersByTimeAsync(100);
    expect((await first).ok).toBe(false);
    expect(queue.deliver('1 OK IC')).toBe(false); // late: unsolicited now
    expect(queue.pending).toBe(1);
    expect(queue.deliver('2 OK VC')).toBe(true);
    expect(await second).toBe('VC');
  });

  it('refuses a timeout setTimeout cannot honour', async () => {
    const { queue, ask } = setup();
    await expect(ask(1, 'PING', { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(ask(1, 'PING', { timeoutMs: Infinity })).rejects.toThrow(RangeError);
    expect(queue.pending).toBe(0);
    expect(() => setup({ defaultTimeoutMs: -5 })).toThrow(RangeError);
  });
});

describe('RequestQueue cancellation', () => {
  it('rejects an already aborted request without writing anything', async () => {
    const { written, ask } = setup();
    const error = await rejection(ask(1, 'PING', { signal: AbortSignal.abort(new Error('left the state')) }));
    expect(error.code).toBe('ABORTED');
    expect(error.command).toBe('1 PING');
    expect(written).toEqual([]);
  });

  it('removes an aborted queued request: it is never sent', async () => {
    const { queue, written, ask, onTimeout } = setup();
    const controller = new AbortController();
    const first = ask(1, 'PING');
    const second = ask(2, 'PING', { signal: controller.signal });
    const third = ask(3, 'PING');
    controller.abort();
    expect((await rejection(second)).code).toBe('ABORTED');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(queue.pending).toBe(2);
    queue.deliver('1 OK');
    queue.deliver('3 OK');
    await Promise.all([first, third]);
    expect(written).toEqual(['1 PING\n', '3 PING\n']);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('rejects an aborted in-flight request, resyncs, and moves on', async () => {
    const { queue, written, ask, onTimeout } = setup();
    const controller = new AbortController();
    const first = ask(1, 'AUTO 1 WC', { signal: controller.signal });
    const second = ask(2, 'PING');
    queue.noteBytes(Buffer.from('partial'));
    controller.abort();
    const error = await rejection(first);
    expect(error.code).toBe('ABORTED');
    expect(Buffer.from(error.received!).toString()).toBe('partial');
    expect(onTimeout).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual(['1 AUTO 1 WC\n', '2 PING\n']);
    expect(queue.deliver('1 OK 3e-12')).toBe(false); // the reply to the aborted one is not taken
    queue.deliver('2 OK');
    await second;
  });

  it('removes its abort listener once a request settles normally', async () => {
    const { queue, ask } = setup();
    const controller = new AbortController();
    const req = ask(1, 'PING', { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    queue.deliver('1 OK');
    await req;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(); // too late to matter
    expect(queue.pending).toBe(0);
  });
});

describe('RequestQueue disconnects', () => {
  it('fails the in-flight and every queued request with DISCONNECTED, then refuses new ones until reopen', async () => {
    const { queue, written, ask, onTimeout } = setup();
    const controller = new AbortController();
    const inFlight = ask(1, 'PING', { signal: controller.signal });
    const queued = [ask(2, 'PING'), ask(3, 'PING')];
    queue.noteBytes(Buffer.from('1 O'));
    const cause = new Error('port closed');
    queue.disconnect(cause);

    const errors = await Promise.all([inFlight, ...queued].map(rejection));
    expect(errors.map((e) => e.code)).toEqual(['DISCONNECTED', 'DISCONNECTED', 'DISCONNECTED']);
    expect(errors.map((e) => e.command)).toEqual(['1 PING', '2 PING', '3 PING']);
    expect(errors[0]!.cause).toBe(cause);
    expect(Buffer.from(errors[0]!.received!).toString()).toBe('1 O');
    expect(queue.pending).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(onTimeout).not.toHaveBeenCalled();

    expect((await rejection(ask(4, 'PING'))).code).toBe('DISCONNECTED');
    expect(written).toEqual(['1 PING\n']);

    queue.reopen();
    const after = ask(5, 'PING');
    expect(written).toEqual(['1 PING\n', '5 PING\n']);
    queue.deliver('5 OK');
    await after;
  });

  it('rejects a request whose write fails and sends the next one', async () => {
    let fail = true;
    const written: string[] = [];
    const { queue, ask } = setup({
      write: (bytes) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('EIO'));
        }
        written.push(Buffer.from(bytes).toString());
        return Promise.resolve();
      },
    });
    const first = ask(1, 'PING');
    const second = ask(2, 'PING');
    const error = await rejection(first);
    expect(error.code).toBe('DISCONNECTED');
    expect((error.cause as Error).message).toBe('EIO');
    expect(written).toEqual(['2 PING\n']);
    queue.deliver('2 OK');
    await second;
  });

  it('treats a write that throws synchronously like one that rejects', async () => {
    const { ask } = setup({
      write: () => {
        throw new Error('port is not open');
      },
    });
    expect((await rejection(ask(1, 'PING'))).code).toBe('DISCONNECTED');
  });
});

describe('RequestQueue leaves nothing behind', () => {
  it('has no timers or abort listeners left after a mix of outcomes', async () => {
    const { queue, ask } = setup();
    const signals = [new AbortController(), new AbortController(), new AbortController()];
    const results = [
      outcome(ask(1, 'PING', { signal: signals[0]!.signal })), // answered
      outcome(ask(2, 'PING', { signal: signals[1]!.signal })), // times out
      outcome(ask(3, 'PING', { signal: signals[2]!.signal })), // aborted while queued
      outcome(ask(4, 'PING')), // disconnected
    ];
    expect(vi.getTimerCount()).toBe(1); // only the request in flight has a timer
    queue.deliver('1 OK');
    signals[2]!.abort();
    await vi.advanceTimersByTimeAsync(100);
    queue.disconnect();
    const settled = await Promise.all(results);
    expect(settled.map((r) => r.ok)).toEqual([true, false, false, false]);
    expect(vi.getTimerCount()).toBe(0);
    for (const c of signals) expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });
});
