/** Stable codes of device errors (DESIGN §9): callers branch on `code`, people read `message`. */
export type DeviceErrorCode =
  | 'TIMEOUT' // no complete reply in time
  | 'DISCONNECTED' // the port closed or vanished
  | 'ABORTED' // the caller's AbortSignal fired
  | 'DEVICE' // the device answered with an error
  | 'PROTOCOL' // the device answered something we cannot understand
  | 'OPEN_FAILED' // the port could not be opened
  | 'DATA_LOST' // a gap in a data stream, an overrun or an underrun
  | 'REPLAY_MISMATCH'; // a replayed recording does not have what the driver sent

export interface DeviceErrorDetails {
  code: DeviceErrorCode;
  /** Device name from the rig configuration (e.g. "amp0"). */
  device: string;
  /** Port path (e.g. "/dev/ttyACM0", "sim:amp0"). */
  port: string;
  /** The command in flight, as text (e.g. "12 MODE 1 VC"), or what was going on. */
  command?: string;
  /** The bytes that came back (or the last of them), for the message and for debugging. */
  received?: Uint8Array;
  /** Device-specific error code (e.g. ERR 3), when the device sent one. */
  deviceCode?: number;
  cause?: unknown;
}

const SHOWN_BYTES = 48;

/** Shows bytes as hex with a printable-ASCII rendering, cut to a readable length. */
export function describeBytes(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return 'nothing';
  const shown = bytes.subarray(Math.max(0, bytes.length - SHOWN_BYTES));
  const hex = Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(shown, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const prefix = shown.length < bytes.length ? `…(${bytes.length - shown.length} earlier bytes) ` : '';
  return `${bytes.length} byte(s): ${prefix}${hex} "${text}"`;
}

export class DeviceError extends Error {
  readonly code: DeviceErrorCode;
  readonly device: string;
  readonly port: string;
  readonly command: string | undefined;
  readonly received: Uint8Array | undefined;
  readonly deviceCode: number | undefined;

  constructor(summary: string, details: DeviceErrorDetails) {
    const where = `${details.device} on ${details.port}`;
    const cmd = details.command !== undefined ? `, command "${details.command}"` : '';
    const got = details.received !== undefined ? `; received ${describeBytes(details.received)}` : '';
    super(`${where}${cmd}: ${summary}${got}`, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'DeviceError';
    this.code = details.code;
    this.device = details.device;
    this.port = details.port;
    this.command = details.command;
    this.received = details.received;
    this.deviceCode = details.deviceCode;
  }
}

export function isDeviceError(e: unknown, code?: DeviceErrorCode): e is DeviceError {
  return e instanceof DeviceError && (code === undefined || e.code === code);
}
