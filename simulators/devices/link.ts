/**
 * The device side of a port: what every simulator is written against. A simulator is "just a
 * device on a port" — the same simulator runs in-process (SimulatedPorts) or on a pty.
 */
export interface DeviceSideLink {
  readonly path: string;
  /** Bytes the host wrote, in the chunking they arrived. */
  onReceive(listener: (chunk: Uint8Array) => void): () => void;
  /** Sends bytes to the host (dropped, as on a real line, while nobody has the port open). */
  send(bytes: Uint8Array): void;
  /**
   * Resolves when the host side has consumed what was sent so far, or nearly (used by simulators
   * running faster than real time so they don't build an unbounded backlog). Await it before each
   * send of a producing loop; it waits while no host has the port open.
   */
  drained(): Promise<void>;
  /** Fires when the host closes the port (the device keeps running and can be reopened). */
  onHostClose(listener: () => void): () => void;
  onHostOpen(listener: () => void): () => void;
}
