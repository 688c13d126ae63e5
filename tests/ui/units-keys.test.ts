import { describe, expect, it } from 'vitest';
import { keyAction } from '../../ui/src/keys.ts';
import { formatAge, formatCapacitance, formatCountdown, formatCurrent, formatResistance, formatTime, formatVoltage, niceStep, traceUnit } from '../../ui/src/units.ts';

describe('units on screen: mV, pA, MΩ, pF', () => {
  it('follows the clamp mode: VC records pA and commands mV, IC and I=0 the reverse', () => {
    expect(traceUnit('VC', 'response')).toEqual({ unit: 'pA', scale: 1e12 });
    expect(traceUnit('VC', 'command')).toEqual({ unit: 'mV', scale: 1e3 });
    expect(traceUnit('IC', 'response').unit).toBe('mV');
    expect(traceUnit('I=0', 'response').unit).toBe('mV');
    expect(traceUnit('IC', 'command').unit).toBe('pA');
  });

  it('formats readings with three significant figures and their unit', () => {
    expect(formatResistance(12.345e6)).toBe('12.3 MΩ');
    expect(formatResistance(2.5e9)).toBe('2.50 GΩ');
    expect(formatResistance(null)).toBe('– MΩ');
    expect(formatCapacitance(33.3e-12)).toBe('33.3 pF');
    expect(formatCurrent(-125.4e-12)).toBe('-125 pA');
    expect(formatCurrent(-0.001e-12)).toBe('0.00 pA');
    expect(formatVoltage(-0.0702)).toBe('-70.2 mV');
    expect(formatTime(0.0042)).toBe('4.20 ms');
    expect(formatTime(NaN)).toBe('– ms');
  });

  it('says how old a value is and counts down', () => {
    expect(formatAge(300)).toBe('0.3 s');
    expect(formatAge(45_000)).toBe('45 s');
    expect(formatAge(600_000)).toBe('10 min');
    expect(formatCountdown(65_000)).toBe('1:05');
    expect(formatCountdown(-5)).toBe('0:00');
  });

  it('picks 1-2-5 scale-bar lengths not longer than asked', () => {
    expect(niceStep(0.37)).toBeCloseTo(0.2, 12);
    expect(niceStep(7)).toBe(5);
    expect(niceStep(120)).toBe(100);
    expect(niceStep(0)).toBe(0);
  });
});

describe('keyboard map', () => {
  it('maps the documented keys', () => {
    expect(keyAction({ key: '3' })).toEqual({ kind: 'select', headstage: 2 });
    expect(keyAction({ key: 'v' })).toEqual({ kind: 'mode', mode: 'VC' });
    expect(keyAction({ key: 'I' })).toEqual({ kind: 'mode', mode: 'IC' });
    expect(keyAction({ key: '0' })).toEqual({ kind: 'mode', mode: 'I=0' });
    expect(keyAction({ key: ' ' })).toEqual({ kind: 'pauseResume' });
    expect(keyAction({ key: 'Escape' })).toEqual({ kind: 'abort' });
    expect(keyAction({ key: 's' })).toEqual({ kind: 'step' });
    expect(keyAction({ key: 't' })).toEqual({ kind: 'testPulse' });
    expect(keyAction({ key: 'a' })).toEqual({ kind: 'autoscaleAll' });
    expect(keyAction({ key: '?' })).toEqual({ kind: 'help' });
  });

  it('leaves typing, browser shortcuts and missing headstages alone', () => {
    expect(keyAction({ key: 'v', inEditable: true })).toBeUndefined();
    expect(keyAction({ key: ' ', inEditable: true })).toBeUndefined();
    expect(keyAction({ key: 'r', ctrlKey: true })).toBeUndefined();
    expect(keyAction({ key: '1', metaKey: true })).toBeUndefined();
    expect(keyAction({ key: '9' })).toBeUndefined();
    expect(keyAction({ key: '5' }, 4)).toBeUndefined();
  });
});
