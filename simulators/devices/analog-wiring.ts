import type { AmplifierAnalogPath } from './amplifier/analog-path.ts';

/**
 * The cables behind a simulated digitizer: given what its analog outputs put out over a block of
 * scans, what its analog inputs see. Time advances only through `run`, so the digitizer's sample
 * clock is the one clock of a simulated rig (between acquisitions it runs the wiring for the idle
 * time too: decision 0010).
 */
export interface AnalogWiring {
  /**
   * `ao[k]` holds AO k's volts for `n` scans of `dt` seconds (every AO channel, enabled or at its
   * idle level); fill `ai[k]` for every AI channel. A wiring that computes elsewhere (a worker
   * thread) returns a promise and fills `ai` before it resolves; the caller must not touch `ao` or
   * `ai` meanwhile.
   */
  run(ao: readonly Float64Array[], ai: Float64Array[], n: number, dt: number): void | Promise<void>;
}

/** AO k cabled straight to AI k — a digitizer's self-test; other inputs read 0 V. */
export class LoopbackWiring implements AnalogWiring {
  run(ao: readonly Float64Array[], ai: Float64Array[], n: number): void {
    ai.forEach((dst, k) => {
      const src = ao[k];
      if (src) dst.set(src.subarray(0, n));
      else dst.fill(0, 0, n);
    });
  }
}

/** One headstage's cables: AO → amplifier command input, amplifier primary output → AI (0-based channels). */
export interface HeadstageCable {
  ao: number;
  amplifier: AmplifierAnalogPath;
  /** 0-based amplifier channel. */
  amplifierChannel: number;
  ai: number;
}

/**
 * A digitizer cabled to one or more amplifiers, headstage by headstage; each amplifier advances
 * once per block with all its channels (coupled cells move together); unconnected inputs read 0 V.
 */
export class AmplifierWiring implements AnalogWiring {
  private readonly groups: { amplifier: AmplifierAnalogPath; cables: HeadstageCable[]; cmdIn: (Float64Array | undefined)[]; out: Float64Array[] }[] = [];
  private capacity = 0;

  constructor(cables: readonly HeadstageCable[]) {
    for (const c of cables) {
      if (c.amplifierChannel < 0 || c.amplifierChannel >= c.amplifier.channelCount) {
        throw new RangeError(`cable to amplifier channel ${c.amplifierChannel + 1}: the amplifier has ${c.amplifier.channelCount}`);
      }
      let g = this.groups.find((x) => x.amplifier === c.amplifier);
      if (!g) {
        g = { amplifier: c.amplifier, cables: [], cmdIn: new Array<Float64Array | undefined>(c.amplifier.channelCount).fill(undefined), out: [] };
        this.groups.push(g);
      }
      g.cables.push(c);
    }
  }

  run(ao: readonly Float64Array[], ai: Float64Array[], n: number, dt: number): void {
    if (n > this.capacity) {
      this.capacity = n;
      for (const g of this.groups) g.out = Array.from({ length: g.amplifier.channelCount }, () => new Float64Array(n));
    }
    for (const dst of ai) dst.fill(0, 0, n);
    for (const g of this.groups) {
      g.cmdIn.fill(undefined);
      for (const c of g.cables) g.cmdIn[c.amplifierChannel] = ao[c.ao];
      g.amplifier.run(g.cmdIn, g.out, n, dt);
      for (const c of g.cables) {
        const dst = ai[c.ai];
        if (dst) dst.set((g.out[c.amplifierChannel] as Float64Array).subarray(0, n));
      }
    }
  }
}
