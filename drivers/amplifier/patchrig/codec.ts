/**
 * Pure codec of the patchrig amplifier (docs/protocols/patchrig-amplifier.md): request builders,
 * reply and event parsers for the host, and the documented values and formatters the simulator
 * uses, so both sides agree on one table.
 */
import type { ClampMode } from '../../../src/core/clamp.ts';
import type { AutoFunction, Telegraph } from '../amplifier.ts';
import {
  fail,
  formatInteger,
  formatNumber,
  ok,
  parseBoolean,
  parseCount,
  parseNumber,
  type Command,
  type Result,
} from '../../control/line-codec.ts';

export {
  parseBooleanValue,
  parseEmpty,
  parseIdentity,
  parseNumberValue,
  parseProtocolVersion,
} from '../../control/line-codec.ts';

// ---- documented device values ----

export const AMP_CHANNELS = 8;
export const ALLOWED_GAINS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
/** Primary output low-pass settings, Hz; 1e5 is the bypass position. */
export const ALLOWED_LPF_HZ: readonly number[] = [2e3, 4e3, 1e4, 3e4, 1e5];
export const LPF_BYPASS_HZ = 1e5;
/** Primary output per ampere of membrane current in VC at gain 1 (0.5 V/nA, 500 MΩ feedback). */
export const VC_OUTPUT_SCALE = 5e8;
/** Primary output per volt of membrane potential in IC and I0 at gain 1 (10 mV/mV). */
export const IC_OUTPUT_SCALE = 10;
export const AUTO_FUNCTIONS: readonly AutoFunction[] = ['OFFSET', 'CFAST', 'CSLOW', 'BRIDGE', 'WC'];

/** Range and resolution of an analog setting: values outside get ERR 3, inside are rounded to `step`. */
export interface SettingLimit {
  min: number;
  max: number;
  step: number;
  unit: string;
}

export const SETTING_LIMITS = {
  HOLD_VC: { min: -1, max: 1, step: 1e-5, unit: 'V' },
  HOLD_IC: { min: -2e-8, max: 2e-8, step: 1e-12, unit: 'A' },
  CMDSENS_VC: { min: 1e-3, max: 1, step: 1e-3, unit: 'V/V' },
  CMDSENS_IC: { min: 1e-12, max: 1e-8, step: 1e-12, unit: 'A/V' },
  BRIDGE: { min: 0, max: 1e9, step: 1e4, unit: 'Ω' },
  NEUT: { min: 0, max: 3e-11, step: 1e-14, unit: 'F' },
  CFAST: { min: 0, max: 1e-10, step: 1e-14, unit: 'F' },
  CSLOW: { min: 0, max: 1e-10, step: 1e-14, unit: 'F' },
  RSCOMP: { min: 0, max: 100, step: 1, unit: '%' },
  RSBW: { min: 100, max: 2e4, step: 1, unit: 'Hz' },
  RSPRED: { min: 0, max: 100, step: 1, unit: '%' },
  WCCAP: { min: 0, max: 1e-9, step: 1e-13, unit: 'F' },
  WCRES: { min: 0, max: 1e8, step: 1e4, unit: 'Ω' },
  OFFSET: { min: -0.1, max: 0.1, step: 1e-5, unit: 'V' },
} as const satisfies Record<string, SettingLimit>;

/**
 * Rounds `x` to the nearest multiple of `step` so that the result prints as the short decimal it
 * stands for (dividing by an exact integer avoids 0.07000000000000001).
 */
export function quantize(x: number, step: number): number {
  const q = step >= 1 ? Math.round(x / step) * step : Math.round(x * Math.round(1 / step)) / Math.round(1 / step);
  return q === 0 ? 0 : q;
}

/** Every setting of one channel, keyed and ordered as in `STATE?`. */
export type ChannelState = {
  MODE: ClampMode;
  /** Holding of the current mode: V in VC, A in IC, 0 in I0. */
  HOLD: number;
  HOLDEN: boolean;
  GAIN: number;
  LPF: number;
  /** Command sensitivity of the current mode: V/V in VC, A/V in IC, 0 in I0. */
  CMDSENS: number;
  BRIDGE: number;
  BRIDGEEN: boolean;
  NEUT: number;
  CFAST: number;
  CSLOW: number;
  RSCOMP: number;
  RSCOMPEN: boolean;
  RSBW: number;
  RSPRED: number;
  WCCAP: number;
  WCRES: number;
  WCCOMPEN: boolean;
  OFFSET: number;
};

export const STATE_KEYS = [
  'MODE', 'HOLD', 'HOLDEN', 'GAIN', 'LPF', 'CMDSENS', 'BRIDGE', 'BRIDGEEN', 'NEUT', 'CFAST', 'CSLOW',
  'RSCOMP', 'RSCOMPEN', 'RSBW', 'RSPRED', 'WCCAP', 'WCRES', 'WCCOMPEN', 'OFFSET',
] as const satisfies readonly (keyof ChannelState)[];

const BOOLEAN_KEYS: ReadonlySet<string> = new Set(['HOLDEN', 'BRIDGEEN', 'RSCOMPEN', 'WCCOMPEN']);

/** Command sensitivity after power-up or `*RST`, per mode. The IC value is UNVERIFIED against the 700B. */
export const DEFAULT_CMDSENS = { VC: 0.02, IC: 4e-10 } as const;
export const DEFAULT_HOLD = { VC: 0, IC: 0 } as const;

/** Every channel after power-up or `*RST` (MultiClamp 700B-like), as `STATE?` reports it. */
export const AMP_DEFAULTS: Readonly<ChannelState> = {
  MODE: 'VC',
  HOLD: DEFAULT_HOLD.VC,
  HOLDEN: false,
  GAIN: 1,
  LPF: 1e4,
  CMDSENS: DEFAULT_CMDSENS.VC,
  BRIDGE: 0,
  BRIDGEEN: false,
  NEUT: 0,
  CFAST: 0,
  CSLOW: 0,
  RSCOMP: 0,
  RSCOMPEN: false,
  RSBW: 1e3,
  RSPRED: 0,
  WCCAP: 0,
  WCRES: 0,
  WCCOMPEN: false,
  OFFSET: 0,
};

// ---- mode tokens and telegraph ----

export type ModeToken = 'VC' | 'IC' | 'I0';

export function modeToken(mode: ClampMode): ModeToken {
  return mode === 'I=0' ? 'I0' : mode;
}

export function parseModeToken(token: string): ClampMode | undefined {
  if (token === 'VC' || token === 'IC') return token;
  if (token === 'I0') return 'I=0';
  return undefined;
}

/** Primary output scale the device telegraphs for a mode and output gain. */
export function telegraphScale(mode: ClampMode, gain: number): { scale: number; unit: 'V/A' | 'V/V' } {
  return mode === 'VC' ? { scale: VC_OUTPUT_SCALE * gain, unit: 'V/A' } : { scale: IC_OUTPUT_SCALE * gain, unit: 'V/V' };
}

/** Tokens `<mode> <scale> <unit> <lpf> <cmdsens>` of `TEL?` and `! TEL`. */
export function formatTelegraphValues(t: Omit<Telegraph, 'channel'>): string[] {
  return [modeToken(t.mode), formatNumber(t.scale), t.scaleUnit, formatNumber(t.lpfHz), formatNumber(t.commandSensitivity)];
}

/** Arguments of `! TEL ch <mode> <scale> <unit> <lpf> <cmdsens>`. */
export function formatTelegraphEventArgs(t: Telegraph): string[] {
  return [formatInteger(t.channel), ...formatTelegraphValues(t)];
}

/** `TEL?` reply values for channel `channel` (the reply does not repeat the channel). */
export function parseTelegraph(channel: number, values: readonly string[]): Result<Telegraph> {
  if (values.length !== 5) return fail(`TEL expects 5 values <mode> <scale> <unit> <lpf> <cmdsens>, got ${values.length}`);
  const [m, s, u, l, c] = values as [string, string, string, string, string];
  const mode = parseModeToken(m);
  if (!mode) return fail(`TEL mode ${JSON.stringify(m)} is not VC, IC or I0`);
  const scale = parseNumber(s);
  if (scale === undefined || scale <= 0) return fail(`TEL scale ${JSON.stringify(s)} is not a positive number`);
  const expectedUnit = mode === 'VC' ? 'V/A' : 'V/V';
  if (u !== expectedUnit) return fail(`TEL unit ${JSON.stringify(u)} does not match mode ${m} (expected ${expectedUnit})`);
  const lpfHz = parseNumber(l);
  if (lpfHz === undefined || lpfHz <= 0) return fail(`TEL low-pass ${JSON.stringify(l)} is not a positive number`);
  const commandSensitivity = parseNumber(c);
  if (commandSensitivity === undefined) return fail(`TEL command sensitivity ${JSON.stringify(c)} is not a number`);
  if (mode === 'I=0' ? commandSensitivity !== 0 : commandSensitivity <= 0) {
    return fail(`TEL command sensitivity ${c} is impossible in ${m} (must be ${mode === 'I=0' ? '0' : '> 0'})`);
  }
  return ok({ channel, mode, scale, scaleUnit: expectedUnit, lpfHz, commandSensitivity });
}

// ---- other replies ----

export function parseMode(values: readonly string[]): Result<ClampMode> {
  const mode = values.length === 1 && values[0] !== undefined ? parseModeToken(values[0]) : undefined;
  return mode ? ok(mode) : fail(`expected one mode VC, IC or I0, got ${JSON.stringify(values.join(' '))}`);
}

/** `CHANNELS?` → number of channels (≥ 1). */
export function parseChannelCount(values: readonly string[]): Result<number> {
  const n = values.length === 1 && values[0] !== undefined ? parseCount(values[0]) : undefined;
  return n !== undefined && n >= 1 ? ok(n) : fail(`CHANNELS? expects one integer ≥ 1, got ${JSON.stringify(values.join(' '))}`);
}

/** `WCCOMP? ch` → capacitance and resistance. */
export function parseWholeCell(values: readonly string[]): Result<{ farads: number; ohms: number }> {
  const nums = parseNumbers(values, 2, 'WCCOMP?');
  if (!nums.ok) return nums;
  const [farads, ohms] = nums.value as [number, number];
  return ok({ farads, ohms });
}

/** `AUTO` reply: one value (V, F, F, Ω) or two for WC (F, Ω). */
export function parseAutoResult(fn: AutoFunction, values: readonly string[]): Result<number[]> {
  return parseNumbers(values, fn === 'WC' ? 2 : 1, `AUTO ${fn}`);
}

function parseNumbers(values: readonly string[], n: number, what: string): Result<number[]> {
  if (values.length !== n) return fail(`${what} expects ${n} number(s), got ${values.length} values`);
  const out: number[] = [];
  for (const v of values) {
    const x = parseNumber(v);
    if (x === undefined) return fail(`${what}: ${JSON.stringify(v)} is not a number`);
    out.push(x);
  }
  return ok(out);
}

/** `STATE?` values: exactly the 19 `KEY=value` tokens, in the documented order. */
export function parseState(values: readonly string[]): Result<ChannelState> {
  if (values.length !== STATE_KEYS.length) {
    return fail(`STATE? expects ${STATE_KEYS.length} KEY=value tokens, got ${values.length}`);
  }
  const out: Record<string, ClampMode | number | boolean> = {};
  for (let i = 0; i < STATE_KEYS.length; i++) {
    const key = STATE_KEYS[i] as (typeof STATE_KEYS)[number];
    const token = values[i] as string;
    const eq = token.indexOf('=');
    const k = eq < 0 ? token : token.slice(0, eq);
    if (k !== key || eq < 0) return fail(`STATE? token ${i + 1} is ${JSON.stringify(token)}, expected ${key}=…`);
    const raw = token.slice(eq + 1);
    const parsed = key === 'MODE' ? parseModeToken(raw) : BOOLEAN_KEYS.has(key) ? parseBoolean(raw) : parseNumber(raw);
    if (parsed === undefined) return fail(`STATE? ${key} has the bad value ${JSON.stringify(raw)}`);
    out[key] = parsed;
  }
  return ok(out as ChannelState);
}

/** `STATE?` reply tokens (the simulator's side of `parseState`). */
export function formatState(state: Readonly<ChannelState>): string[] {
  return STATE_KEYS.map((key) => {
    const v = state[key];
    const text = typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'number' ? formatNumber(v) : modeToken(v);
    return `${key}=${text}`;
  });
}

// ---- events ----

export type AmplifierEvent =
  | { kind: 'telegraph'; telegraph: Telegraph }
  | { kind: 'overload'; channel: number; on: boolean }
  | { kind: 'reset' };

function parseChannel(token: string | undefined): number | undefined {
  const ch = token === undefined ? undefined : parseCount(token);
  return ch !== undefined && ch >= 1 ? ch : undefined;
}

/** `! TEL ch <mode> <scale> <unit> <lpf> <cmdsens>`. */
export function parseTelegraphEvent(args: readonly string[]): Result<Telegraph> {
  if (args.length !== 6) return fail(`TEL event expects 6 arguments, got ${args.length}`);
  const channel = parseChannel(args[0]);
  if (channel === undefined) return fail(`TEL event channel ${JSON.stringify(args[0])} is not an integer ≥ 1`);
  return parseTelegraph(channel, args.slice(1));
}

/** `! OVERLOAD ch 0|1`. */
export function parseOverloadEvent(args: readonly string[]): Result<{ channel: number; on: boolean }> {
  if (args.length !== 2) return fail(`OVERLOAD event expects 2 arguments, got ${args.length}`);
  const channel = parseChannel(args[0]);
  const on = parseBoolean(args[1] ?? '');
  if (channel === undefined || on === undefined) return fail(`bad OVERLOAD arguments ${JSON.stringify(args.join(' '))}`);
  return ok({ channel, on });
}

/** `! RESET` (no arguments). */
export function parseResetEvent(args: readonly string[]): Result<void> {
  return args.length === 0 ? ok(undefined) : fail(`RESET event takes no arguments, got ${args.length}`);
}

/** Dispatches on the event name; an unknown name is an error the driver may log and ignore. */
export function parseAmplifierEvent(name: string, args: readonly string[]): Result<AmplifierEvent> {
  switch (name) {
    case 'TEL': {
      const r = parseTelegraphEvent(args);
      return r.ok ? ok({ kind: 'telegraph', telegraph: r.value }) : r;
    }
    case 'OVERLOAD': {
      const r = parseOverloadEvent(args);
      return r.ok ? ok({ kind: 'overload', ...r.value }) : r;
    }
    case 'RESET': {
      const r = parseResetEvent(args);
      return r.ok ? ok({ kind: 'reset' }) : r;
    }
    default:
      return fail(`unknown amplifier event ${JSON.stringify(name)}`);
  }
}

// ---- request builders (host side) ----

export type NumericSettingVerb =
  | 'HOLD' | 'GAIN' | 'LPF' | 'CMDSENS' | 'BRIDGE' | 'NEUT' | 'CFAST' | 'CSLOW' | 'RSCOMP' | 'RSBW' | 'RSPRED' | 'OFFSET';
export type BooleanSettingVerb = 'HOLDEN' | 'BRIDGEEN' | 'RSCOMPEN' | 'WCCOMPEN';
export type ChannelQueryVerb =
  | 'MODE?' | `${NumericSettingVerb}?` | `${BooleanSettingVerb}?` | 'WCCOMP?' | 'TEL?' | 'STATE?';

function channelArg(ch: number): string {
  if (!Number.isSafeInteger(ch) || ch < 1) throw new RangeError(`amplifier channel ${ch} is not an integer ≥ 1`);
  return formatInteger(ch);
}

function finiteArg(x: number, what: string): number {
  if (!Number.isFinite(x)) throw new RangeError(`${what} ${x} is not a finite number`);
  return x;
}

export function setModeCommand(ch: number, mode: ClampMode): Command {
  const token = modeToken(mode);
  if (token !== 'VC' && token !== 'IC' && token !== 'I0') throw new RangeError(`unknown clamp mode ${String(mode)}`);
  return { verb: 'MODE', args: [channelArg(ch), token] };
}

/** `HOLD`, `GAIN`, `LPF`, … with one SI value. Range checks are the device's (ERR 3). */
export function setNumberCommand(verb: NumericSettingVerb, ch: number, value: number): Command {
  return { verb, args: [channelArg(ch), finiteArg(value, verb)] };
}

export function setBooleanCommand(verb: BooleanSettingVerb, ch: number, on: boolean): Command {
  return { verb, args: [channelArg(ch), on] };
}

export function setWholeCellCommand(ch: number, farads: number, ohms: number): Command {
  return { verb: 'WCCOMP', args: [channelArg(ch), finiteArg(farads, 'WCCOMP farads'), finiteArg(ohms, 'WCCOMP ohms')] };
}

export function autoCommand(ch: number, fn: AutoFunction): Command {
  if (!AUTO_FUNCTIONS.includes(fn)) throw new RangeError(`unknown auto function ${String(fn)}`);
  return { verb: 'AUTO', args: [channelArg(ch), fn] };
}

/** Any per-channel query (`MODE? 1`, `TEL? 3`, `STATE? 8`, …). */
export function channelQuery(verb: ChannelQueryVerb, ch: number): Command {
  return { verb, args: [channelArg(ch)] };
}

export function channelCountQuery(): Command {
  return { verb: 'CHANNELS?', args: [] };
}
