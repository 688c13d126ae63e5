/**
 * SI values (what the service sends) to the units a rig user reads: mV, pA, MΩ, pF, ms. One place
 * decides, so every view shows the same number the same way.
 */
export type ClampMode = 'VC' | 'IC' | 'I=0';
export type Signal = 'command' | 'response';

export interface DisplayUnit {
  unit: string;
  /** Multiply an SI value by this to get the display value. */
  scale: number;
}

export const MILLIVOLT: DisplayUnit = { unit: 'mV', scale: 1e3 };
export const PICOAMP: DisplayUnit = { unit: 'pA', scale: 1e12 };

/** VC commands volts and records amps; IC and I=0 inject amps and record volts. */
export function traceUnit(mode: ClampMode, signal: Signal): DisplayUnit {
  const voltage = (mode === 'VC') === (signal === 'command');
  return voltage ? MILLIVOLT : PICOAMP;
}

const DASH = '–';

function fixed(x: number, digits: number): string {
  // Avoid "-0.0": a reading that rounds to zero is zero.
  const s = x.toFixed(digits);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/** Digits for ~3 significant figures without switching to exponent notation. */
function sig3(x: number): string {
  const a = Math.abs(x);
  return fixed(x, a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

export function formatResistance(ohm: number | undefined | null): string {
  if (ohm === undefined || ohm === null || !Number.isFinite(ohm)) return `${DASH} MΩ`;
  // Seals are read in GΩ (Clampex Patch, ACQ4 Patch); cells in MΩ.
  if (Math.abs(ohm) >= 1e9) return `${sig3(ohm / 1e9)} GΩ`;
  return `${sig3(ohm / 1e6)} MΩ`;
}

export function formatCapacitance(farad: number | undefined | null): string {
  if (farad === undefined || farad === null || !Number.isFinite(farad)) return `${DASH} pF`;
  return `${sig3(farad * 1e12)} pF`;
}

export function formatCurrent(amp: number | undefined | null): string {
  if (amp === undefined || amp === null || !Number.isFinite(amp)) return `${DASH} pA`;
  return `${sig3(amp * 1e12)} pA`;
}

export function formatVoltage(volt: number | undefined | null): string {
  if (volt === undefined || volt === null || !Number.isFinite(volt)) return `${DASH} mV`;
  return `${sig3(volt * 1e3)} mV`;
}

export function formatTime(s: number | undefined | null): string {
  if (s === undefined || s === null || !Number.isFinite(s)) return `${DASH} ms`;
  if (Math.abs(s) >= 1) return `${sig3(s)} s`;
  return `${sig3(s * 1e3)} ms`;
}

/** "0.3 s", "12 s", "4 min", "2 h": how old the last value is. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** "1:05" for a countdown; "0:00" once due. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** The largest 1-2-5 step not above `x` (scale bars, tick spacing). */
export function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 0;
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/** A parameter's SI unit as the form shows it: volts as mV, amps as pA; other units as they are. */
export function parameterUnit(siUnit: string | undefined): DisplayUnit & { si: string } {
  if (siUnit === 'V') return { ...MILLIVOLT, si: 'V' };
  if (siUnit === 'A') return { ...PICOAMP, si: 'A' };
  return { unit: siUnit === '1' || siUnit === undefined ? '' : siUnit, scale: 1, si: siUnit ?? '' };
}
