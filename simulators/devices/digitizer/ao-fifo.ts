/** Why the AO buffer refused a chunk, with the error code of the `! ERROR` event it causes. */
export interface AoChunkProblem {
  /** 2 wrong channel count, 3 beyond `nscans`, 7 out of sequence or overflow (patchrig-digitizer.md §5.2). */
  code: 2 | 3 | 7;
  message: string;
}

export interface AoChunk {
  firstScan: number;
  nChannels: number;
  nScans: number;
  /** Scan-major counts: scan 0 ch 0, scan 0 ch 1, … */
  samples: Int16Array;
}

/**
 * The simulated digitizer's output buffer (patchrig-digitizer.md §5.2): AO_CHUNK frames go in,
 * the sample clock takes scans out. It holds up to `capacityScans` scans not yet played and the
 * number E of the next scan it expects; chunks must continue exactly at E.
 */
export class AoFifo {
  private chunks: { first: number; scans: number; samples: Int16Array }[] = [];
  /** E: the next scan the host must send. */
  private nextWrite = 0;
  /** Next scan the clock will output. */
  private nextRead = 0;

  constructor(
    readonly channels: number,
    readonly capacityScans: number,
  ) {}

  /** Scans received and not played yet. */
  get bufferedScans(): number {
    return this.nextWrite - this.nextRead;
  }

  /** E: scans received since the buffer was last emptied (the host's write position). */
  get written(): number {
    return this.nextWrite;
  }

  /** Empties the buffer and sets E to 0. */
  clear(): void {
    this.chunks = [];
    this.nextWrite = 0;
    this.nextRead = 0;
  }

  /**
   * Appends a chunk after the checks of §5.2, in their order: channel count (2), sequence (7),
   * end within `endScan` when one is given — the armed `nscans` (3), room (7). A refused chunk
   * changes nothing.
   */
  push(chunk: AoChunk, endScan?: number): AoChunkProblem | undefined {
    const { firstScan, nChannels, nScans, samples } = chunk;
    if (nChannels !== this.channels) {
      return { code: 2, message: `AO chunk has ${nChannels} channels, ${this.channels} enabled` };
    }
    if (firstScan !== this.nextWrite) {
      return { code: 7, message: `AO chunk out of sequence: first_scan ${firstScan}, expected ${this.nextWrite}` };
    }
    if (endScan !== undefined && firstScan + nScans > endScan) {
      return { code: 3, message: `AO chunk ends at scan ${firstScan + nScans}, beyond nscans ${endScan}` };
    }
    if (this.bufferedScans + nScans > this.capacityScans) {
      return { code: 7, message: `AO buffer overflow: ${this.bufferedScans + nScans} scans, it holds ${this.capacityScans}` };
    }
    this.chunks.push({ first: firstScan, scans: nScans, samples });
    this.nextWrite += nScans;
    return undefined;
  }

  /**
   * Takes `n` scans into `out[ch]` from index `at` (counts → volts with `voltsPerCount`); returns
   * the number of scans taken, less than `n` on underrun.
   */
  take(n: number, out: Float64Array[], voltsPerCount: number, at = 0): number {
    let done = 0;
    while (done < n && this.chunks.length > 0) {
      const c = this.chunks[0] as { first: number; scans: number; samples: Int16Array };
      const offset = this.nextRead - c.first;
      const k = Math.min(n - done, c.scans - offset);
      const nc = this.channels;
      for (let ch = 0; ch < nc; ch++) {
        const dst = out[ch] as Float64Array;
        for (let i = 0; i < k; i++) dst[at + done + i] = (c.samples[(offset + i) * nc + ch] as number) * voltsPerCount;
      }
      done += k;
      this.nextRead += k;
      if (this.nextRead >= c.first + c.scans) this.chunks.shift();
    }
    return done;
  }
}
