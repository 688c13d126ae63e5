import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AiBlock } from '../../../drivers/digitizer/digitizer.ts';
import { type AcquisitionLink, StreamingAcquisition } from '../../../drivers/digitizer/patchrig/acquisition.ts';
import { isDeviceError } from '../../../drivers/transport/errors.ts';

function fakeLink(over: Partial<AcquisitionLink> = {}): AcquisitionLink & { chunks: [number, number][]; stops: number } {
  const l = {
    device: 'daq0',
    port: 'sim:daq0',
    rangeVolts: 10,
    aoFifoScans: 100,
    chunks: [] as [number, number][],
    stops: 0,
    async sendAoChunk(first: number, _nCh: number, n: number) {
      l.chunks.push([first, n]);
    },
    async sendStop() {
      l.stops++;
    },
    finished() {},
    stallTimeoutMs: 1000,
    ...over,
  };
  return l;
}

const block = (firstScan: number, nScans: number, nChannels = 1) => ({ firstScan, nChannels, nScans, samples: new Int16Array(nScans * nChannels).fill(3276) });

async function drain(acq: StreamingAcquisition): Promise<{ blocks: AiBlock[]; error: unknown }> {
  const blocks: AiBlock[] = [];
  try {
    for await (const b of acq.blocks()) blocks.push(b);
    return { blocks, error: undefined };
  } catch (e) {
    return { blocks, error: e };
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a running acquisition on the host side', () => {
  it('yields contiguous blocks in volts and ends at the last scan', async () => {
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 10, outputs: [], inputs: [0] }, fakeLink(), 10);
    acq.onBlock(block(0, 4));
    acq.onBlock(block(4, 6));
    const { blocks, error } = await drain(acq);
    expect(error).toBeUndefined();
    expect(blocks.map((b) => [b.firstScan, b.scans])).toEqual([
      [0, 4],
      [4, 6],
    ]);
    expect(blocks[0]?.channels[0]?.[0]).toBeCloseTo(1, 3); // 3276 counts × 10 V / 32768
  });

  it('fails with DATA_LOST on a gap in the scans, keeping what came before', async () => {
    const link = fakeLink();
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 10, outputs: [], inputs: [0] }, link, 10);
    acq.onBlock(block(0, 4));
    acq.onBlock(block(5, 5));
    const { blocks, error } = await drain(acq);
    expect(blocks).toHaveLength(1);
    expect(isDeviceError(error, 'DATA_LOST')).toBe(true);
    expect((error as Error).message).toMatch(/AI block starts at scan 5, expected 4: data lost/);
    expect(link.stops).toBe(1);
  });

  it('fails on a STATUS reporting an AI overrun even while the device keeps running, not on overload alone', async () => {
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 10, outputs: [], inputs: [0] }, fakeLink(), 10);
    acq.onStatus({ state: 'running', aiOverrun: false, aoUnderrun: false, overload: true, scan: 2 });
    expect(acq.isOver).toBe(false);
    acq.onStatus({ state: 'running', aiOverrun: true, aoUnderrun: false, overload: false, scan: 3 });
    const { error } = await drain(acq);
    expect((error as Error).message).toMatch(/lost data \(AI overrun\) at scan 3/);
  });

  it('reports the reason the device gives right after an error STATUS', async () => {
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 10, outputs: [], inputs: [0] }, fakeLink(), 10);
    acq.onStatus({ state: 'error', aiOverrun: false, aoUnderrun: true, overload: false, scan: 4 });
    acq.onDeviceError(7, 'AO underrun at scan 4');
    const { error } = await drain(acq);
    expect(isDeviceError(error, 'DATA_LOST')).toBe(true);
    expect((error as Error).message).toMatch(/device error 7: AO underrun at scan 4 \(AO underrun\)/);
  });

  it('fails with TIMEOUT when the device stops sending data', async () => {
    vi.useFakeTimers();
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 10, outputs: [], inputs: [0] }, fakeLink({ stallTimeoutMs: 500 }), 10);
    const result = drain(acq);
    acq.onBlock(block(0, 2));
    await vi.advanceTimersByTimeAsync(499);
    expect(acq.isOver).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    const { error } = await result;
    expect(isDeviceError(error, 'TIMEOUT')).toBe(true);
    expect((error as Error).message).toMatch(/no data for 500 ms at scan 2 of 10/);
  });

  it('tops up the AO buffer as inputs show the output advancing, never more than the buffer ahead', async () => {
    const link = fakeLink({ aoFifoScans: 100 });
    const volts = new Float32Array(1000);
    const acq = new StreamingAcquisition({ rateHz: 1000, scans: 1000, outputs: [{ channel: 0, volts }], inputs: [0] }, link, 100);
    acq.onBlock(block(0, 50));
    await new Promise((r) => setTimeout(r, 0));
    // 50 scans played: 50 more may go, starting at scan 100.
    expect(link.chunks).toEqual([[100, 50]]);
    acq.onBlock(block(50, 50));
    await new Promise((r) => setTimeout(r, 0));
    expect(link.chunks).toEqual([
      [100, 50],
      [150, 50],
    ]);
    await acq.stop();
  });
});
