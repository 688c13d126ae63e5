import { AmplifierSimulator } from '../../simulators/devices/amplifier/amplifier-sim.ts';
import { AmplifierWiring, LoopbackWiring } from '../../simulators/devices/analog-wiring.ts';
import { DigitizerSimulator } from '../../simulators/devices/digitizer/digitizer-sim.ts';
import type { SimSpeed } from '../../simulators/devices/pacer.ts';
import { type PtyPair, createPtyPair } from '../../simulators/devices/pty-pair.ts';
import { type SerialDeviceSideLink, openDeviceSideSerial } from '../../simulators/devices/serial-device-link.ts';
import { PassivePreparation } from '../../simulators/physics/passive-cell.ts';

export type SimulatedKind = 'amplifier' | 'digitizer' | 'rig';

export interface SimulateDeviceOptions {
  kind: SimulatedKind;
  channels: number;
  seed: number;
  speed: SimSpeed;
}

export interface RunningSimulation {
  /** Host-side pty paths by device kind: what a rig file's `port` names. */
  paths: { amplifier?: string; digitizer?: string };
  close(): Promise<void>;
}

/**
 * Runs simulated devices on pseudo-terminals, so a driver reaches them through the real serial
 * binding from another process. `amplifier` alone has passive cells and nothing driving its
 * command inputs; `digitizer` alone has AO k looped back to AI k; `rig` is both, cabled
 * headstage k ↔ AO k / AI k, in one process so the digitizer's clock drives the cells.
 */
export async function startSimulatedDevices(opts: SimulateDeviceOptions): Promise<RunningSimulation> {
  const pairs: PtyPair[] = [];
  const links: SerialDeviceSideLink[] = [];
  const paths: RunningSimulation['paths'] = {};
  const close = async () => {
    await Promise.allSettled(links.map((l) => l.close()));
    await Promise.allSettled(pairs.map((p) => p.close()));
  };
  const open = async () => {
    const pair = await createPtyPair();
    pairs.push(pair);
    const link = await openDeviceSideSerial(pair.devicePath);
    links.push(link);
    return { link, hostPath: pair.hostPath };
  };
  try {
    let amp: AmplifierSimulator | undefined;
    if (opts.kind !== 'digitizer') {
      const { link, hostPath } = await open();
      amp = new AmplifierSimulator(link, { preparation: new PassivePreparation(opts.channels), seed: opts.seed });
      paths.amplifier = hostPath;
    }
    if (opts.kind !== 'amplifier') {
      const { link, hostPath } = await open();
      const cabled = amp;
      const wiring = cabled
        ? new AmplifierWiring(Array.from({ length: opts.channels }, (_, k) => ({ ao: k, ai: k, amplifier: cabled.analog, amplifierChannel: k })))
        : new LoopbackWiring();
      new DigitizerSimulator(link, { speed: opts.speed, wiring, aiChannels: Math.max(8, opts.channels), aoChannels: Math.max(8, opts.channels) });
      paths.digitizer = hostPath;
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { paths, close };
}
