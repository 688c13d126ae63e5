import { AmplifierSimulator } from '../../simulators/devices/amplifier/amplifier-sim.ts';
import { type AnalogWiring, AmplifierWiring, LoopbackWiring } from '../../simulators/devices/analog-wiring.ts';
import { DigitizerSimulator } from '../../simulators/devices/digitizer/digitizer-sim.ts';
import type { SimSpeed } from '../../simulators/devices/pacer.ts';
import { type PtyPair, createPtyPair } from '../../simulators/devices/pty-pair.ts';
import { type SerialDeviceSideLink, openDeviceSideSerial } from '../../simulators/devices/serial-device-link.ts';
import { type PreparationKind, preparationSpec } from '../../simulators/rigs/simulated-rig.ts';
import { buildPreparation } from '../../simulators/worker/analog-spec.ts';
import { WorkerWiring } from '../../simulators/worker/worker-wiring.ts';

export type SimulatedKind = 'amplifier' | 'digitizer' | 'rig';

/** A slice patches at most this many cells; more channels get passive cells. */
const SLICE_MAX_CHANNELS = 8;

export interface SimulateDeviceOptions {
  kind: SimulatedKind;
  channels: number;
  seed: number;
  speed: SimSpeed;
  /** What the amplifier's pipettes touch: default a slice (seeded by `seed`) up to 8 channels, passive cells beyond. */
  preparation?: PreparationKind;
  /** `rig`: compute the slice in a worker thread (default: yes for a slice). */
  worker?: boolean;
}

export interface RunningSimulation {
  /** Host-side pty paths by device kind: what a rig file's `port` names. */
  paths: { amplifier?: string; digitizer?: string };
  close(): Promise<void>;
}

/**
 * Runs simulated devices on pseudo-terminals, so a driver reaches them through the real serial
 * binding from another process. `amplifier` alone has its preparation and nothing driving its
 * command inputs; `digitizer` alone has AO k looped back to AI k; `rig` is both, cabled
 * headstage k ↔ AO k / AI k, in one process so the digitizer's clock drives the cells — computed
 * in a worker thread for a slice, the same samples as `createSimulatedRig` gives for the seed.
 */
export async function startSimulatedDevices(opts: SimulateDeviceOptions): Promise<RunningSimulation> {
  const pairs: PtyPair[] = [];
  const links: SerialDeviceSideLink[] = [];
  const paths: RunningSimulation['paths'] = {};
  let worker: WorkerWiring | undefined;
  const close = async () => {
    await worker?.close();
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
  const kind = opts.preparation ?? (opts.channels <= SLICE_MAX_CHANNELS ? 'slice' : 'passive');
  const prepSpec = preparationSpec(kind, opts.channels, opts.seed, {}, 'amplifier');
  try {
    let amp: AmplifierSimulator | undefined;
    if (opts.kind !== 'digitizer') {
      const { link, hostPath } = await open();
      amp = new AmplifierSimulator(link, { preparation: buildPreparation(prepSpec), seed: opts.seed });
      paths.amplifier = hostPath;
    }
    if (opts.kind !== 'amplifier') {
      const { link, hostPath } = await open();
      const cabled = amp;
      let wiring: AnalogWiring = new LoopbackWiring();
      if (cabled && (opts.worker ?? kind === 'slice')) {
        const cables = Array.from({ length: opts.channels }, (_, k) => ({ ao: k, ai: k, amplifier: 0, channel: k }));
        worker = new WorkerWiring({ amplifiers: [{ seed: opts.seed, preparation: prepSpec }], cables }, [cabled.analog]);
        wiring = worker;
      } else if (cabled) {
        wiring = new AmplifierWiring(Array.from({ length: opts.channels }, (_, k) => ({ ao: k, ai: k, amplifier: cabled.analog, amplifierChannel: k })));
      }
      new DigitizerSimulator(link, { speed: opts.speed, wiring, aiChannels: Math.max(8, opts.channels), aoChannels: Math.max(8, opts.channels) });
      paths.digitizer = hostPath;
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { paths, close };
}
