import { type AnalogNoise, AmplifierAnalogPath, type ChannelAnalogSettings } from '../devices/amplifier/analog-path.ts';
import { AmplifierWiring } from '../devices/analog-wiring.ts';
import { type PassiveChannelConfig, PassivePreparation } from '../physics/passive-cell.ts';
import type { Preparation } from '../physics/preparation.ts';
import { Rng } from '../physics/rng.ts';
import { type SliceOptions, SlicePreparation } from '../physics/slice.ts';

/**
 * What the analog side of a simulated rig is made of, as plain data (structured-cloneable), so
 * the same preparations, noise streams and cables can be built in this thread or in a worker.
 */
export type PreparationSpec =
  | { kind: 'passive'; channels: number | PassiveChannelConfig[] }
  | { kind: 'slice'; options: SliceOptions };

export interface AnalogAmplifierSpec {
  /** Seed of the amplifier's noise (AmplifierSimOptions.seed). */
  seed: number;
  noise?: AnalogNoise;
  preparation: PreparationSpec;
}

export interface AnalogCableSpec {
  ao: number;
  /** Index into `amplifiers`. */
  amplifier: number;
  /** 0-based amplifier channel. */
  channel: number;
  ai: number;
}

export interface AnalogRigSpec {
  amplifiers: AnalogAmplifierSpec[];
  cables: AnalogCableSpec[];
}

export function buildPreparation(spec: PreparationSpec): Preparation {
  return spec.kind === 'slice' ? new SlicePreparation(spec.options) : new PassivePreparation(spec.channels);
}

/** The amplifier's noise stream, exactly as AmplifierSimulator seeds it, so a worker twin draws the same numbers. */
export function amplifierNoiseRng(seed: number): Rng {
  return new Rng(seed).fork('amplifier-noise');
}

/** A channel's saturation changed during a block: amplifier index, 0-based channel, on/off. */
export type OverloadChange = [amplifier: number, channel: number, on: boolean];

/**
 * The compute side of a rig's analog wiring, without device protocols: preparations, amplifier
 * analog paths fed with settings given per block, and the cables. A worker thread runs one; its
 * results equal the in-thread AmplifierSimulator analog paths' for the same spec and settings.
 */
export class AnalogRigEngine {
  readonly preparations: Preparation[];
  private readonly paths: AmplifierAnalogPath[];
  private readonly wiring: AmplifierWiring;
  private settings: ChannelAnalogSettings[][] = [];
  private overloads: OverloadChange[] = [];

  constructor(spec: AnalogRigSpec) {
    this.preparations = spec.amplifiers.map((a) => buildPreparation(a.preparation));
    this.paths = spec.amplifiers.map(
      (a, k) =>
        new AmplifierAnalogPath(
          this.preparations[k] as Preparation,
          (ch) => {
            const s = this.settings[k]?.[ch];
            if (!s) throw new RangeError(`no settings for amplifier ${k} channel ${ch + 1}`);
            return s;
          },
          amplifierNoiseRng(a.seed),
          a.noise,
          (ch, on) => this.overloads.push([k, ch, on]),
        ),
    );
    this.wiring = new AmplifierWiring(
      spec.cables.map((c) => {
        const amplifier = this.paths[c.amplifier];
        if (!amplifier) throw new RangeError(`cable to amplifier ${c.amplifier}: there are ${this.paths.length}`);
        return { ao: c.ao, ai: c.ai, amplifier, amplifierChannel: c.channel };
      }),
    );
  }

  /** One block: `settings[k][ch]` of every amplifier channel; returns the saturation changes. */
  run(ao: readonly Float64Array[], ai: Float64Array[], n: number, dt: number, settings: ChannelAnalogSettings[][]): OverloadChange[] {
    this.settings = settings;
    this.overloads = [];
    this.wiring.run(ao, ai, n, dt);
    return this.overloads;
  }
}
