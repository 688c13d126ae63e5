// Fixtures are typed from docs/protocols/patchrig-control-lines.md (and the examples of Parts 2 and 3).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ErrorCode,
  MAX_LINE_BYTES,
  encodeCommand,
  encodeErr,
  encodeEvent,
  encodeOk,
  encodeRequest,
  errorCodeName,
  formatIdentity,
  formatInteger,
  formatNumber,
  identityQuery,
  messageTokens,
  nextId,
  parseBoolean,
  parseBooleanValue,
  parseCount,
  parseCountValue,
  parseDeviceLine,
  parseEmpty,
  parseHostLine,
  parseIdentity,
  parseNumber,
  parseNumberValue,
  parseProtocolVersion,
  pingCommand,
  protocolQuery,
  resetCommand,
} from '../../../drivers/control/line-codec.ts';

describe('numbers on the wire (Part 1 §4)', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [0.02, '0.02'],
    [-0.07, '-0.07'],
    [0.5, '0.5'],
    [1e-3, '1e-3'],
    [100, '100'],
    [1000, '1e3'],
    [1e4, '1e4'],
    [5e8, '5e8'],
    [2.5e9, '2.5e9'],
    [1e12, '1e12'],
    [4e-10, '4e-10'],
    [-5e-11, '-5e-11'],
    [123456, '123456'],
    [1e21, '1e21'],
    [-0.0123, '-0.0123'],
  ])('writes %s as the shortest exact text %j', (x, text) => {
    expect(formatNumber(x)).toBe(text);
  });

  it('refuses to write NaN and infinities', () => {
    expect(() => formatNumber(Number.NaN)).toThrow(RangeError);
    expect(() => formatNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => formatNumber(Number.NEGATIVE_INFINITY)).toThrow(RangeError);
  });

  it('reads back exactly every finite double it writes', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const back = parseNumber(formatNumber(x));
        expect(back).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it.each([
    ['0', 0],
    ['-0', 0],
    ['-0.07', -0.07],
    ['1e4', 1e4],
    ['4E-10', 4e-10],
    ['2.5E+9', 2.5e9],
    ['1e-07', 1e-7],
    ['20000', 20000],
  ])('parses %j as %s', (token, x) => {
    expect(parseNumber(token)).toBe(x);
  });

  it('normalises -0 to 0', () => {
    expect(Object.is(parseNumber('-0'), 0)).toBe(true);
  });

  it.each(['', ' ', '0x10', '1e', '1e+', 'Infinity', '-Infinity', 'NaN', '1,5', '+1', '.5', '5.', '1 ', ' 1', '--1', '-', '1e999', '1_000', '١'])(
    'rejects %j',
    (token) => {
      expect(parseNumber(token)).toBeUndefined();
    },
  );

  it('reads counts in any number form of a non-negative integer', () => {
    expect(parseCount('20000')).toBe(20000);
    expect(parseCount('2e4')).toBe(20000);
    expect(parseCount('0')).toBe(0);
    expect(parseCount('1.5')).toBeUndefined();
    expect(parseCount('-1')).toBeUndefined();
    expect(parseCount('9007199254740992')).toBeUndefined();
    expect(parseCount('abc')).toBeUndefined();
  });

  it('writes counts as plain integers', () => {
    expect(formatInteger(20000)).toBe('20000');
    expect(formatInteger(262144)).toBe('262144');
    expect(() => formatInteger(1.5)).toThrow(RangeError);
  });

  it('reads booleans as exactly 0 or 1', () => {
    expect(parseBoolean('1')).toBe(true);
    expect(parseBoolean('0')).toBe(false);
    for (const t of ['2', '01', 'true', '', '1.0']) expect(parseBoolean(t)).toBeUndefined();
  });
});

describe('ids (Part 1 §3)', () => {
  it('counts up and wraps 65535 to 1, never 0', () => {
    expect(nextId(1)).toBe(2);
    expect(nextId(65534)).toBe(65535);
    expect(nextId(65535)).toBe(1);
    expect(nextId(0)).toBe(1);
  });
});

describe('error codes (Part 1 §5.1)', () => {
  it('names the seven codes of version 1.0', () => {
    expect(ErrorCode).toEqual({
      MALFORMED: 1,
      BAD_ARGUMENT: 2,
      OUT_OF_RANGE: 3,
      WRONG_STATE: 4,
      BUSY: 5,
      HARDWARE: 6,
      BUFFER: 7,
    });
    expect(errorCodeName(5)).toBe('BUSY');
    expect(errorCodeName(8)).toBeUndefined();
  });
});

describe('encoding requests', () => {
  it('writes the documented request lines', () => {
    expect(encodeRequest(1, '*IDN?', [])).toBe('1 *IDN?\n');
    expect(encodeRequest(3, 'MODE', [1, 'IC'])).toBe('3 MODE 1 IC\n');
    expect(encodeRequest(5, 'HOLD', [1, -5e-11])).toBe('5 HOLD 1 -5e-11\n');
    expect(encodeRequest(6, 'HOLDEN', [1, true])).toBe('6 HOLDEN 1 1\n');
    expect(encodeRequest(30, 'FRAMED', [false])).toBe('30 FRAMED 0\n');
    expect(encodeRequest(65535, 'PING')).toBe('65535 PING\n');
  });

  it('builds the common verbs', () => {
    expect(encodeCommand(1, identityQuery())).toBe('1 *IDN?\n');
    expect(encodeCommand(2, protocolQuery())).toBe('2 PROTO?\n');
    expect(encodeCommand(3, pingCommand())).toBe('3 PING\n');
    expect(encodeCommand(4, resetCommand())).toBe('4 *RST\n');
  });

  it('refuses ids outside 1..65535', () => {
    for (const id of [0, 65536, -1, 1.5, Number.NaN]) expect(() => encodeRequest(id, 'PING')).toThrow(RangeError);
  });

  it('refuses verbs that are not upper-case words', () => {
    for (const verb of ['mode', 'MO DE', '', 'PING\n', '?']) expect(() => encodeRequest(1, verb)).toThrow(RangeError);
  });

  it('refuses arguments with spaces, line breaks, non-ASCII or no characters', () => {
    for (const arg of ['a b', 'a\n', '', 'µ', 'a\tb']) expect(() => encodeRequest(1, 'X', [arg])).toThrow(RangeError);
    expect(() => encodeRequest(1, 'X', [Number.NaN])).toThrow(RangeError);
  });

  it('refuses a line over 256 bytes', () => {
    // "1 X " is 4 bytes; 251 more + LF = 256 is the longest line.
    expect(encodeRequest(1, 'X', ['a'.repeat(251)])).toHaveLength(MAX_LINE_BYTES);
    expect(() => encodeRequest(1, 'X', ['a'.repeat(252)])).toThrow(RangeError);
  });
});

describe('encoding replies and events', () => {
  it('writes OK replies with and without values, id 0 included', () => {
    expect(encodeOk(3)).toBe('3 OK\n');
    expect(encodeOk(1, ['PATCHRIG,SIMAMP8,0001,1.0'])).toBe('1 OK PATCHRIG,SIMAMP8,0001,1.0\n');
    expect(encodeOk(17, [5])).toBe('17 OK 5\n');
    expect(encodeOk(0, [])).toBe('0 OK\n');
  });

  it('writes ERR replies with a free-text message', () => {
    expect(encodeErr(5, 1, 'unknown verb FOO')).toBe('5 ERR 1 unknown verb FOO\n');
    expect(encodeErr(0, ErrorCode.MALFORMED, 'bad id')).toBe('0 ERR 1 bad id\n');
  });

  it('refuses an ERR without message, with a bad code or a non-ASCII message', () => {
    expect(() => encodeErr(5, 1, '')).toThrow(RangeError);
    expect(() => encodeErr(5, 0, 'x')).toThrow(RangeError);
    expect(() => encodeErr(5, 1.5, 'x')).toThrow(RangeError);
    expect(() => encodeErr(5, 3, 'über')).toThrow(RangeError);
    expect(() => encodeErr(5, 3, 'a\nb')).toThrow(RangeError);
  });

  it('writes events', () => {
    expect(encodeEvent('RESET')).toBe('! RESET\n');
    expect(encodeEvent('TEL', [1, 'VC', 5e8, 'V/A', 1e4, 0.02])).toBe('! TEL 1 VC 5e8 V/A 1e4 0.02\n');
    expect(encodeEvent('ERROR', [7, ...messageTokens('AO underrun at scan 2048')])).toBe('! ERROR 7 AO underrun at scan 2048\n');
    expect(() => encodeEvent('tel')).toThrow(RangeError);
    expect(() => messageTokens('two  spaces')).toThrow(RangeError);
  });
});

describe('parsing what a device receives', () => {
  it('reads a request with LF, CR LF or no terminator', () => {
    const want = { kind: 'request', id: 3, verb: 'MODE', args: ['1', 'IC'] };
    expect(parseDeviceLine('3 MODE 1 IC\n')).toEqual(want);
    expect(parseDeviceLine('3 MODE 1 IC\r\n')).toEqual(want);
    expect(parseDeviceLine('3 MODE 1 IC')).toEqual(want);
    expect(parseDeviceLine('1 *IDN?\n')).toEqual({ kind: 'request', id: 1, verb: '*IDN?', args: [] });
    expect(parseDeviceLine('65535 PING\n')).toEqual({ kind: 'request', id: 65535, verb: 'PING', args: [] });
  });

  it('marks an empty line, which devices ignore', () => {
    expect(parseDeviceLine('\n')).toEqual({ kind: 'empty' });
    expect(parseDeviceLine('\r\n')).toEqual({ kind: 'empty' });
    expect(parseDeviceLine('')).toEqual({ kind: 'empty' });
  });

  it.each([
    ['x PING\n', 'unreadable id'],
    ['0 PING\n', 'id 0'],
    ['65536 PING\n', 'id above 65535'],
    ['007 PING\n', 'leading zeros'],
    [' 5 PING\n', 'leading space'],
    ['! TEL 1\n', 'an event sent to a device'],
    ['\xB5 PING\n', 'non-ASCII id'],
  ])('answers %j with id 0 (%s)', (line) => {
    const r = parseDeviceLine(line);
    expect(r.kind).toBe('invalid');
    expect(r).toMatchObject({ id: 0 });
  });

  it.each([
    ['7 PING\xB5\n', 'byte 0xb5'],
    ['7 PI\tNG\n', 'byte 0x09'],
    ['7 PI\rNG\n', 'byte 0x0d'],
    ['5  PING\n', 'exactly one space'],
    ['5 PING \n', 'exactly one space'],
    ['5\n', 'missing verb'],
    ['5 mode 1 VC\n', 'bad verb'],
    ['5 MO?DE 1\n', 'bad verb'],
  ])('answers %j as malformed with its id (%s)', (line, reason) => {
    const r = parseDeviceLine(line);
    expect(r).toMatchObject({ kind: 'invalid', id: Number(line.slice(0, 1)) });
    expect(r.kind === 'invalid' && r.reason).toContain(reason);
  });

  it('accepts 256 bytes with the LF and refuses 257', () => {
    const ok256 = `9 X ${'a'.repeat(251)}\n`;
    expect(ok256).toHaveLength(256);
    expect(parseDeviceLine(ok256).kind).toBe('request');
    const crlf257 = `9 X ${'a'.repeat(251)}\r\n`;
    expect(parseDeviceLine(crlf257)).toMatchObject({ kind: 'invalid', id: 9 });
    expect(parseDeviceLine(`9 X ${'a'.repeat(252)}\n`)).toMatchObject({ kind: 'invalid', id: 9 });
  });
});

describe('parsing what a host receives', () => {
  it('reads OK replies', () => {
    expect(parseHostLine('3 OK\n')).toEqual({ kind: 'ok', id: 3, values: [] });
    expect(parseHostLine('1 OK PATCHRIG,SIMAMP8,0001,1.0\n')).toEqual({
      kind: 'ok',
      id: 1,
      values: ['PATCHRIG,SIMAMP8,0001,1.0'],
    });
    expect(parseHostLine('25 OK DONE 0 4\r\n')).toEqual({ kind: 'ok', id: 25, values: ['DONE', '0', '4'] });
    expect(parseHostLine('0 OK')).toEqual({ kind: 'ok', id: 0, values: [] });
  });

  it('reads ERR replies, keeping the message verbatim', () => {
    expect(parseHostLine('5 ERR 1 unknown verb FOO\n')).toEqual({ kind: 'err', id: 5, code: 1, message: 'unknown verb FOO' });
    expect(parseHostLine('0 ERR 1 bad id\n')).toEqual({ kind: 'err', id: 0, code: 1, message: 'bad id' });
    expect(parseHostLine('43 ERR 5 busy: AUTO CFAST running\n')).toEqual({
      kind: 'err',
      id: 43,
      code: 5,
      message: 'busy: AUTO CFAST running',
    });
  });

  it('reads events', () => {
    expect(parseHostLine('! RESET\n')).toEqual({ kind: 'event', name: 'RESET', args: [] });
    expect(parseHostLine('! TEL 1 VC 5e8 V/A 1e4 0.02\n')).toEqual({
      kind: 'event',
      name: 'TEL',
      args: ['1', 'VC', '5e8', 'V/A', '1e4', '0.02'],
    });
  });

  it.each([
    ['5 OK  8', 'exactly one space'],
    ['5 OK ', 'exactly one space'],
    ['5 ERR 3', 'code and a message'],
    ['5 ERR', 'code and a message'],
    ['5 ERR x bad', 'bad error code'],
    ['5 ERR 0 zero', 'bad error code'],
    ['5 DONE', 'unknown reply kind'],
    ['5 OKAY', 'unknown reply kind'],
    ['5', 'unknown reply kind'],
    ['!TEL 1', 'bad event'],
    ['! tel 1', 'bad event'],
    ['!', 'bad event'],
    ['! ', 'exactly one space'],
    ['70000 OK', 'bad id'],
    ['05 OK', 'bad id'],
    ['x OK', 'bad id'],
    ['OK', 'bad id'],
    ['', 'empty line'],
    ['5 OK \xB5', 'byte 0xb5'],
  ])('reports %j as invalid (%s)', (line, reason) => {
    const r = parseHostLine(line);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.reason).toContain(reason);
  });

  it('refuses a 257-byte line', () => {
    expect(parseHostLine(`5 OK ${'a'.repeat(250)}\n`).kind).toBe('ok');
    expect(parseHostLine(`5 OK ${'a'.repeat(251)}\n`)).toMatchObject({ kind: 'invalid' });
  });
});

describe('common reply values (Part 1 §7)', () => {
  it('reads *IDN? into a device identity', () => {
    expect(parseIdentity(['PATCHRIG,SIMDAQ8,0001,1.0'])).toEqual({
      ok: true,
      value: { vendor: 'PATCHRIG', model: 'SIMDAQ8', serial: '0001', firmware: '1.0' },
    });
    for (const bad of [['PATCHRIG,SIMAMP8,0001'], ['a,b,c,d,e'], ['a,,c,d'], [], ['a,b,c,d', 'x']]) {
      expect(parseIdentity(bad).ok).toBe(false);
    }
  });

  it('writes an identity as one token', () => {
    expect(formatIdentity({ vendor: 'PATCHRIG', model: 'SIMAMP8', serial: '0001', firmware: '1.0' })).toBe(
      'PATCHRIG,SIMAMP8,0001,1.0',
    );
    expect(() => formatIdentity({ vendor: 'A B', model: 'x', serial: '1', firmware: '1' })).toThrow(RangeError);
  });

  it('reads PROTO? as major.minor', () => {
    expect(parseProtocolVersion(['1.0'])).toEqual({ ok: true, value: { major: 1, minor: 0 } });
    for (const bad of [['1'], ['v1.0'], ['1.0', '2'], []]) expect(parseProtocolVersion(bad).ok).toBe(false);
  });

  it('reads single values strictly', () => {
    expect(parseEmpty([])).toEqual({ ok: true, value: undefined });
    expect(parseEmpty(['1']).ok).toBe(false);
    expect(parseNumberValue(['-5e-11'])).toEqual({ ok: true, value: -5e-11 });
    expect(parseNumberValue(['abc']).ok).toBe(false);
    expect(parseNumberValue(['1', '2']).ok).toBe(false);
    expect(parseBooleanValue(['1'])).toEqual({ ok: true, value: true });
    expect(parseBooleanValue(['2']).ok).toBe(false);
    expect(parseCountValue(['20000'])).toEqual({ ok: true, value: 20000 });
    expect(parseCountValue(['-1']).ok).toBe(false);
  });
});
