import { AmplifierSimulator } from '../devices/amplifier/amplifier-sim.ts';
import { AmplifierWiring, type HeadstageCable } from '../devices/analog-wiring.ts';
import { DigitizerSimulator } from '../devices/digitizer/digitizer-sim.ts';
import type { DeviceSideLink } from '../devices/link.ts';
import { SimulatedPorts } from '../devices/mock-ports.ts';
import type { SimSpeed } from '../devices/pacer.ts';
import { PassivePreparation } from '../physics/passive-cell.ts';
import type { Preparation } from '../physics/preparation.ts';

/** What to simulate: devices at port paths and the cables between them. */
export interface SimulatedRigSpec {
  amplifiers: { path: string; channels: number; serial?: string; preparation?: Preparation }[];
  digitizer: { path: string; serial?: string; aoFifoScans?: number };
  /** Headstage cables: digitizer AO → amplifier (by path) channel (1-based) → digitizer AI. */
  cables: { ao: number; amplifierPath: string; channel: number; ai: number }[];
  seed?: number;
  speed?: SimSpeed;
}

export interface SimulatedRig {
  /** Pass `ports.binding` to the drivers; every device of the spec is attached at its path. */
  ports: SimulatedPorts;
  amplifiers: Map<string, AmplifierSimulator>;
  digitizer: DigitizerSimulator;
  preparations: Map<string, Preparation>;
  dispose(): void;
}

/**
 * Builds simulated devices on in-process ports: amplifiers (each in front of a preparation —
 * passive cells unless given), and one digitizer whose clock drives them through the cables.
 */
export function createSimulatedRig(spec: SimulatedRigSpec): SimulatedRig {
  const ports = new SimulatedPorts();
  const seed = spec.seed ?? 1;
  const amplifiers = new Map<string, AmplifierSimulator>();
  const preparations = new Map<string, Preparation>();
  spec.amplifiers.forEach((a, i) => {
    const prep = a.preparation ?? new PassivePreparation(a.channels);
    preparations.set(a.path, prep);
    const serial = a.serial ?? String(i + 1).padStart(4, '0');
    amplifiers.set(a.path, attach(ports, a.path, (link) => new AmplifierSimulator(link, { preparation: prep, seed: seed + i, serial })));
  });
  const cables: HeadstageCable[] = spec.cables.map((c) => {
    const amp = amplifiers.get(c.amplifierPath);
    if (!amp) throw new RangeError(`cable to ${c.amplifierPath}: no simulated amplifier there`);
    return { ao: c.ao, ai: c.ai, amplifier: amp.analog, amplifierChannel: c.channel - 1 };
  });
  const digitizer = attach(
    ports,
    spec.digitizer.path,
    (link) =>
      new DigitizerSimulator(link, {
        serial: spec.digitizer.serial,
        aoFifoScans: spec.digitizer.aoFifoScans,
        speed: spec.speed ?? 'max',
        wiring: new AmplifierWiring(cables),
      }),
  );
  return {
    ports,
    amplifiers,
    digitizer,
    preparations,
    dispose: () => ports.dispose(),
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
