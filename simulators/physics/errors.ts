/**
 * A physics parameter outside its physical (or numerically safe) range. The message names the
 * parameter, the value received and the allowed range, so a user can fix a config in one go.
 */
export class PhysicsParameterError extends RangeError {
  readonly code = 'PHYSICS_PARAMETER_OUT_OF_RANGE';
  constructor(
    readonly parameter: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${parameter} = ${String(value)} is outside its allowed range ${allowed}`);
    this.name = 'PhysicsParameterError';
  }
}

/** Formats an SI value with a unit for messages (1e-11 F → "1e-11 F"). */
function describeRange(min: number, max: number, unit: string, minOpen: boolean, maxOpen: boolean): string {
  return `${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'} ${unit}`.trim();
}

/**
 * Throws unless `value` is a number in the range (NaN always fails). `minOpen` makes the lower
 * bound exclusive (e.g. capacitance > 0).
 */
export function requireInRange(
  parameter: string,
  value: number,
  min: number,
  max: number,
  unit: string,
  opts: { minOpen?: boolean; maxOpen?: boolean } = {},
): number {
  const minOpen = opts.minOpen ?? false;
  const maxOpen = opts.maxOpen ?? false;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (minOpen ? value > min : value >= min) &&
    (maxOpen ? value < max : value <= max);
  if (!ok) throw new PhysicsParameterError(parameter, value, describeRange(min, max, unit, minOpen, maxOpen));
  return value;
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(parameter: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PhysicsParameterError(parameter, value, `integers in [${min}, ${max}]`);
  }
  return value;
}

/** Sample intervals the preparations accept: 1 kHz … 10 MHz acquisition. */
export const MIN_SAMPLE_INTERVAL = 1e-7;
export const MAX_SAMPLE_INTERVAL = 1e-3;

export function requireSampleInterval(dt: number): number {
  return requireInRange('dt', dt, MIN_SAMPLE_INTERVAL, MAX_SAMPLE_INTERVAL, 's');
}
