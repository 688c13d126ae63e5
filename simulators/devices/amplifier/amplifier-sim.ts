import type { ClampMode } from '../../../src/core/clamp.ts';
import {
  ALLOWED_GAINS,
  ALLOWED_LPF_HZ,
  AMP_DEFAULTS,
  AUTO_FUNCTIONS,
  DEFAULT_CMDSENS,
  DEFAULT_HOLD,
  SETTING_LIMITS,
  type ChannelState,
  type SettingLimit,
  formatState,
  formatTelegraphEventArgs,
  formatTelegraphValues,
  modeToken,
  parseModeToken,
  quantize,
  telegraphScale,
} from '../../../drivers/amplifier/patchrig/codec.ts';
import type { AutoFunction, Telegraph } from '../../../drivers/amplifier/amplifier.ts';
import { formatInteger, formatNumber, parseBoolean, parseCount, parseNumber } from '../../../drivers/control/line-codec.ts';
import type { Preparation, PreparationProbe } from '../../physics/preparation.ts';
import { Rng } from '../../physics/rng.ts';
import { ControlServer, ERR, err, ok, type Reply, type Running, type VerbHandler } from '../control-server.ts';
import { DevicePort } from '../device-port.ts';
import type { DeviceSideLink } from '../link.ts';
import { AmplifierAnalogPath, type AnalogNoise, type ChannelAnalogSettings } from './analog-path.ts';

/** One channel's settings as the device keeps them: holding and command sensitivity per mode, like MCC. */
interface ChannelSettings extends Omit<ChannelState, 'HOLD' | 'CMDSENS'> {
  holdVC: number;
  holdIC: number;
  cmdsensVC: number;
  cmdsensIC: number;
}

export interface AmplifierSimOptions {
  serial?: string;
  /** What the pipettes touch; its channel count is the amplifier's. */
  preparation: Preparation;
  seed?: number;
  noise?: AnalogNoise;
  /** Wall-clock seconds an AUTO function takes (the device is busy meanwhile); at most 5 (Part 2 §3.3). */
  autoSeconds?: number;
}

type ErrReply = { err: number; message: string };
type NumericKey = 'BRIDGE' | 'NEUT' | 'CFAST' | 'CSLOW' | 'RSCOMP' | 'RSBW' | 'RSPRED' | 'OFFSET';
type BooleanKey = 'HOLDEN' | 'BRIDGEEN' | 'RSCOMPEN' | 'WCCOMPEN';

/**
 * The slow part of a pipette's capacitance, as a fraction of what CFAST compensates (GUESS: on
 * a MultiClamp, Cp slow is typically a picofarad beside 4–5 pF of Cp fast). The preparation only
 * reports one pipette capacitance, so AUTO CSLOW derives its value from it.
 */
const SLOW_PIPETTE_CAPACITANCE_FRACTION = 0.25;
/** Longest an AUTO function may take (Part 2 §3.3). */
const AUTO_MAX_SECONDS = 5;

const isErr = (x: unknown): x is ErrReply => typeof x === 'object' && x !== null && 'err' in x;

/** Error messages are printable ASCII (Part 1 §5). */
const asciiUnit = (unit: string): string => (unit === 'Ω' ? 'ohm' : unit);

function outside(what: string, x: number, lim: SettingLimit): ErrReply | undefined {
  if (x >= lim.min && x <= lim.max) return undefined;
  return { err: ERR.RANGE, message: `${what} ${formatNumber(x)} ${asciiUnit(lim.unit)} is outside ${formatNumber(lim.min)}..${formatNumber(lim.max)}` };
}

function number(token: string): number | ErrReply {
  return parseNumber(token) ?? { err: ERR.BAD_ARG, message: `${token} is not a number` };
}

function freshChannel(): ChannelSettings {
  const { HOLD: _h, CMDSENS: _c, ...rest } = AMP_DEFAULTS;
  return { ...rest, holdVC: DEFAULT_HOLD.VC, holdIC: DEFAULT_HOLD.IC, cmdsensVC: DEFAULT_CMDSENS.VC, cmdsensIC: DEFAULT_CMDSENS.IC };
}

/**
 * The patchrig simulated 8-channel amplifier SIMAMP8 (docs/protocols/patchrig-amplifier.md): a
 * MultiClamp-like settings model behind the control-line protocol, `! TEL` before the reply of
 * every request that changes a telegraphed value (and for front-panel changes), auto functions
 * that measure the preparation, and the analog path the simulated digitizer drives.
 *
 * Every per-channel verb checks in the order of Part 1 §5.1: argument count and syntax (2), the
 * channel (3), the state (4), then value ranges (3).
 */
export class AmplifierSimulator {
  readonly channels: number;
  readonly serial: string;
  readonly analog: AmplifierAnalogPath;
  private readonly settings: ChannelSettings[];
  private readonly port: DevicePort;
  private readonly server: ControlServer;
  private readonly autoSeconds: number;
  private readonly preparation: Preparation;

  constructor(link: DeviceSideLink, opts: AmplifierSimOptions) {
    this.preparation = opts.preparation;
    this.channels = opts.preparation.channelCount;
    this.serial = opts.serial ?? '0001';
    this.autoSeconds = Math.min(opts.autoSeconds ?? 0.05, AUTO_MAX_SECONDS);
    this.settings = Array.from({ length: this.channels }, freshChannel);
    this.port = new DevicePort(link, {
      line: (l) => this.server.handleLine(l),
      ctrl: (l) => this.server.handleCtrlPayload(l),
      overlong: (id, bytes) => this.server.lineTooLong(id, bytes),
    });
    this.server = new ControlServer((l) => this.port.sendLine(l), this.verbs());
    this.analog = new AmplifierAnalogPath(
      opts.preparation,
      (ch) => this.analogSettings(ch),
      new Rng(opts.seed ?? 1).fork('amplifier-noise'),
      opts.noise,
      (ch, on) => this.server.event('OVERLOAD', [formatInteger(ch + 1), on ? '1' : '0']),
    );
    // Power-up (Part 2 §6); a host that opens the port later does not see it.
    this.announceReset();
  }

  /** The device's telegraph for a 1-based channel. */
  telegraph(channel: number): Telegraph {
    const s = this.settings[channel - 1] as ChannelSettings;
    const { scale, unit } = telegraphScale(s.MODE, s.GAIN);
    return { channel, mode: s.MODE, scale, scaleUnit: unit, lpfHz: s.LPF, commandSensitivity: this.cmdsens(s) };
  }

  /**
   * Someone turns a knob on the front panel (or in the vendor's own software): the setting
   * changes without a command from the host, and the telegraph tells the host.
   */
  frontPanel(channel: number, change: { mode?: ClampMode; gain?: number; lpfHz?: number }): void {
    const s = this.settings[channel - 1];
    if (!s) throw new RangeError(`front panel: no channel ${channel}`);
    const before = this.telegraphKey(channel);
    if (change.mode) s.MODE = change.mode;
    if (change.gain !== undefined) s.GAIN = change.gain;
    if (change.lpfHz !== undefined) s.LPF = change.lpfHz;
    this.telegraphIfChanged(channel, before);
  }

  private cmdsens(s: ChannelSettings): number {
    return s.MODE === 'VC' ? s.cmdsensVC : s.MODE === 'IC' ? s.cmdsensIC : 0;
  }

  private analogSettings(ch: number): ChannelAnalogSettings {
    const s = this.settings[ch] as ChannelSettings;
    return {
      mode: s.MODE,
      holding: s.MODE === 'VC' ? s.holdVC : s.holdIC,
      holdingEnabled: s.HOLDEN,
      commandSensitivity: this.cmdsens(s),
      outputScale: telegraphScale(s.MODE, s.GAIN).scale,
      lpfHz: s.LPF,
      bridgeOhms: s.BRIDGE,
      bridgeEnabled: s.BRIDGEEN,
      pipetteOffset: s.OFFSET,
      compensation: {
        cFast: s.CFAST,
        cSlow: s.CSLOW,
        wholeCellCapacitance: s.WCCAP,
        wholeCellResistance: s.WCRES,
        wholeCellEnabled: s.WCCOMPEN,
        rsCorrection: s.RSCOMP / 100,
        rsPrediction: s.RSPRED / 100,
        rsBandwidthHz: s.RSBW,
        rsEnabled: s.RSCOMPEN,
        neutralisation: s.NEUT,
      },
    };
  }

  private state(s: ChannelSettings): ChannelState {
    const { holdVC, holdIC, cmdsensVC: _v, cmdsensIC: _i, ...rest } = s;
    return { ...rest, HOLD: rest.MODE === 'VC' ? holdVC : rest.MODE === 'IC' ? holdIC : 0, CMDSENS: this.cmdsens(s) };
  }

  private telegraphKey(channel: number): string {
    return formatTelegraphValues(this.telegraph(channel)).join(' ');
  }

  /** `! TEL` when a telegraphed value actually changed; called before the reply is sent (Part 1 §6). */
  private telegraphIfChanged(channel: number, before: string): void {
    if (this.telegraphKey(channel) !== before) this.sendTelegraph(channel);
  }

  private sendTelegraph(channel: number): void {
    this.server.event('TEL', formatTelegraphEventArgs(this.telegraph(channel)));
  }

  /** `! RESET`, then `! TEL` for every channel (Part 2 §6). */
  private announceReset(): void {
    this.server.event('RESET');
    for (let ch = 1; ch <= this.channels; ch++) this.sendTelegraph(ch);
  }

  /**
   * A verb whose first argument is a channel: checks the argument count, the syntax of the channel
   * and of the values (`parse`), then the channel number, then runs `run` (state, ranges, effect)
   * and telegraphs what changed before the reply.
   */
  private perChannel<V>(
    verb: string,
    nValues: number,
    parse: (tokens: readonly string[]) => V | ErrReply,
    run: (s: ChannelSettings, v: V, ch: number) => Reply,
  ): VerbHandler {
    return (args) => {
      const want = nValues + 1;
      if (args.length !== want) return err(ERR.BAD_ARG, `${verb} needs ${want} argument${want === 1 ? '' : 's'}`);
      const ch = parseCount(args[0] as string);
      if (ch === undefined) return err(ERR.BAD_ARG, `${args[0]} is not a channel number`);
      const v = parse(args.slice(1));
      if (isErr(v)) return v;
      if (ch < 1 || ch > this.channels) return err(ERR.RANGE, `channel ${ch} does not exist (1..${this.channels})`);
      const before = this.telegraphKey(ch);
      const reply = run(this.settings[ch - 1] as ChannelSettings, v, ch);
      if ('ok' in reply) this.telegraphIfChanged(ch, before);
      return reply;
    };
  }

  private query(verb: string, get: (s: ChannelSettings, ch: number) => (string | number)[]): VerbHandler {
    return this.perChannel(verb, 0, () => undefined, (s, _v, ch) => ok(...get(s, ch)));
  }

  private numeric(key: NumericKey): VerbHandler {
    const lim: SettingLimit = SETTING_LIMITS[key];
    return this.perChannel(key, 1, ([t]) => number(t as string), (s, x) => {
      const bad = outside(key, x, lim);
      if (bad) return bad;
      s[key] = quantize(x, lim.step);
      return ok();
    });
  }

  private listed(key: 'GAIN' | 'LPF', allowed: readonly number[]): VerbHandler {
    // Gains read as plain numbers (1000), filter settings in the protocol's short form (1e4): Part 2 §8.3.
    const gain = (x: number) => (Number.isSafeInteger(x) ? formatInteger(x) : formatNumber(x));
    const what = key === 'GAIN' ? (x: number) => `gain ${gain(x)}` : (x: number) => `low-pass ${formatNumber(x)} Hz`;
    const list = allowed.map(key === 'GAIN' ? gain : formatNumber).join(',');
    return this.perChannel(key, 1, ([t]) => number(t as string), (s, x) => {
      if (!allowed.includes(x)) return err(ERR.RANGE, `${what(x)} is not one of ${list}`);
      s[key] = x;
      return ok();
    });
  }

  private bool(key: BooleanKey): VerbHandler {
    return this.perChannel<boolean>(
      key,
      1,
      ([t]) => parseBoolean(t as string) ?? { err: ERR.BAD_ARG, message: `${key} takes 0 or 1` },
      (s, b) => {
        s[key] = b;
        return ok();
      },
    );
  }

  /** HOLD and CMDSENS: a value of the current mode, none in I0 (Part 2 §1). */
  private perMode(verb: 'HOLD' | 'CMDSENS', vc: SettingLimit, ic: SettingLimit, store: (s: ChannelSettings, vc: boolean, x: number) => void): VerbHandler {
    const none = verb === 'HOLD' ? 'no holding in I0' : 'no command sensitivity in I0';
    return this.perChannel(verb, 1, ([t]) => number(t as string), (s, x) => {
      if (s.MODE === 'I=0') return err(ERR.STATE, none);
      const lim = s.MODE === 'VC' ? vc : ic;
      const bad = outside(verb, x, lim);
      if (bad) return bad;
      store(s, s.MODE === 'VC', quantize(x, lim.step));
      return ok();
    });
  }

  private verbs(): Record<string, VerbHandler> {
    const b = (x: boolean) => (x ? '1' : '0');
    const global = (verb: string, f: () => Reply): VerbHandler => (a) => (a.length === 0 ? f() : err(ERR.BAD_ARG, `${verb} takes no arguments`));
    const v: Record<string, VerbHandler> = {
      '*IDN?': global('*IDN?', () => ok(`PATCHRIG,SIMAMP${this.channels},${this.serial},1.0`)),
      '*RST': global('*RST', () => {
        this.settings.forEach((_, i) => (this.settings[i] = freshChannel()));
        this.announceReset();
        return ok();
      }),
      PING: global('PING', () => ok()),
      'PROTO?': global('PROTO?', () => ok('1.0')),
      'CHANNELS?': global('CHANNELS?', () => ok(formatInteger(this.channels))),
      MODE: this.perChannel<ClampMode>(
        'MODE',
        1,
        ([t]) => parseModeToken(t as string) ?? { err: ERR.BAD_ARG, message: `unknown mode ${t}` },
        (s, mode) => {
          s.MODE = mode;
          return ok();
        },
      ),
      'MODE?': this.query('MODE?', (s) => [modeToken(s.MODE)]),
      HOLD: this.perMode('HOLD', SETTING_LIMITS.HOLD_VC, SETTING_LIMITS.HOLD_IC, (s, vc, x) => (vc ? (s.holdVC = x) : (s.holdIC = x))),
      'HOLD?': this.query('HOLD?', (s) => [this.state(s).HOLD]),
      CMDSENS: this.perMode('CMDSENS', SETTING_LIMITS.CMDSENS_VC, SETTING_LIMITS.CMDSENS_IC, (s, vc, x) => (vc ? (s.cmdsensVC = x) : (s.cmdsensIC = x))),
      'CMDSENS?': this.query('CMDSENS?', (s) => [this.cmdsens(s)]),
      GAIN: this.listed('GAIN', ALLOWED_GAINS),
      'GAIN?': this.query('GAIN?', (s) => [s.GAIN]),
      LPF: this.listed('LPF', ALLOWED_LPF_HZ),
      'LPF?': this.query('LPF?', (s) => [s.LPF]),
      WCCOMP: this.perChannel(
        'WCCOMP',
        2,
        ([c, r]) => {
          const f = number(c as string);
          if (isErr(f)) return f;
          const o = number(r as string);
          return isErr(o) ? o : ([f, o] as const);
        },
        // Both values are checked before either is stored (Part 2 §3.2).
        (s, [f, o]) => {
          const bad = outside('WCCOMP', f, SETTING_LIMITS.WCCAP) ?? outside('WCCOMP', o, SETTING_LIMITS.WCRES);
          if (bad) return bad;
          s.WCCAP = quantize(f, SETTING_LIMITS.WCCAP.step);
          s.WCRES = quantize(o, SETTING_LIMITS.WCRES.step);
          return ok();
        },
      ),
      'WCCOMP?': this.query('WCCOMP?', (s) => [s.WCCAP, s.WCRES]),
      AUTO: (args) => this.auto(args),
      'TEL?': this.query('TEL?', (_s, ch) => formatTelegraphValues(this.telegraph(ch))),
      'STATE?': this.query('STATE?', (s) => formatState(this.state(s))),
    };
    for (const key of ['BRIDGE', 'NEUT', 'CFAST', 'CSLOW', 'RSCOMP', 'RSBW', 'RSPRED', 'OFFSET'] as const) {
      v[key] = this.numeric(key);
      v[`${key}?`] = this.query(`${key}?`, (s) => [s[key]]);
    }
    for (const key of ['HOLDEN', 'BRIDGEEN', 'RSCOMPEN', 'WCCOMPEN'] as const) {
      v[key] = this.bool(key);
      v[`${key}?`] = this.query(`${key}?`, (s) => [b(s[key])]);
    }
    return v;
  }

  /**
   * `AUTO ch f` (Part 2 §3.3): checked at once (2, 3, 4), then the device is busy while the
   * function measures the preparation; the reply comes when it finishes.
   */
  private auto(args: readonly string[]): Reply | Running {
    let started: { fn: AutoFunction; ch: number } | undefined;
    const check = this.perChannel<AutoFunction>(
      'AUTO',
      1,
      ([t]) => (AUTO_FUNCTIONS as readonly string[]).includes(t as string) ? (t as AutoFunction) : { err: ERR.BAD_ARG, message: `unknown auto function ${t}` },
      (s, fn, ch) => {
        const needs = fn === 'BRIDGE' ? 'IC' : fn === 'OFFSET' ? undefined : 'VC';
        if (needs && modeToken(s.MODE) !== needs) return err(ERR.STATE, `AUTO ${fn} needs ${needs}`);
        started = { fn, ch };
        return ok();
      },
    );
    const checked = check(args) as Reply;
    if (!started || !('ok' in checked)) return checked;
    const { fn, ch } = started;
    return {
      running: `AUTO ${fn}`,
      result: new Promise<Reply>((resolve) => {
        setTimeout(() => {
          const before = this.telegraphKey(ch);
          const reply = this.finishAuto(fn, this.settings[ch - 1] as ChannelSettings, this.preparation.probe(ch - 1));
          // No 1.0 function changes a telegraphed value; if one did, its `! TEL` precedes the reply.
          if ('ok' in reply) this.telegraphIfChanged(ch, before);
          resolve(reply);
        }, this.autoSeconds * 1000);
      }),
    };
  }

  /** Applies what an auto function measured, rounded to the setting's resolution; `ERR 6` and no change when it cannot. */
  private finishAuto(fn: AutoFunction, s: ChannelSettings, p: PreparationProbe): Reply {
    const fits = (x: number, lim: SettingLimit) => Number.isFinite(x) && x >= lim.min && x <= lim.max;
    const fault = (why: string) => err(ERR.FAULT, `AUTO ${fn} failed: ${why}`);
    switch (fn) {
      case 'OFFSET': {
        const v = quantize(p.pipetteOffsetVolts, SETTING_LIMITS.OFFSET.step);
        if (!fits(v, SETTING_LIMITS.OFFSET)) return fault('pipette offset beyond the offset range');
        s.OFFSET = v;
        return ok(v);
      }
      case 'CFAST':
      case 'CSLOW': {
        const total = p.pipetteCapacitance;
        const c = quantize(fn === 'CFAST' ? total : total * SLOW_PIPETTE_CAPACITANCE_FRACTION, SETTING_LIMITS[fn].step);
        if (!(c > 0)) return fault('no pipette capacitance found');
        if (!fits(c, SETTING_LIMITS[fn])) return fault('capacitance beyond the compensation range');
        s[fn] = c;
        return ok(c);
      }
      case 'BRIDGE': {
        const r = quantize(p.accessResistance, SETTING_LIMITS.BRIDGE.step);
        if (!(r > 0) || !fits(r, SETTING_LIMITS.BRIDGE)) return fault('no pipette resistance within the bridge range');
        s.BRIDGE = r;
        s.BRIDGEEN = true;
        return ok(r);
      }
      case 'WC': {
        if (!(p.membraneCapacitance > 0)) return fault('no whole-cell capacitance found');
        const c = quantize(p.membraneCapacitance, SETTING_LIMITS.WCCAP.step);
        const r = quantize(p.accessResistance, SETTING_LIMITS.WCRES.step);
        if (!fits(c, SETTING_LIMITS.WCCAP) || !fits(r, SETTING_LIMITS.WCRES)) return fault('whole-cell values beyond the compensation range');
        s.WCCAP = c;
        s.WCRES = r;
        s.WCCOMPEN = true;
        return ok(c, r);
      }
    }
  }
}
