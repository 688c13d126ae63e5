import type { Rig } from '../../src/rig/open-rig.ts';

/** What a short, typical rig session reads back; compared between a live run and its replay. */
export interface SessionResult {
  amplifier: string;
  digitizer: string;
  channels: number;
  telegraph: unknown;
  state: unknown;
  scans: number;
  /** Sum of all input samples in counts (exact integers): a checksum of every sample. */
  countSum: number;
  status: string;
}

/**
 * A session as an experimenter's first minute at the rig: identify the devices, set holding and
 * modes, read telegraphs and state, then one short test-pulse acquisition on two headstages.
 */
export async function runExampleSession(rig: Rig): Promise<SessionResult> {
  const amp = rig.amplifiers.get('amp0');
  const daq = rig.digitizers.get('daq0');
  if (!amp || !daq) throw new Error('the session needs amp0 and daq0');
  const ampId = await amp.identify();
  const daqId = await daq.identify();
  const channels = await amp.channelCount();
  await amp.setMode(1, 'VC');
  await amp.setHolding(1, -0.07);
  await amp.setHoldingEnabled(1, true);
  const telegraph = await amp.telegraph(1);
  await amp.setMode(2, 'IC');
  await amp.setGain(2, 5);
  const state = await amp.state(2);
  const rate = 10_000;
  const scans = 2_000;
  const pulse = (amp: number) => Float32Array.from({ length: scans }, (_, i) => (i >= 500 && i < 1500 ? amp : 0));
  await daq.configure({
    rateHz: rate,
    scans,
    outputs: [
      { channel: 0, volts: pulse(0.5) }, // 10 mV at 20 mV/V
      { channel: 1, volts: pulse(0.25) }, // 100 pA at 400 pA/V
    ],
    inputs: [0, 1],
  });
  const acq = await daq.start();
  let n = 0;
  let countSum = 0;
  for await (const b of acq.blocks()) {
    n += b.scans;
    for (const ch of b.channels) for (const v of ch) countSum += Math.round((v * 32768) / 10);
  }
  const status = (await daq.status()).state;
  return { amplifier: `${ampId.model} ${ampId.serial}`, digitizer: `${daqId.model} ${daqId.serial}`, channels, telegraph, state, scans: n, countSum, status };
}
