import { AmplifierSimulator } from '../devices/amplifier/amplifier-sim.ts';
import { type AnalogWiring, AmplifierWiring, type HeadstageCable } from '../devices/analog-wiring.ts';
import { DigitizerSimulator } from '../devices/digitizer/digitizer-sim.ts';
import type { DeviceSideLink } from '../devices/link.ts';
import { SimulatedPorts } from '../devices/mock-ports.ts';
import type { SimSpeed } from '../devices/pacer.ts';
import type { Preparation } from '../physics/preparation.ts';
import { type SliceGroundTruth, SlicePreparation } from '../physics/slice.ts';
import { type AnalogRigSpec, type PreparationSpec, buildPreparation } from '../worker/analog-spec.ts';
import { WorkerWiring } from '../worker/worker-wiring.ts';

export type PreparationKind = 'slice' | 'passive';

/** The slice options a rig chooses; the seed comes from the rig's seed, the patched cells from the amplifier's channels. */
export interface SliceRigOptions {
  /** Cells in each amplifier's slice (default 8; at least the amplifier's channels). */
  cells?: number;
  /** Stochastic release at every synapse (default false: mean release). */
  stochasticRelease?: boolean;
  /** Temperature, °C (default the slice's, 36). */
  celsius?: number;
}

/** What to simulate: devices at port paths and the cables between them. */
export interface SimulatedRigSpec {
  /** `preparation`: a ready-made one (computes in this thread); absent: built from `preparation` below. */
  amplifiers: { path: string; channels: number; serial?: string; preparation?: Preparation }[];
  digitizer: { path: string; serial?: string; aoFifoScans?: number };
  /** Headstage cables: digitizer AO → amplifier (by path) channel (1-based) → digitizer AI. */
  cables: { ao: number; amplifierPath: string; channel: number; ai: number }[];
  seed?: number;
  speed?: SimSpeed;
  /** What the pipettes of an amplifier without a ready-made preparation touch (default `slice`). */
  preparation?: PreparationKind;
  slice?: SliceRigOptions;
  /**
   * Compute the preparations and analog paths in a worker thread (DESIGN §3). Default: yes for a
   * slice, no for passive cells (cheap enough for this thread). Ready-made preparations cannot move.
   */
  worker?: boolean;
}

/** Ground truth of a simulated rig: per amplifier, its slice (who connects to whom, weights, STP). */
export interface SimulationGroundTruth {
  seed: number;
  amplifiers: { path: string; preparation: PreparationKind | 'custom'; slice?: SliceGroundTruth }[];
}

export interface SimulatedRig {
  /** Pass `ports.binding` to the drivers; every device of the spec is attached at its path. */
  ports: SimulatedPorts;
  amplifiers: Map<string, AmplifierSimulator>;
  digitizer: DigitizerSimulator;
  /**
   * The preparation behind each amplifier. When the physics computes in a worker these are this
   * thread's replicas, built from the same spec (same seed, same slice): they answer the
   * amplifiers' auto functions and the ground truth, but their state does not advance.
   */
  preparations: Map<string, Preparation>;
  /** Whether the preparations and analog paths compute in a worker thread. */
  computesInWorker: boolean;
  groundTruth(): SimulationGroundTruth;
  /** The host rested `seconds` without waiting (max speed): the cells live through them before the next acquisition. */
  restPassed(seconds: number): void;
  dispose(): void;
}

/** The largest number of cells a slice patches (slice.ts), hence the channels a slice amplifier may have. */
const SLICE_MAX_PATCHED = 8;

/** The preparation an amplifier of `channels` channels gets; the slice's seed is `seed`, its first cells are patched. */
export function preparationSpec(kind: PreparationKind, channels: number, seed: number, opts: SliceRigOptions, path: string): PreparationSpec {
  if (kind === 'passive') return { kind: 'passive', channels };
  if (channels > SLICE_MAX_PATCHED) {
    throw new RangeError(`amplifier ${path} has ${channels} channels but a slice patches at most ${SLICE_MAX_PATCHED} cells: use the passive preparation`);
  }
  const cells = opts.cells ?? Math.max(8, channels);
  if (cells < channels) throw new RangeError(`simulation.cells (${cells}) must be at least the channels of amplifier ${path} (${channels})`);
  return {
    kind: 'slice',
    options: {
      seed,
      cells,
      patched: Array.from({ length: channels }, (_, k) => k),
      ...(opts.stochasticRelease !== undefined ? { stochasticRelease: opts.stochasticRelease } : {}),
      ...(opts.celsius !== undefined ? { celsius: opts.celsius } : {}),
    },
  };
}

/**
 * Builds simulated devices on in-process ports: amplifiers (each in front of a preparation — by
 * default a slice whose first cells are patched on the amplifier's channels, seeded from the rig's
 * seed), and one digitizer whose clock drives them through the cables, in a worker thread or here.
 */
export function createSimulatedRig(spec: SimulatedRigSpec): SimulatedRig {
  const ports = new SimulatedPorts();
  const seed = spec.seed ?? 1;
  const kind = spec.preparation ?? 'slice';
  const amplifiers = new Map<string, AmplifierSimulator>();
  const preparations = new Map<string, Preparation>();
  const prepSpecs = spec.amplifiers.map((a, i) => (a.preparation ? undefined : preparationSpec(kind, a.channels, seed + i, spec.slice ?? {}, a.path)));
  const custom = prepSpecs.some((p) => p === undefined);
  const worker = spec.worker ?? (kind === 'slice' && !custom);
  if (worker && custom) throw new RangeError('a ready-made preparation computes in this thread: leave `worker` off');
  spec.amplifiers.forEach((a, i) => {
    const ps = prepSpecs[i];
    const prep = a.preparation ?? buildPreparation(ps as PreparationSpec);
    if (prep.channelCount !== a.channels) throw new RangeError(`amplifier ${a.path}: ${a.channels} channels, its preparation has ${prep.channelCount}`);
    preparations.set(a.path, prep);
    const serial = a.serial ?? String(i + 1).padStart(4, '0');
    amplifiers.set(a.path, attach(ports, a.path, (link) => new AmplifierSimulator(link, { preparation: prep, seed: seed + i, serial })));
  });
  const ampIndex = (path: string) => {
    const k = spec.amplifiers.findIndex((a) => a.path === path);
    if (k < 0) throw new RangeError(`cable to ${path}: no simulated amplifier there`);
    return k;
  };
  let wiring: AnalogWiring;
  let close = () => {};
  if (worker) {
    const analog: AnalogRigSpec = {
      amplifiers: prepSpecs.map((p, i) => ({ seed: seed + i, preparation: p as PreparationSpec })),
      cables: spec.cables.map((c) => ({ ao: c.ao, ai: c.ai, amplifier: ampIndex(c.amplifierPath), channel: c.channel - 1 })),
    };
    const ww = new WorkerWiring(analog, [...amplifiers.values()].map((a) => a.analog));
    wiring = ww;
    close = () => void ww.close();
  } else {
    const cables: HeadstageCable[] = spec.cables.map((c) => {
      const amp = amplifiers.get(c.amplifierPath);
      if (!amp) throw new RangeError(`cable to ${c.amplifierPath}: no simulated amplifier there`);
      return { ao: c.ao, ai: c.ai, amplifier: amp.analog, amplifierChannel: c.channel - 1 };
    });
    wiring = new AmplifierWiring(cables);
  }
  const digitizer = attach(
    ports,
    spec.digitizer.path,
    (link) =>
      new DigitizerSimulator(link, {
        serial: spec.digitizer.serial,
        aoFifoScans: spec.digitizer.aoFifoScans,
        speed: spec.speed ?? 'max',
        wiring,
      }),
  );
  return {
    ports,
    amplifiers,
    digitizer,
    preparations,
    computesInWorker: worker,
    groundTruth: () => ({
      seed,
      amplifiers: spec.amplifiers.map((a, i) => {
        const prep = preparations.get(a.path);
        const p = prepSpecs[i];
        return prep instanceof SlicePreparation
          ? { path: a.path, preparation: p ? 'slice' : 'custom', slice: prep.groundTruth() }
          : { path: a.path, preparation: p ? p.kind : 'custom' };
      }),
    }),
    restPassed: (seconds) => digitizer.restPassed(seconds),
    dispose: () => {
      close();
      ports.dispose();
    },
  };
}

/** Attaches a device made on its link and returns it (SimulatedPorts hands the link over at once). */
function attach<T>(ports: SimulatedPorts, path: string, make: (link: DeviceSideLink) => T): T {
  let made: { device: T } | undefined;
  ports.attach(path, (link) => {
    made = { device: make(link) };
  });
  if (!made) throw new Error(`no link was handed over for ${path}`);
  return (made as { device: T }).device;
}
