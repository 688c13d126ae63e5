import { createHash } from 'node:crypto';
import type { BindingInterface } from '@serialport/bindings-interface';
import { PatchrigDigitizer } from '../../../drivers/digitizer/patchrig/driver.ts';

export interface Acquired {
  /** AI volts per input, the whole acquisition. */
  channels: Float32Array[];
  digest: string;
}

/**
 * Opens the digitizer at `path` (through `binding`, or the real serial binding), plays a 10 mV
 * test pulse (VC, 20 mV/V) with a different period on each of `headstages` AO channels and reads
 * every AI sample back.
 */
export async function acquireTestPulses(opts: { path: string; binding?: BindingInterface; headstages: number; scans: number; rateHz?: number }): Promise<Acquired> {
  const daq = await PatchrigDigitizer.open({ name: 'daq0', path: opts.path, binding: opts.binding, timeoutMs: 5000 });
  try {
    const rate = opts.rateHz ?? 50_000;
    const outputs = Array.from({ length: opts.headstages }, (_, k) => {
      const v = new Float32Array(opts.scans);
      const period = Math.round((0.01 + 0.002 * k) * rate);
      for (let i = 0; i < opts.scans; i++) v[i] = i % period >= period / 2 ? 0.5 : 0;
      return { channel: k, volts: v };
    });
    const inputs = outputs.map((o) => o.channel);
    await daq.configure({ rateHz: rate, scans: opts.scans, outputs, inputs });
    const acq = await daq.start();
    const channels = inputs.map(() => new Float32Array(opts.scans));
    const hash = createHash('sha256');
    for await (const b of acq.blocks()) {
      b.channels.forEach((c, k) => {
        (channels[k] as Float32Array).set(c, b.firstScan);
        hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      });
    }
    return { channels, digest: hash.digest('hex') };
  } finally {
    await daq.close();
  }
}
