import type { ClampMode } from '../core/clamp.ts';
import type { AmplifierChannelState } from '../../drivers/amplifier/amplifier.ts';
import type { HeadstageState } from '../server/console-api.ts';

const num = (s: AmplifierChannelState, k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
const bool = (s: AmplifierChannelState, k: string): boolean => s[k] === true;

/** A headstage's state from the amplifier's `STATE?` keys and what the service keeps itself. */
export function headstageStateOf(
  headstage: number,
  where: { amplifier: string; channel: number },
  device: AmplifierChannelState,
  kept: { holding: { vc: number; ic: number }; label?: string },
): HeadstageState {
  const mode = (typeof device.MODE === 'string' ? device.MODE : 'VC') as ClampMode;
  return {
    headstage,
    amplifier: where.amplifier,
    channel: where.channel,
    mode,
    holding: { ...kept.holding },
    bridgeBalance: { enabled: bool(device, 'BRIDGEEN'), resistance: num(device, 'BRIDGE') },
    capNeutralization: num(device, 'NEUT'),
    pipetteOffset: num(device, 'OFFSET'),
    fastCap: num(device, 'CFAST'),
    slowCap: num(device, 'CSLOW'),
    wholeCell: { enabled: bool(device, 'WCCOMPEN'), capacitance: num(device, 'WCCAP'), resistance: num(device, 'WCRES') },
    rsCompensation: { enabled: bool(device, 'RSCOMPEN'), correctionPercent: num(device, 'RSCOMP'), predictionPercent: num(device, 'RSPRED'), bandwidth: num(device, 'RSBW') },
    primaryGain: num(device, 'GAIN'),
    lpf: num(device, 'LPF'),
    ...(kept.label === undefined ? {} : { label: kept.label }),
  };
}
