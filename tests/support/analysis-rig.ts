import { PatchrigAmplifier } from '../../drivers/amplifier/patchrig/driver.ts';
import { PatchrigDigitizer } from '../../drivers/digitizer/patchrig/driver.ts';
import { SlicePreparation, type SliceOptions } from '../../simulators/physics/slice.ts';
import { createSimulatedRig, preparationSpec } from '../../simulators/rigs/simulated-rig.ts';
import { defaultSimulatedRig } from '../../src/rig/default-rig.ts';
import { type Rig, openRig } from '../../src/rig/open-rig.ts';
import { withSafetyLimits } from '../../src/rig/safe-amplifier.ts';
import { DEFAULT_SAFETY } from '../../src/rig/schema.ts';

/** The slice options the built-in 8-headstage rig gives its amplifier for a seed (its ground truth's twin). */
export function sliceOptionsOf(seed: number): SliceOptions {
  const spec = preparationSpec('slice', 8, seed, {}, 'sim:amp0');
  if (spec.kind !== 'slice') throw new Error('expected a slice');
  return spec.options;
}

/**
 * The built-in simulated 8-headstage rig (`synapses: false`: its slice with every synapse removed,
 * for the false-positive check). The rig file has no option for that, so the no-synapse rig is
 * assembled here the way openRig does it, around a ready-made preparation.
 */
export async function openAnalysisRig(seed: number, synapses: boolean): Promise<{ rig: Rig; slice: SliceOptions }> {
  const slice = synapses ? sliceOptionsOf(seed) : { ...sliceOptionsOf(seed), synapses: [] };
  const config = defaultSimulatedRig(8, seed);
  // The slice's worker thread can take seconds to start on a loaded 2-core machine (two runs at a
  // time): longer reply and stall timeouts than the defaults (1 s, 2 s) keep that from failing a sweep.
  const daqConfig = config.devices.daq0;
  if (daqConfig?.kind === 'digitizer') config.devices.daq0 = { ...daqConfig, timeoutMs: 30_000, stallTimeoutMs: 30_000 };
  if (synapses) return { rig: await openRig(config, { speed: 'max' }), slice };
  const simulation = createSimulatedRig({
    amplifiers: [{ path: 'sim:amp0', channels: 8, preparation: new SlicePreparation(slice) }],
    digitizer: { path: 'sim:daq0' },
    cables: config.headstages.map((h) => ({ ao: h.ao, ai: h.ai, amplifierPath: 'sim:amp0', channel: h.channel })),
    seed,
    speed: 'max',
    worker: false,
  });
  const binding = simulation.ports.binding;
  const amp = withSafetyLimits(await PatchrigAmplifier.open({ name: 'amp0', path: 'sim:amp0', binding }), DEFAULT_SAFETY);
  const daq = await PatchrigDigitizer.open({ name: 'daq0', path: 'sim:daq0', binding, timeoutMs: 30_000, stallTimeoutMs: 30_000 });
  const rig: Rig = {
    config,
    safety: DEFAULT_SAFETY,
    amplifiers: new Map([['amp0', amp]]),
    digitizers: new Map([['daq0', daq]]),
    devices: [
      { name: 'amp0', config: config.devices.amp0 as Rig['devices'][number]['config'], path: 'sim:amp0' },
      { name: 'daq0', config: config.devices.daq0 as Rig['devices'][number]['config'], path: 'sim:daq0' },
    ],
    headstages: config.headstages,
    simulation,
    restPassed: (s) => simulation.restPassed(s),
    close: async () => {
      await Promise.allSettled([amp.close(), daq.close()]);
      simulation.dispose();
    },
  };
  return { rig, slice };
}
