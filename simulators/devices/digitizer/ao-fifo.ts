/**
 * The simulated digitizer's output buffer: AO_CHUNK frames go in, the sample clock takes scans
 * out. Chunks must arrive in scan order and may not run further ahead of the output than the
 * buffer holds — the same discipline a real device's FIFO imposes.
 */
export class AoFifo {
  private chunks: { first: number; scans: number; samples: Int16Array }[] = [];
  /** Next scan the host must send. */
  private nextWrite = 0;
  /** Next scan the clock will output. */
  private nextRead = 0;

  constructor(
    readonly channels: number,
    readonly capacityScans: number,
  ) {}

  get bufferedScans(): number {
    return this.nextWrite - this.nextRead;
  }

  /** Scans received so far (the host's write position). */
  get written(): number {
    return this.nextWrite;
  }

  clear(): void {
    this.chunks = [];
    this.nextWrite = 0;
    this.nextRead = 0;
  }

  /** Adds a chunk; returns an error sentence instead of throwing, for the device to report. */
  push(firstScan: number, nChannels: number, nScans: number, samples: Int16Array): string | undefined {
    if (nChannels !== this.channels) return `AO chunk has ${nChannels} channel(s), ${this.channels} are enabled`;
    if (firstScan !== this.nextWrite) return `AO chunk starts at scan ${firstScan}, expected ${this.nextWrite}`;
    if (this.bufferedScans + nScans > this.capacityScans) {
      return `AO buffer overflow: ${this.bufferedScans + nScans} scans would be buffered, it holds ${this.capacityScans}`;
    }
    if (nScans > 0) this.chunks.push({ first: firstScan, scans: nScans, samples });
    this.nextWrite += nScans;
    return undefined;
  }

  /**
   * Takes `n` scans into `out[ch]` (counts → volts with `voltsPerCount`); returns the number of
   * scans available, less than `n` on underrun.
   */
  take(n: number, out: Float64Array[], voltsPerCount: number): number {
    let done = 0;
    while (done < n && this.chunks.length > 0) {
      const c = this.chunks[0] as { first: number; scans: number; samples: Int16Array };
      const offset = this.nextRead - c.first;
      const k = Math.min(n - done, c.scans - offset);
      const nc = this.channels;
      for (let ch = 0; ch < nc; ch++) {
        const dst = out[ch] as Float64Array;
        for (let i = 0; i < k; i++) dst[done + i] = (c.samples[(offset + i) * nc + ch] as number) * voltsPerCount;
      }
      done += k;
      this.nextRead += k;
      if (this.nextRead >= c.first + c.scans) this.chunks.shift();
    }
    return done;
  }
}
