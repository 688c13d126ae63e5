// Fixtures are typed from docs/protocols/patchrig-amplifier.md §8 (one session, ids continue).
import { describe, expect, it } from 'vitest';
import type { AutoFunction } from '../../../drivers/amplifier/amplifier.ts';
import type { ClampMode } from '../../../src/core/clamp.ts';
import {
  ALLOWED_GAINS,
  ALLOWED_LPF_HZ,
  AMP_CHANNELS,
  AMP_DEFAULTS,
  DEFAULT_CMDSENS,
  SETTING_LIMITS,
  STATE_KEYS,
  autoCommand,
  channelCountQuery,
  channelQuery,
  formatState,
  formatTelegraphEventArgs,
  formatTelegraphValues,
  modeToken,
  parseAmplifierEvent,
  parseAutoResult,
  parseBooleanValue,
  parseChannelCount,
  parseIdentity,
  parseMode,
  parseModeToken,
  parseNumberValue,
  parseOverloadEvent,
  parseResetEvent,
  parseState,
  parseTelegraph,
  parseTelegraphEvent,
  parseWholeCell,
  quantize,
  setBooleanCommand,
  setModeCommand,
  setNumberCommand,
  setWholeCellCommand,
  telegraphScale,
  type ChannelState,
} from '../../../drivers/amplifier/patchrig/codec.ts';
import { encodeCommand, encodeEvent, encodeOk, formatNumber, parseHostLine } from '../../../drivers/control/line-codec.ts';

/** Values of an OK line, or the test fails. */
function okValues(line: string): string[] {
  const r = parseHostLine(line);
  if (r.kind !== 'ok') throw new Error(`not an OK line: ${line}`);
  return r.values;
}

/** Name and args of an event line, or the test fails. */
function event(line: string): [string, string[]] {
  const r = parseHostLine(line);
  if (r.kind !== 'event') throw new Error(`not an event: ${line}`);
  return [r.name, r.args];
}

const STATE_CH1 =
  '50 OK MODE=IC HOLD=-5e-11 HOLDEN=1 GAIN=5 LPF=3e4 CMDSENS=2e-9 BRIDGE=1.52e7 BRIDGEEN=1 NEUT=3e-12 CFAST=0 CSLOW=0 RSCOMP=0 RSCOMPEN=0 RSBW=1e3 RSPRED=0 WCCAP=0 WCRES=0 WCCOMPEN=0 OFFSET=0\n';
const STATE_CH3 =
  '51 OK MODE=VC HOLD=-0.07 HOLDEN=0 GAIN=1 LPF=1e4 CMDSENS=0.02 BRIDGE=0 BRIDGEEN=0 NEUT=0 CFAST=4.37e-12 CSLOW=1.1e-12 RSCOMP=70 RSCOMPEN=1 RSBW=2e3 RSPRED=60 WCCAP=2.51e-11 WCRES=1.18e7 WCCOMPEN=1 OFFSET=-0.01187\n';
const STATE_DEFAULTS =
  'MODE=VC HOLD=0 HOLDEN=0 GAIN=1 LPF=1e4 CMDSENS=0.02 BRIDGE=0 BRIDGEEN=0 NEUT=0 CFAST=0 CSLOW=0 RSCOMP=0 RSCOMPEN=0 RSBW=1e3 RSPRED=0 WCCAP=0 WCRES=0 WCCOMPEN=0 OFFSET=0';

const CH3_STATE: ChannelState = {
  MODE: 'VC',
  HOLD: -0.07,
  HOLDEN: false,
  GAIN: 1,
  LPF: 1e4,
  CMDSENS: 0.02,
  BRIDGE: 0,
  BRIDGEEN: false,
  NEUT: 0,
  CFAST: 4.37e-12,
  CSLOW: 1.1e-12,
  RSCOMP: 70,
  RSCOMPEN: true,
  RSBW: 2e3,
  RSPRED: 60,
  WCCAP: 2.51e-11,
  WCRES: 1.18e7,
  WCCOMPEN: true,
  OFFSET: -0.01187,
};

describe('documented device values (§1, §2, §3)', () => {
  it('has 8 channels, the listed gains and low-pass settings', () => {
    expect(AMP_CHANNELS).toBe(8);
    expect(ALLOWED_GAINS).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
    expect(ALLOWED_LPF_HZ).toEqual([2000, 4000, 10000, 30000, 100000]);
  });

  it('starts like a MultiClamp 700B', () => {
    expect(DEFAULT_CMDSENS).toEqual({ VC: 0.02, IC: 4e-10 });
    expect(AMP_DEFAULTS).toEqual({
      MODE: 'VC',
      HOLD: 0,
      HOLDEN: false,
      GAIN: 1,
      LPF: 1e4,
      CMDSENS: 0.02,
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
    });
  });

  it('has the documented device limits for holding', () => {
    expect(SETTING_LIMITS.HOLD_VC).toMatchObject({ min: -1, max: 1, step: 1e-5 });
    expect(SETTING_LIMITS.HOLD_IC).toMatchObject({ min: -2e-8, max: 2e-8, step: 1e-12 });
  });

  it('telegraphs 0.5 V/nA × gain in VC and 10 V/V × gain in IC and I0', () => {
    expect(telegraphScale('VC', 1)).toEqual({ scale: 5e8, unit: 'V/A' });
    expect(telegraphScale('VC', 2000)).toEqual({ scale: 1e12, unit: 'V/A' });
    expect(telegraphScale('IC', 5)).toEqual({ scale: 50, unit: 'V/V' });
    expect(telegraphScale('I=0', 1)).toEqual({ scale: 10, unit: 'V/V' });
  });

  it('rounds settings to their resolution so they print short (§1 Resolution)', () => {
    expect(quantize(-0.0700042, SETTING_LIMITS.HOLD_VC.step)).toBe(-0.07);
    expect(formatNumber(quantize(-0.0700042, SETTING_LIMITS.HOLD_VC.step))).toBe('-0.07');
    expect(formatNumber(quantize(4.3712e-12, SETTING_LIMITS.CFAST.step))).toBe('4.37e-12');
    expect(quantize(-5e-11, SETTING_LIMITS.HOLD_IC.step)).toBe(-5e-11);
    expect(quantize(1.5003e7, SETTING_LIMITS.BRIDGE.step)).toBe(1.5e7);
    expect(Object.is(quantize(-1e-6, SETTING_LIMITS.OFFSET.step), 0)).toBe(true);
  });

  it('keeps the longest possible STATE? reply within 256 bytes', () => {
    const worst: ChannelState = {
      MODE: 'IC',
      HOLD: -1.9999e-8,
      HOLDEN: true,
      GAIN: 2000,
      LPF: 1e5,
      CMDSENS: 9.999e-9,
      BRIDGE: 9.9999e8,
      BRIDGEEN: true,
      NEUT: 2.999e-11,
      CFAST: 9.999e-11,
      CSLOW: 9.999e-11,
      RSCOMP: 100,
      RSCOMPEN: true,
      RSBW: 19999,
      RSPRED: 100,
      WCCAP: 9.999e-10,
      WCRES: 9.999e7,
      WCCOMPEN: true,
      OFFSET: -0.09999,
    };
    expect(encodeOk(65535, formatState(worst))).toHaveLength(251);
  });
});

describe('mode tokens', () => {
  it.each([
    ['VC', 'VC'],
    ['IC', 'IC'],
    ['I0', 'I=0'],
  ] as const)('maps %s ⇄ %s', (token, mode) => {
    expect(parseModeToken(token)).toBe(mode);
    expect(modeToken(mode)).toBe(token);
  });

  it('rejects other spellings', () => {
    for (const t of ['vc', 'I=0', 'I', 'CC', '']) expect(parseModeToken(t)).toBeUndefined();
  });
});

describe('request lines (§8)', () => {
  it.each([
    [1, channelCountQuery(), '1 CHANNELS?\n'],
    [3, setModeCommand(1, 'IC'), '3 MODE 1 IC\n'],
    [4, channelQuery('MODE?', 1), '4 MODE? 1\n'],
    [5, setNumberCommand('HOLD', 1, -5e-11), '5 HOLD 1 -5e-11\n'],
    [6, setBooleanCommand('HOLDEN', 1, true), '6 HOLDEN 1 1\n'],
    [7, channelQuery('HOLD?', 1), '7 HOLD? 1\n'],
    [8, channelQuery('HOLDEN?', 1), '8 HOLDEN? 1\n'],
    [9, setModeCommand(2, 'I=0'), '9 MODE 2 I0\n'],
    [12, setNumberCommand('HOLD', 3, -0.0700042), '12 HOLD 3 -0.0700042\n'],
    [14, setNumberCommand('GAIN', 1, 5), '14 GAIN 1 5\n'],
    [15, setNumberCommand('LPF', 1, 3e4), '15 LPF 1 3e4\n'],
    [16, setNumberCommand('CMDSENS', 1, 2e-9), '16 CMDSENS 1 2e-9\n'],
    [17, channelQuery('GAIN?', 1), '17 GAIN? 1\n'],
    [18, channelQuery('LPF?', 1), '18 LPF? 1\n'],
    [19, channelQuery('CMDSENS?', 1), '19 CMDSENS? 1\n'],
    [22, channelQuery('TEL?', 1), '22 TEL? 1\n'],
    [25, setNumberCommand('BRIDGE', 1, 1.5e7), '25 BRIDGE 1 1.5e7\n'],
    [26, setBooleanCommand('BRIDGEEN', 1, true), '26 BRIDGEEN 1 1\n'],
    [27, setNumberCommand('NEUT', 1, 3e-12), '27 NEUT 1 3e-12\n'],
    [28, channelQuery('BRIDGE?', 1), '28 BRIDGE? 1\n'],
    [29, setNumberCommand('CFAST', 3, 4.5e-12), '29 CFAST 3 4.5e-12\n'],
    [30, setNumberCommand('CSLOW', 3, 1e-12), '30 CSLOW 3 1e-12\n'],
    [31, channelQuery('CFAST?', 3), '31 CFAST? 3\n'],
    [32, setNumberCommand('RSCOMP', 3, 70), '32 RSCOMP 3 70\n'],
    [33, setNumberCommand('RSBW', 3, 2000), '33 RSBW 3 2e3\n'],
    [34, setNumberCommand('RSPRED', 3, 60), '34 RSPRED 3 60\n'],
    [35, setBooleanCommand('RSCOMPEN', 3, true), '35 RSCOMPEN 3 1\n'],
    [37, setWholeCellCommand(3, 2.5e-11, 1.2e7), '37 WCCOMP 3 2.5e-11 1.2e7\n'],
    [38, setBooleanCommand('WCCOMPEN', 3, true), '38 WCCOMPEN 3 1\n'],
    [39, channelQuery('WCCOMP?', 3), '39 WCCOMP? 3\n'],
    [40, setNumberCommand('OFFSET', 3, -0.0123), '40 OFFSET 3 -0.0123\n'],
    [41, channelQuery('OFFSET?', 3), '41 OFFSET? 3\n'],
    [42, autoCommand(3, 'CFAST'), '42 AUTO 3 CFAST\n'],
    [44, autoCommand(3, 'WC'), '44 AUTO 3 WC\n'],
    [45, autoCommand(3, 'OFFSET'), '45 AUTO 3 OFFSET\n'],
    [46, autoCommand(1, 'BRIDGE'), '46 AUTO 1 BRIDGE\n'],
    [47, autoCommand(3, 'CSLOW'), '47 AUTO 3 CSLOW\n'],
    [50, channelQuery('STATE?', 1), '50 STATE? 1\n'],
  ])('id %i → %j', (id, cmd, line) => {
    expect(encodeCommand(id, cmd)).toBe(line);
  });

  it('turns booleans off as 0', () => {
    expect(encodeCommand(60, setBooleanCommand('HOLDEN', 2, false))).toBe('60 HOLDEN 2 0\n');
  });

  it('refuses channels that are not integers ≥ 1 and values that are not finite', () => {
    for (const ch of [0, -1, 1.5, Number.NaN]) {
      expect(() => setModeCommand(ch, 'VC')).toThrow(RangeError);
      expect(() => channelQuery('TEL?', ch)).toThrow(RangeError);
    }
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => setNumberCommand('HOLD', 1, x)).toThrow(RangeError);
      expect(() => setWholeCellCommand(1, x, 1e7)).toThrow(RangeError);
    }
    expect(() => setModeCommand(1, 'X' as ClampMode)).toThrow(RangeError);
    expect(() => autoCommand(1, 'SLOW' as AutoFunction)).toThrow(RangeError);
  });
});

describe('replies', () => {
  it('reads the channel count', () => {
    expect(parseChannelCount(okValues('1 OK 8\n'))).toEqual({ ok: true, value: 8 });
    for (const line of ['1 OK 0', '1 OK 8 9', '1 OK x', '1 OK', '1 OK 2.5']) {
      expect(parseChannelCount(okValues(line)).ok).toBe(false);
    }
  });

  it('reads the identity', () => {
    expect(parseIdentity(okValues('1 OK PATCHRIG,SIMAMP8,0001,1.0\n'))).toEqual({
      ok: true,
      value: { vendor: 'PATCHRIG', model: 'SIMAMP8', serial: '0001', firmware: '1.0' },
    });
  });

  it('reads modes, numbers and booleans', () => {
    expect(parseMode(okValues('4 OK IC\n'))).toEqual({ ok: true, value: 'IC' });
    expect(parseMode(okValues('4 OK I0\n'))).toEqual({ ok: true, value: 'I=0' });
    expect(parseMode(okValues('4 OK vc\n')).ok).toBe(false);
    expect(parseMode(okValues('4 OK\n')).ok).toBe(false);
    expect(parseNumberValue(okValues('7 OK -5e-11\n'))).toEqual({ ok: true, value: -5e-11 });
    expect(parseNumberValue(okValues('13 OK -0.07\n'))).toEqual({ ok: true, value: -0.07 });
    expect(parseNumberValue(okValues('18 OK 3e4\n'))).toEqual({ ok: true, value: 3e4 });
    expect(parseNumberValue(okValues('7 OK abc\n')).ok).toBe(false);
    expect(parseBooleanValue(okValues('8 OK 1\n'))).toEqual({ ok: true, value: true });
    expect(parseBooleanValue(okValues('8 OK 2\n')).ok).toBe(false);
  });

  it('reads WCCOMP? as capacitance and resistance', () => {
    expect(parseWholeCell(okValues('39 OK 2.5e-11 1.2e7\n'))).toEqual({ ok: true, value: { farads: 2.5e-11, ohms: 1.2e7 } });
    expect(parseWholeCell(okValues('39 OK 2.5e-11\n')).ok).toBe(false);
    expect(parseWholeCell(okValues('39 OK 2.5e-11 x\n')).ok).toBe(false);
  });

  it('reads AUTO results: one value, two for WC', () => {
    expect(parseAutoResult('CFAST', okValues('42 OK 4.37e-12\n'))).toEqual({ ok: true, value: [4.37e-12] });
    expect(parseAutoResult('WC', okValues('44 OK 2.51e-11 1.18e7\n'))).toEqual({ ok: true, value: [2.51e-11, 1.18e7] });
    expect(parseAutoResult('OFFSET', okValues('45 OK -0.01187\n'))).toEqual({ ok: true, value: [-0.01187] });
    expect(parseAutoResult('BRIDGE', okValues('46 OK 1.52e7\n'))).toEqual({ ok: true, value: [1.52e7] });
    expect(parseAutoResult('WC', okValues('44 OK 2.51e-11\n')).ok).toBe(false);
    expect(parseAutoResult('CFAST', okValues('42 OK 1 2\n')).ok).toBe(false);
  });

  it('reads the busy refusal of a request made during AUTO as an error reply', () => {
    expect(parseHostLine('43 ERR 5 busy: AUTO CFAST running\n')).toEqual({
      kind: 'err',
      id: 43,
      code: 5,
      message: 'busy: AUTO CFAST running',
    });
  });
});

describe('telegraph (§4)', () => {
  it('reads TEL? replies of the three modes', () => {
    expect(parseTelegraph(1, okValues('22 OK IC 50 V/V 3e4 2e-9\n'))).toEqual({
      ok: true,
      value: { channel: 1, mode: 'IC', scale: 50, scaleUnit: 'V/V', lpfHz: 3e4, commandSensitivity: 2e-9 },
    });
    expect(parseTelegraph(3, okValues('23 OK VC 5e8 V/A 1e4 0.02\n'))).toEqual({
      ok: true,
      value: { channel: 3, mode: 'VC', scale: 5e8, scaleUnit: 'V/A', lpfHz: 1e4, commandSensitivity: 0.02 },
    });
    expect(parseTelegraph(2, okValues('24 OK I0 10 V/V 1e4 0\n'))).toEqual({
      ok: true,
      value: { channel: 2, mode: 'I=0', scale: 10, scaleUnit: 'V/V', lpfHz: 1e4, commandSensitivity: 0 },
    });
  });

  it.each([
    ['22 OK IC 50 V/V 3e4', '5 values'],
    ['22 OK IC 50 V/V 3e4 2e-9 1', '5 values'],
    ['22 OK IC 50 V/X 3e4 2e-9', 'unit'],
    ['22 OK VC 5e8 V/V 1e4 0.02', 'unit'],
    ['22 OK IC 10 V/A 1e4 4e-10', 'unit'],
    ['22 OK VC 0 V/A 1e4 0.02', 'scale'],
    ['22 OK VC -5e8 V/A 1e4 0.02', 'scale'],
    ['22 OK VC abc V/A 1e4 0.02', 'scale'],
    ['22 OK VC 5e8 V/A 0 0.02', 'low-pass'],
    ['22 OK XX 5e8 V/A 1e4 0.02', 'mode'],
    ['22 OK I0 10 V/V 1e4 0.02', 'impossible in I0'],
    ['22 OK VC 5e8 V/A 1e4 0', 'impossible in VC'],
    ['22 OK IC 10 V/V 1e4 x', 'not a number'],
  ])('rejects %j (%s)', (line, reason) => {
    const r = parseTelegraph(1, okValues(line));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('writes the simulator side of TEL', () => {
    expect(formatTelegraphValues({ mode: 'VC', scale: 5e8, scaleUnit: 'V/A', lpfHz: 1e4, commandSensitivity: 0.02 })).toEqual([
      'VC',
      '5e8',
      'V/A',
      '1e4',
      '0.02',
    ]);
    const t = { channel: 1, mode: 'IC', scale: 50, scaleUnit: 'V/V', lpfHz: 3e4, commandSensitivity: 2e-9 } as const;
    expect(encodeEvent('TEL', formatTelegraphEventArgs(t))).toBe('! TEL 1 IC 50 V/V 3e4 2e-9\n');
    expect(encodeOk(24, formatTelegraphValues({ ...t, mode: 'I=0', scale: 10, lpfHz: 1e4, commandSensitivity: 0 }))).toBe(
      '24 OK I0 10 V/V 1e4 0\n',
    );
  });
});

describe('state (§5)', () => {
  it('lists the 19 keys in the documented order', () => {
    expect(STATE_KEYS.join(' ')).toBe(
      'MODE HOLD HOLDEN GAIN LPF CMDSENS BRIDGE BRIDGEEN NEUT CFAST CSLOW RSCOMP RSCOMPEN RSBW RSPRED WCCAP WCRES WCCOMPEN OFFSET',
    );
  });

  it('reads STATE? with typed values', () => {
    expect(parseState(okValues(STATE_CH1))).toEqual({
      ok: true,
      value: {
        MODE: 'IC',
        HOLD: -5e-11,
        HOLDEN: true,
        GAIN: 5,
        LPF: 3e4,
        CMDSENS: 2e-9,
        BRIDGE: 1.52e7,
        BRIDGEEN: true,
        NEUT: 3e-12,
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
      },
    });
    expect(parseState(okValues(STATE_CH3))).toEqual({ ok: true, value: CH3_STATE });
    expect(parseState(okValues(`7 OK ${STATE_DEFAULTS}\n`))).toEqual({ ok: true, value: AMP_DEFAULTS });
  });

  it('writes the simulator side of STATE?', () => {
    expect(encodeOk(51, formatState(CH3_STATE))).toBe(STATE_CH3);
    expect(formatState(AMP_DEFAULTS).join(' ')).toBe(STATE_DEFAULTS);
    expect(formatState({ ...AMP_DEFAULTS, MODE: 'I=0', CMDSENS: 0 })[0]).toBe('MODE=I0');
  });

  it.each([
    [STATE_DEFAULTS.replace(' OFFSET=0', ''), 'expects 19'],
    [`${STATE_DEFAULTS} EXTRA=1`, 'expects 19'],
    [STATE_DEFAULTS.replace('HOLD=0 HOLDEN=0', 'HOLDEN=0 HOLD=0'), 'expected HOLD='],
    [STATE_DEFAULTS.replace('GAIN=1', 'GAINS=1'), 'expected GAIN='],
    [STATE_DEFAULTS.replace('GAIN=1', 'GAIN'), 'expected GAIN='],
    [STATE_DEFAULTS.replace('HOLDEN=0', 'HOLDEN=2'), 'HOLDEN'],
    [STATE_DEFAULTS.replace('MODE=VC', 'MODE=XX'), 'MODE'],
    [STATE_DEFAULTS.replace('LPF=1e4', 'LPF=abc'), 'LPF'],
    [STATE_DEFAULTS.replace('OFFSET=0', 'OFFSET='), 'OFFSET'],
  ])('rejects a malformed STATE? reply (%#: %s)', (values, reason) => {
    const r = parseState(okValues(`7 OK ${values}\n`));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });
});

describe('events (§6)', () => {
  it('reads ! TEL', () => {
    const [name, args] = event('! TEL 1 IC 10 V/V 1e4 4e-10\n');
    expect(parseAmplifierEvent(name, args)).toEqual({
      ok: true,
      value: {
        kind: 'telegraph',
        telegraph: { channel: 1, mode: 'IC', scale: 10, scaleUnit: 'V/V', lpfHz: 1e4, commandSensitivity: 4e-10 },
      },
    });
    expect(parseTelegraphEvent(event('! TEL 8 VC 5e8 V/A 1e4 0.02\n')[1])).toMatchObject({ ok: true, value: { channel: 8 } });
    expect(parseTelegraphEvent(event('! TEL 2 I0 10 V/V 1e4 0\n')[1])).toMatchObject({ ok: true, value: { mode: 'I=0' } });
  });

  it('reads ! OVERLOAD on and off, and ! RESET', () => {
    expect(parseAmplifierEvent(...event('! OVERLOAD 2 1\n'))).toEqual({ ok: true, value: { kind: 'overload', channel: 2, on: true } });
    expect(parseOverloadEvent(event('! OVERLOAD 2 0\n')[1])).toEqual({ ok: true, value: { channel: 2, on: false } });
    expect(parseAmplifierEvent(...event('! RESET\n'))).toEqual({ ok: true, value: { kind: 'reset' } });
  });

  it.each([
    ['! TEL 1 IC 10 V/V 1e4', 'expects 6'],
    ['! TEL 0 VC 5e8 V/A 1e4 0.02', 'channel'],
    ['! TEL x VC 5e8 V/A 1e4 0.02', 'channel'],
    ['! TEL 1 VC 5e8 V/X 1e4 0.02', 'unit'],
    ['! OVERLOAD 2 2', 'bad OVERLOAD'],
    ['! OVERLOAD 2', 'expects 2'],
    ['! OVERLOAD 0 1', 'bad OVERLOAD'],
    ['! RESET 1', 'no arguments'],
    ['! FOO 1', 'unknown amplifier event'],
  ])('rejects %j', (line, reason) => {
    const r = parseAmplifierEvent(...event(line));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it('has a RESET parser that refuses arguments', () => {
    expect(parseResetEvent([]).ok).toBe(true);
    expect(parseResetEvent(['1']).ok).toBe(false);
  });
});
