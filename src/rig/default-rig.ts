import type { RigConfig } from './schema.ts';
import { validateRigConfig } from './load-config.ts';

/**
 * The built-in rig: one simulated 8-channel amplifier and one simulated digitizer, headstage k on
 * amplifier channel k+1, AO k and AI k — what `npm start` runs with no hardware.
 */
export function defaultSimulatedRig(headstages = 8, seed = 1): RigConfig {
  return validateRigConfig(
    {
      name: `simulated ${headstages}-headstage rig`,
      devices: {
        amp0: { kind: 'amplifier', protocol: 'patchrig-amp/1', port: 'sim' },
        daq0: { kind: 'digitizer', protocol: 'patchrig-daq/1', port: 'sim' },
      },
      headstages: Array.from({ length: headstages }, (_, k) => ({
        amplifier: 'amp0',
        channel: k + 1,
        digitizer: 'daq0',
        ao: k,
        ai: k,
        label: `HS${k}`,
      })),
      simulation: { seed, speed: 'max' },
    },
    '(built-in simulated rig)',
  );
}
