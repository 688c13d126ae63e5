/**
 * Pure codec of the patchrig control lines (docs/protocols/patchrig-control-lines.md), shared by
 * host drivers and device simulators. Strings in, strings out: no I/O, no state.
 */
import type { DeviceIdentity } from '../amplifier/amplifier.ts';

/** Longest line, in bytes, counting its LF (and a CR before it, if any). */
export const MAX_LINE_BYTES = 256;
export const MIN_ID = 1;
export const MAX_ID = 65535;
/** Id of a reply to a request whose own id could not be read. */
export const UNKNOWN_ID = 0;

/** Error codes of `<id> ERR <code> <message>` and `! ERROR <code> <message>`. */
export const ErrorCode = {
  MALFORMED: 1,
  BAD_ARGUMENT: 2,
  OUT_OF_RANGE: 3,
  WRONG_STATE: 4,
  BUSY: 5,
  HARDWARE: 6,
  BUFFER: 7,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

const ERROR_NAMES: Readonly<Record<number, ErrorCodeName>> = Object.fromEntries(
  Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorCodeName]),
);

/** Name of a documented error code, or undefined for a code this version does not define. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return ERROR_NAMES[code];
}

/** Result of every parser in the protocol codecs: a typed value or a sentence saying what is wrong. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): Result<T> {
  return { ok: false, error };
}

/** One argument of a request; numbers use `formatNumber`, booleans `0`/`1`. */
export type Arg = string | number | boolean;

/** A request before it gets its id: what the per-device codecs build. */
export interface Command {
  verb: string;
  args: readonly Arg[];
}

export type HostLine =
  | { kind: 'ok'; id: number; values: string[] }
  | { kind: 'err'; id: number; code: number; message: string }
  | { kind: 'event'; name: string; args: string[] }
  | { kind: 'invalid'; reason: string };

export type DeviceLine =
  | { kind: 'request'; id: number; verb: string; args: string[] }
  /** A blank line: devices ignore it silently (hosts send one to flush a partial line). */
  | { kind: 'empty' }
  | { kind: 'invalid'; id: number; reason: string };

// Grammar of the document, §3. Numbers: no leading '+', no bare '.5' or '5.', no hex, no words.
const NUMBER_RE = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const REQUEST_ID_RE = /^[1-9][0-9]{0,4}$/;
const REPLY_ID_RE = /^(0|[1-9][0-9]{0,4})$/;
const CODE_RE = /^[1-9][0-9]{0,2}$/;
const VERB_RE = /^\*?[A-Z][A-Z0-9_]*\??$/;
const EVENT_RE = /^[A-Z][A-Z0-9_]*$/;
const TOKEN_RE = /^[\x21-\x7e]+$/;
const INTEGER_RE = /^(0|[1-9][0-9]*)$/;

/**
 * Shortest text that parses back to exactly `x`: the shorter of the plain and exponent forms,
 * the plain one on a tie (`0.02`, `1e4`, `5e8`, `4e-10`, `100`).
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot format ${x} as a protocol number`);
  if (x === 0) return '0'; // also -0
  const plain = String(x).replace('e+', 'e');
  const exp = x.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}

/** Plain decimal integer, for counts and indices that read better unscaled (`20000`, `262144`). */
export function formatInteger(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${n} is not a safe integer`);
  return String(n === 0 ? 0 : n);
}

/** Strict number syntax (decimal or exponent form); undefined for anything else or an overflow. */
export function parseNumber(token: string): number | undefined {
  if (!NUMBER_RE.test(token)) return undefined;
  const x = Number(token);
  if (!Number.isFinite(x)) return undefined;
  return x === 0 ? 0 : x;
}

/**
 * A count or index: any number syntax whose value is a non-negative safe integer (`20000`, `2e4`).
 * Receivers accept both forms; senders write plain integers.
 */
export function parseCount(token: string): number | undefined {
  const x = parseNumber(token);
  return x !== undefined && Number.isSafeInteger(x) && x >= 0 ? x : undefined;
}

/** Boolean argument or value: exactly `0` or `1`. */
export function parseBoolean(token: string): boolean | undefined {
  if (token === '1') return true;
  if (token === '0') return false;
  return undefined;
}

/** The id after `id`, wrapping 65535 → 1 (0 is never a request id). */
export function nextId(id: number): number {
  return id >= MAX_ID || id < MIN_ID ? MIN_ID : id + 1;
}

export function isValidToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

function formatArg(a: Arg): string {
  if (typeof a === 'number') return formatNumber(a);
  if (typeof a === 'boolean') return a ? '1' : '0';
  if (!TOKEN_RE.test(a)) {
    throw new RangeError(`argument ${JSON.stringify(a)} is not a token (printable ASCII, no spaces)`);
  }
  return a;
}

function checkId(id: number, min: number): void {
  if (!Number.isInteger(id) || id < min || id > MAX_ID) {
    throw new RangeError(`id ${id} is outside ${min}..${MAX_ID}`);
  }
}

function finish(text: string): string {
  const line = `${text}\n`;
  if (line.length > MAX_LINE_BYTES) {
    throw new RangeError(`line of ${line.length} bytes exceeds ${MAX_LINE_BYTES}: ${text.slice(0, 40)}…`);
  }
  return line;
}

function join(head: string, tokens: readonly Arg[]): string {
  return tokens.length === 0 ? head : `${head} ${tokens.map(formatArg).join(' ')}`;
}

/** `<id> <VERB> [args]\n`. Throws RangeError on a bad id, verb or argument, or a line over 256 bytes. */
export function encodeRequest(id: number, verb: string, args: readonly Arg[] = []): string {
  checkId(id, MIN_ID);
  if (!VERB_RE.test(verb)) throw new RangeError(`bad verb ${JSON.stringify(verb)}`);
  return finish(join(`${id} ${verb}`, args));
}

/** `encodeRequest` for a `Command` built by a device codec. */
export function encodeCommand(id: number, cmd: Command): string {
  return encodeRequest(id, cmd.verb, cmd.args);
}

/** `<id> OK [values]\n`; id 0 is allowed (reply to an unreadable id). */
export function encodeOk(id: number, values: readonly Arg[] = []): string {
  checkId(id, UNKNOWN_ID);
  return finish(join(`${id} OK`, values));
}

/** `<id> ERR <code> <message>\n`; the message is free printable ASCII text, spaces allowed. */
export function encodeErr(id: number, code: number, message: string): string {
  checkId(id, UNKNOWN_ID);
  if (!CODE_RE.test(String(code))) throw new RangeError(`bad error code ${code}`);
  if (!/^[\x20-\x7e]+$/.test(message)) {
    throw new RangeError(`error message must be non-empty printable ASCII: ${JSON.stringify(message)}`);
  }
  return finish(`${id} ERR ${code} ${message}`);
}

/** `! <NAME> [args]\n`. */
export function encodeEvent(name: string, args: readonly Arg[] = []): string {
  if (!EVENT_RE.test(name)) throw new RangeError(`bad event name ${JSON.stringify(name)}`);
  return finish(join(`! ${name}`, args));
}

/** Splits a free message into event argument tokens (for `! ERROR <code> <message>`). */
export function messageTokens(message: string): string[] {
  const tokens = message.split(' ');
  if (message.length === 0 || !tokens.every((t) => TOKEN_RE.test(t))) {
    throw new RangeError(`message must be printable ASCII words separated by single spaces: ${JSON.stringify(message)}`);
  }
  return tokens;
}

/** Strips the terminator and checks what every line must satisfy; returns the content or a reason. */
function checkLine(raw: string): { text: string } | { reason: string } {
  let text = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  const hadCr = text.endsWith('\r');
  if (hadCr) text = text.slice(0, -1);
  const bytes = text.length + (hadCr ? 1 : 0) + 1;
  if (bytes > MAX_LINE_BYTES) return { reason: `line too long (${bytes} bytes, max ${MAX_LINE_BYTES})` };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      return { reason: `byte 0x${c.toString(16).padStart(2, '0')} at column ${i + 1} is not printable 7-bit ASCII` };
    }
  }
  return { text };
}

function splitTokens(text: string): string[] | undefined {
  const tokens = text.split(' ');
  return tokens.every((t) => t.length > 0) ? tokens : undefined;
}

/** Parses a line a device received (with or without its LF/CRLF). */
export function parseDeviceLine(line: string): DeviceLine {
  const space = line.indexOf(' ');
  const head = space < 0 ? line.replace(/\r?\n?$/, '') : line.slice(0, space);
  const id = REQUEST_ID_RE.test(head) && Number(head) <= MAX_ID ? Number(head) : UNKNOWN_ID;

  const checked = checkLine(line);
  if ('reason' in checked) return { kind: 'invalid', id, reason: checked.reason };
  const { text } = checked;
  if (text.length === 0) return { kind: 'empty' };
  const tokens = splitTokens(text);
  if (!tokens) return { kind: 'invalid', id, reason: 'tokens must be separated by exactly one space' };
  if (id === UNKNOWN_ID) return { kind: 'invalid', id, reason: `bad id ${JSON.stringify(head)} (expected 1..65535)` };
  const [, verb, ...args] = tokens;
  if (verb === undefined) return { kind: 'invalid', id, reason: 'missing verb' };
  if (!VERB_RE.test(verb)) return { kind: 'invalid', id, reason: `bad verb ${JSON.stringify(verb)}` };
  return { kind: 'request', id, verb, args };
}

/** Parses a line a host received from a device (with or without its LF/CRLF). */
export function parseHostLine(line: string): HostLine {
  const checked = checkLine(line);
  if ('reason' in checked) return { kind: 'invalid', reason: checked.reason };
  const { text } = checked;
  if (text.length === 0) return { kind: 'invalid', reason: 'empty line' };

  if (text.startsWith('!')) {
    const tokens = splitTokens(text);
    if (!tokens) return { kind: 'invalid', reason: 'tokens must be separated by exactly one space' };
    const [bang, name, ...args] = tokens;
    if (bang !== '!' || name === undefined || !EVENT_RE.test(name)) {
      return { kind: 'invalid', reason: `bad event ${JSON.stringify(text)}` };
    }
    return { kind: 'event', name, args };
  }

  const firstSpace = text.indexOf(' ');
  const idText = firstSpace < 0 ? text : text.slice(0, firstSpace);
  if (!REPLY_ID_RE.test(idText) || Number(idText) > MAX_ID) {
    return { kind: 'invalid', reason: `bad id ${JSON.stringify(idText)} (expected 0..65535)` };
  }
  const id = Number(idText);
  const rest = firstSpace < 0 ? '' : text.slice(firstSpace + 1);

  if (rest === 'OK' || rest.startsWith('OK ')) {
    const values = rest === 'OK' ? [] : splitTokens(rest.slice(3));
    if (!values) return { kind: 'invalid', reason: 'tokens must be separated by exactly one space' };
    return { kind: 'ok', id, values };
  }
  if (rest === 'ERR' || rest.startsWith('ERR ')) {
    // The message is the rest of the line, verbatim: it is free text and may contain spaces.
    const m = /^ERR ([^ ]+) (.+)$/.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined) return { kind: 'invalid', reason: 'ERR needs a code and a message' };
    if (!CODE_RE.test(m[1])) return { kind: 'invalid', reason: `bad error code ${JSON.stringify(m[1])}` };
    return { kind: 'err', id, code: Number(m[1]), message: m[2] };
  }
  const kind = rest.split(' ')[0] ?? '';
  return { kind: 'invalid', reason: `unknown reply kind ${JSON.stringify(kind)} (expected OK or ERR)` };
}

// ---- common verbs (both devices) ----

export const identityQuery = (): Command => ({ verb: '*IDN?', args: [] });
export const resetCommand = (): Command => ({ verb: '*RST', args: [] });
export const pingCommand = (): Command => ({ verb: 'PING', args: [] });
export const protocolQuery = (): Command => ({ verb: 'PROTO?', args: [] });

/** The version this codec speaks; `PROTO?` replies with it. */
export const PROTOCOL_VERSION = '1.0';

/** `*IDN?` values: one token `vendor,model,serial,firmware`, four non-empty fields. */
export function parseIdentity(values: readonly string[]): Result<DeviceIdentity> {
  if (values.length !== 1 || values[0] === undefined) return fail(`*IDN? expects 1 value, got ${values.length}`);
  const fields = values[0].split(',');
  const [vendor, model, serial, firmware] = fields;
  if (fields.length !== 4 || !vendor || !model || !serial || !firmware) {
    return fail(`*IDN? value ${JSON.stringify(values[0])} is not vendor,model,serial,firmware`);
  }
  return ok({ vendor, model, serial, firmware });
}

/** The `*IDN?` value token for a device identity. */
export function formatIdentity(idn: DeviceIdentity): string {
  const fields = [idn.vendor, idn.model, idn.serial, idn.firmware];
  if (!fields.every((f) => f.length > 0 && TOKEN_RE.test(f) && !f.includes(','))) {
    throw new RangeError(`identity fields must be non-empty tokens without commas: ${fields.join('|')}`);
  }
  return fields.join(',');
}

/** `PROTO?` value: `major.minor`. */
export function parseProtocolVersion(values: readonly string[]): Result<{ major: number; minor: number }> {
  const m = values.length === 1 ? /^([0-9]+)\.([0-9]+)$/.exec(values[0] ?? '') : null;
  if (!m) return fail(`PROTO? expects one value major.minor, got ${JSON.stringify(values.join(' '))}`);
  return ok({ major: Number(m[1]), minor: Number(m[2]) });
}

/** A reply with no values (setters, `PING`, `*RST`). */
export function parseEmpty(values: readonly string[]): Result<void> {
  return values.length === 0 ? ok(undefined) : fail(`expected no values, got ${JSON.stringify(values.join(' '))}`);
}

/** Exactly one number. */
export function parseNumberValue(values: readonly string[]): Result<number> {
  if (values.length !== 1 || values[0] === undefined) return fail(`expected 1 number, got ${values.length} values`);
  const x = parseNumber(values[0]);
  return x === undefined ? fail(`${JSON.stringify(values[0])} is not a number`) : ok(x);
}

/** Exactly one `0`/`1`. */
export function parseBooleanValue(values: readonly string[]): Result<boolean> {
  if (values.length !== 1 || values[0] === undefined) return fail(`expected 1 boolean, got ${values.length} values`);
  const b = parseBoolean(values[0]);
  return b === undefined ? fail(`${JSON.stringify(values[0])} is not 0 or 1`) : ok(b);
}

/** Exactly one count (non-negative integer). */
export function parseCountValue(values: readonly string[]): Result<number> {
  if (values.length !== 1 || values[0] === undefined) return fail(`expected 1 integer, got ${values.length} values`);
  const n = parseCount(values[0]);
  return n === undefined ? fail(`${JSON.stringify(values[0])} is not a non-negative integer`) : ok(n);
}

/** Integer check for `INTEGER_RE`-strict fields that must not use exponent form. */
export function isPlainInteger(token: string): boolean {
  return INTEGER_RE.test(token);
}
