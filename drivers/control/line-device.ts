import type { BindingInterface } from '@serialport/bindings-interface';
import { DeviceError } from '../transport/errors.ts';
import { type ByteLink, openSerialLink } from '../transport/serial-link.ts';
import type { CallOptions } from './control-client.ts';
import { ControlClient } from './control-client.ts';
import { type Command, type Result, parseProtocolVersion, protocolQuery } from './line-codec.ts';

export interface OpenDeviceOptions {
  /** Device name from the rig configuration, for errors (e.g. "amp0"). */
  name: string;
  path: string;
  baudRate?: number;
  /** Binding of the port: native serial (default), simulated ports, a recording or a replay. */
  binding?: BindingInterface;
  /** Default reply timeout, ms. */
  timeoutMs?: number;
}

/** The protocol major version these drivers speak (docs/protocols/patchrig-control-lines.md). */
export const SUPPORTED_PROTOCOL_MAJOR = 1;

/** Opens a port and checks that a patchrig protocol device of a version we speak answers on it. */
export async function openLink(opts: OpenDeviceOptions): Promise<ByteLink> {
  return openSerialLink({ device: opts.name, path: opts.path, baudRate: opts.baudRate, binding: opts.binding });
}

/**
 * What the amplifier and digitizer drivers share: a ControlClient on a port, reply parsing that
 * turns a malformed reply into a PROTOCOL error naming the command and the reply, and the
 * protocol version check made at open.
 */
export abstract class LineDevice {
  protected readonly client: ControlClient;
  private closed = false;

  protected constructor(
    readonly name: string,
    protected readonly link: ByteLink,
    sendLine: (line: string) => Promise<void>,
    resync: () => Promise<void>,
    timeoutMs: number,
  ) {
    this.client = new ControlClient({ device: name, port: link.path, sendLine, resync, defaultTimeoutMs: timeoutMs });
    link.onClose((err) => {
      const unexpected = !this.closed;
      this.closed = true;
      const cause = err ?? new Error('port closed');
      this.client.disconnect(cause);
      if (unexpected) this.onDisconnect(cause);
    });
  }

  get path(): string {
    return this.link.path;
  }

  get isOpen(): boolean {
    return !this.closed && this.link.isOpen;
  }

  protected abstract onDisconnect(err: Error): void;

  /** Sends a command and parses its reply; a reply that does not parse is a PROTOCOL error. */
  protected async ask<T>(cmd: Command, parse: (values: readonly string[]) => Result<T>, opts?: CallOptions): Promise<T> {
    const values = await this.client.call(cmd, opts);
    const r = parse(values);
    if (!r.ok) {
      throw new DeviceError(`unexpected reply "${values.join(' ')}": ${r.error}`, {
        code: 'PROTOCOL',
        device: this.name,
        port: this.link.path,
        command: [cmd.verb, ...cmd.args.map(String)].join(' '),
      });
    }
    return r.value;
  }

  /** Sends a command whose reply carries no values. */
  protected async send(cmd: Command, opts?: CallOptions): Promise<void> {
    await this.client.call(cmd, opts);
  }

  /** Checks the device speaks our protocol major version. */
  protected async checkProtocol(opts?: CallOptions): Promise<void> {
    const v = await this.ask(protocolQuery(), parseProtocolVersion, opts);
    if (v.major !== SUPPORTED_PROTOCOL_MAJOR) {
      throw new DeviceError(`speaks protocol ${v.major}.${v.minor}; this driver speaks ${SUPPORTED_PROTOCOL_MAJOR}.x`, {
        code: 'PROTOCOL',
        device: this.name,
        port: this.link.path,
        command: 'PROTO?',
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.disconnect(new Error('closed by the host'));
    if (this.link.isOpen) await this.link.close();
  }
}
