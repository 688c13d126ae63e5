import { maxScansPerPayload } from '../../../drivers/digitizer/patchrig/codec.ts';
import { FRAME_OVERHEAD } from '../../../drivers/transport/binary-frame.ts';

/** The device's transmit buffer holds this much data before AI blocks are dropped (§5.3: 1 s). */
const TRANSMIT_BUFFER_SECONDS = 1;

/**
 * SIMDAQ8's AI block size, scans: `wanted` (default about 10 ms, ⌈rate / 100⌉), within one payload
 * (§5.3) and well inside the AO buffer.
 */
export function aiBlockScans(rate: number, nAi: number, aoFifoScans: number, wanted = Math.ceil(rate / 100)): number {
  // The AO-buffer cap only matters for buffers far smaller than SIMDAQ8's: the host refills as AI arrives.
  return Math.max(1, Math.min(wanted, maxScansPerPayload(nAi), Math.floor(aoFifoScans / 4)));
}

/** Bytes of the transmit buffer: one second of AI data, headers included (§5.3). */
export function transmitCapacity(rate: number, nAi: number, blockScans: number): number {
  return TRANSMIT_BUFFER_SECONDS * (rate * 2 * nAi + Math.ceil(rate / blockScans) * (FRAME_OVERHEAD + 11));
}
