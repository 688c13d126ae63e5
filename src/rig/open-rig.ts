import type { BindingInterface } from '@serialport/bindings-interface';
import type { Amplifier } from '../../drivers/amplifier/amplifier.ts';
import { PatchrigAmplifier } from '../../drivers/amplifier/patchrig/driver.ts';
import type { Digitizer } from '../../drivers/digitizer/digitizer.ts';
import { PatchrigDigitizer } from '../../drivers/digitizer/patchrig/driver.ts';
import { type SimulatedRig, createSimulatedRig } from '../../simulators/rigs/simulated-rig.ts';
import { withSafetyLimits } from './safe-amplifier.ts';
import { DEFAULT_SAFETY, type DeviceConfig, type HeadstageConfig, type RigConfig, type SafetyLimits } from './schema.ts';

/** `port: sim` devices live at these paths on the rig's in-process simulated ports. */
export function simulatedPath(deviceName: string): string {
  return `sim:${deviceName}`;
}

export interface OpenRigOptions {
  /**
   * Wraps the binding of a device's port (e.g. to record its traffic); gets the device name and
   * the binding it would use.
   */
  wrapBinding?: (device: string, binding: BindingInterface | undefined) => BindingInterface | undefined;
  /** Replaces the simulated devices' speed from the rig file. */
  speed?: 'max' | 'realtime';
}

export interface OpenedDevice {
  name: string;
  config: DeviceConfig;
  /** The port path actually opened. */
  path: string;
}

/** A rig with every device open: amplifiers behind the rig's safety limits, one digitizer. */
export interface Rig {
  config: RigConfig;
  safety: SafetyLimits;
  amplifiers: Map<string, Amplifier>;
  digitizers: Map<string, Digitizer>;
  devices: OpenedDevice[];
  headstages: readonly HeadstageConfig[];
  /** Present when some devices are simulated in this process. */
  simulation: SimulatedRig | undefined;
  /**
   * The host rested `seconds` without waiting them out (max speed, which only simulated devices
   * allow): devices on simulated time let the rest pass for the cells. Real time passes by itself.
   */
  restPassed(seconds: number): void;
  close(): Promise<void>;
}

function simulatedDevices(config: RigConfig, speed: 'max' | 'realtime' | undefined): SimulatedRig | undefined {
  const sims = Object.entries(config.devices).filter(([, d]) => d.port === 'sim');
  if (sims.length === 0) return undefined;
  const amps = sims.filter(([, d]) => d.kind === 'amplifier').map(([n]) => n);
  const daqs = sims.filter(([, d]) => d.kind === 'digitizer').map(([n]) => n);
  // A simulated digitizer needs its amplifiers in the same process to drive the cells, and vice versa.
  const hsSim = config.headstages.filter((h) => amps.includes(h.amplifier) !== daqs.includes(h.digitizer));
  if (hsSim.length > 0) {
    throw new Error(`a headstage joins a simulated and a real device (${hsSim[0]?.amplifier} / ${hsSim[0]?.digitizer}): simulate both or neither`);
  }
  const sim = config.simulation;
  const channelsOf = (amp: string) => Math.max(8, ...config.headstages.filter((h) => h.amplifier === amp).map((h) => h.channel));
  return createSimulatedRig({
    amplifiers: amps.map((n) => ({ path: simulatedPath(n), channels: channelsOf(n) })),
    digitizer: { path: simulatedPath(daqs[0] ?? 'daq') },
    cables: config.headstages
      .filter((h) => amps.includes(h.amplifier))
      .map((h) => ({ ao: h.ao, ai: h.ai, amplifierPath: simulatedPath(h.amplifier), channel: h.channel })),
    seed: sim?.seed,
    speed: speed ?? sim?.speed,
    preparation: sim?.preparation ?? 'slice',
    slice: { cells: sim?.cells, stochasticRelease: sim?.stochasticRelease, celsius: sim?.celsius },
    worker: sim?.worker,
  });
}

/** Opens every device of a rig; on any failure closes what was opened and rethrows. */
export async function openRig(config: RigConfig, opts: OpenRigOptions = {}): Promise<Rig> {
  const simulation = simulatedDevices(config, opts.speed);
  const amplifiers = new Map<string, Amplifier>();
  const digitizers = new Map<string, Digitizer>();
  const devices: OpenedDevice[] = [];
  const safety = config.safety ?? DEFAULT_SAFETY;
  const closeAll = async () => {
    await Promise.allSettled([...amplifiers.values(), ...digitizers.values()].map((d) => d.close()));
    simulation?.dispose();
  };
  try {
    for (const [name, dev] of Object.entries(config.devices)) {
      const simulated = dev.port === 'sim';
      const path = simulated ? simulatedPath(name) : dev.port;
      const base = simulated ? simulation?.ports.binding : undefined;
      const binding = opts.wrapBinding ? opts.wrapBinding(name, base) : base;
      const common = { name, path, binding, baudRate: dev.baudRate, timeoutMs: dev.timeoutMs };
      if (dev.kind === 'amplifier') amplifiers.set(name, withSafetyLimits(await PatchrigAmplifier.open(common), safety));
      else digitizers.set(name, await PatchrigDigitizer.open({ ...common, stallTimeoutMs: dev.stallTimeoutMs }));
      devices.push({ name, config: dev, path });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { config, safety, amplifiers, digitizers, devices, headstages: config.headstages, simulation, restPassed: (s) => simulation?.restPassed(s), close: closeAll };
}
