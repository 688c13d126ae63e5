import { BinaryFrameDecoder, type BinaryFrame } from '../transport/binary-frame.ts';
import { LineDecoder } from '../transport/line-decoder.ts';

/**
 * Receives a patchrig port that starts in line mode and may switch to framed mode
 * (docs/protocols/patchrig-digitizer.md, "single-port framed mode"): control lines come as
 * LF-terminated text, then — from the reply that switches — inside CTRL frames, with data frames
 * beside them; the owner unpacks CTRL frames itself. `switchAfterLine` decides, line by line, whether the bytes after it are frames, so
 * a chunk holding the switching reply and the first frames is split exactly at the LF.
 */
export class DualModeReceiver {
  private framed = false;
  private readonly lines = new LineDecoder({ maxLength: 256 });
  readonly frames = new BinaryFrameDecoder();

  constructor(
    /** Plain lines, in line mode. */
    private readonly onLine: (line: string) => void,
    /** Every frame in framed mode, CTRL included (so the owner sees every `seq`). */
    private readonly onFrame: (frame: BinaryFrame) => void,
    /** Asked after each plain line: true when the device is now framed. */
    private readonly switchAfterLine: (line: string) => boolean,
  ) {}

  get isFramed(): boolean {
    return this.framed;
  }

  /** Forces a mode (e.g. after learning the device was already framed). */
  setFramed(on: boolean): void {
    this.framed = on;
    this.reset();
  }

  reset(): void {
    this.lines.reset();
    this.frames.reset();
  }

  push(chunk: Uint8Array): void {
    let rest = chunk;
    while (!this.framed && rest.length > 0) {
      const lf = rest.indexOf(0x0a);
      const part = lf < 0 ? rest : rest.subarray(0, lf + 1);
      rest = lf < 0 ? rest.subarray(rest.length) : rest.subarray(lf + 1);
      for (const line of this.lines.push(part)) {
        this.onLine(line);
        if (this.switchAfterLine(line)) {
          this.framed = true;
          this.lines.reset();
        }
      }
    }
    if (!this.framed || rest.length === 0) return;
    for (const f of this.frames.push(rest)) this.onFrame(f);
  }
}
