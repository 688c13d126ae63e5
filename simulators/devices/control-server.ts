import { MAX_ID, encodeErr, encodeEvent, encodeOk, parseDeviceLine } from '../../drivers/control/line-codec.ts';

/**
 * What a verb handler answers: values for `<id> OK ...` (and, optionally, what to do right after
 * the reply has gone out, such as switching the link's framing), or an error for
 * `<id> ERR <code> <message>`.
 */
export type Reply = { ok: readonly (string | number)[]; after?: () => void } | { err: number; message: string };

/** A long-running request (the amplifier's `AUTO`): the device is busy until `result` settles. */
export interface Running {
  /** What runs, for the `ERR 5` message: `busy: <running> running`. */
  running: string;
  result: Promise<Reply>;
}

export type VerbHandler = (args: readonly string[]) => Reply | Running;

export const ok = (...values: (string | number)[]): Reply => ({ ok: values });
export const err = (code: number, message: string): Reply => ({ err: code, message });

/** Error codes of the control-line protocol (docs/protocols/patchrig-control-lines.md §5.1). */
export const ERR = { MALFORMED: 1, BAD_ARG: 2, RANGE: 3, STATE: 4, BUSY: 5, FAULT: 6, BUFFER: 7 } as const;

/** The one verb a busy device still answers (Part 1 §5.1, Part 2 §3.3). */
const ANSWERED_WHILE_BUSY = 'PING';

function isRunning(r: Reply | Running): r is Running {
  return 'running' in r;
}

/** The id of a line whose start is `head`, as Part 1 §3 reads it; 0 when it cannot be read. */
export function readableId(head: string): number {
  const m = /^([1-9][0-9]{0,4})(?: |$)/.exec(head);
  const id = m ? Number(m[1]) : 0;
  return id <= MAX_ID ? id : 0;
}

/**
 * The device side of the control-line protocol, shared by the simulated amplifier and digitizer:
 * parses request lines, checks them in the order of Part 1 §5.1 as far as it can without knowing
 * the verb (syntax and id, then busy, then whether the verb exists; each handler goes on with
 * arguments, channels, state and ranges), dispatches them, and sends replies and events through
 * `send` (which adds framing: a plain LF line, or a CTRL frame in framed mode).
 *
 * Handlers run synchronously, so every event a handler sends goes out before its reply, as Part 1
 * §6 requires. A handler that returns `Running` makes the device busy: other requests but `PING`
 * are answered `ERR 5` at once, before the long request's reply.
 */
export class ControlServer {
  private running: string | undefined;

  constructor(
    private readonly send: (line: string) => void,
    private readonly handlers: Readonly<Record<string, VerbHandler>>,
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Handles one received line (without its LF; a CR before it is allowed). */
  handleLine(line: string): void {
    const req = parseDeviceLine(line);
    if (req.kind === 'empty') return; // hosts send a blank line to flush a partial one
    let verb: string;
    let args: readonly string[];
    if (req.kind === 'invalid') {
      // A lower-case or otherwise misspelt verb is an unknown verb, which is checked after busy.
      if (req.id === 0 || !req.reason.startsWith('bad verb')) {
        this.reply(req.id, err(ERR.MALFORMED, req.id === 0 && req.reason.startsWith('bad id') ? 'bad id' : req.reason));
        return;
      }
      verb = line.replace(/\r$/, '').split(' ')[1] ?? '';
      args = [];
    } else {
      verb = req.verb;
      args = req.args;
    }
    if (this.running !== undefined && verb !== ANSWERED_WHILE_BUSY) {
      this.reply(req.id, err(ERR.BUSY, `busy: ${this.running} running`));
      return;
    }
    const handler = req.kind === 'request' ? this.handlers[verb] : undefined;
    if (!handler) {
      this.reply(req.id, err(ERR.MALFORMED, `unknown verb ${verb}`));
      return;
    }
    let result: Reply | Running;
    try {
      result = handler(args);
    } catch (e) {
      this.reply(req.id, err(ERR.FAULT, `internal fault: ${(e as Error).message}`));
      return;
    }
    if (!isRunning(result)) {
      this.reply(req.id, result);
      return;
    }
    this.running = result.running;
    result.result
      .catch((e: unknown) => err(ERR.FAULT, `internal fault: ${(e as Error).message}`))
      .then((r) => {
        this.running = undefined;
        this.reply(req.id, r);
      });
  }

  /**
   * A CTRL frame's payload: a line without LF and without CR (Part 3 §3.2), so a CR or LF in it
   * is a malformed line rather than a terminator.
   */
  handleCtrlPayload(text: string): void {
    const bad = text.search(/[\r\n]/);
    if (bad < 0) {
      this.handleLine(text);
      return;
    }
    const byte = text.charCodeAt(bad).toString(16).padStart(2, '0');
    this.reply(readableId(text), err(ERR.MALFORMED, `byte 0x${byte} at column ${bad + 1} is not printable 7-bit ASCII`));
  }

  /** Answers a line that was too long to store, at its LF (Part 1 §2); `id` as far as it could be read. */
  lineTooLong(id: number, bytes: number): void {
    this.reply(id, err(ERR.MALFORMED, `line too long (${bytes} bytes, max 256)`));
  }

  event(name: string, args: readonly (string | number)[] = []): void {
    this.send(encodeEvent(name, args));
  }

  private reply(id: number, r: Reply): void {
    let line: string;
    try {
      line = 'ok' in r ? encodeOk(id, r.ok) : encodeErr(id, r.err, r.message);
    } catch (e) {
      // A reply the codec refuses (over 256 bytes, non-ASCII text) is a bug of the device, not the host's.
      line = encodeErr(id, ERR.FAULT, `internal fault: ${(e as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}`);
    }
    this.send(line);
    if ('ok' in r) r.after?.();
  }
}
