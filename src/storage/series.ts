import type { ClampMode } from '../core/clamp.ts';
import type { ParamValue, Sweep, SweepChannel } from '../core/sweep.ts';
import type { H5Out } from './h5-file.ts';
import type { HeadstageInfo } from './metadata.ts';

/**
 * The PatchClampSeries of one headstage in one sweep (nwb.md §2.2): the response under
 * /acquisition and the stimulus under /stimulus/presentation (none in I=0), SI float32 data with
 * conversion 1, the settings in force as the schema's optional datasets and as JSON comments.
 */

interface SeriesKind {
  response: string;
  responseUnit: 'volts' | 'amperes';
  stimulus?: string;
  stimulusUnit?: 'volts' | 'amperes';
}

export const SERIES_KIND: Record<ClampMode, SeriesKind> = {
  VC: { response: 'VoltageClampSeries', responseUnit: 'amperes', stimulus: 'VoltageClampStimulusSeries', stimulusUnit: 'volts' },
  IC: { response: 'CurrentClampSeries', responseUnit: 'volts', stimulus: 'CurrentClampStimulusSeries', stimulusUnit: 'amperes' },
  'I=0': { response: 'IZeroClampSeries', responseUnit: 'volts' },
};

export const MODE_CODE: Record<ClampMode, number> = { VC: 0, IC: 1, 'I=0': 2 };
export const MODE_OF_CODE: readonly ClampMode[] = ['VC', 'IC', 'I=0'];

export function electrodePath(headstage: number): string {
  return `/general/intracellular_ephys/electrode_${headstage}`;
}

/** Zero-padded so that lexical order is acquisition order. */
export function seriesBase(sweep: number, headstage: number): string {
  return `sweep_${String(sweep).padStart(5, '0')}_hs${headstage}`;
}

export interface WrittenSeries {
  headstage: number;
  response: string;
  /** Absent in I=0 (no command reaches the cell). */
  stimulus?: string;
  samples: number;
  rate: number;
}

function num(device: Record<string, ParamValue>, key: string): number | undefined {
  const v = device[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function on(device: Record<string, ParamValue>, key: string): boolean {
  return device[key] === true || device[key] === 1;
}

export function writeChannel(
  out: H5Out,
  sweep: Sweep,
  ch: SweepChannel,
  startingTime: number,
  hs: HeadstageInfo,
  gzip: number | undefined,
): WrittenSeries {
  const kind = SERIES_KIND[ch.mode];
  const base = seriesBase(sweep.index, ch.headstage);
  const response = `/acquisition/${base}`;
  const common = { sweep, ch, startingTime, gzip };
  const outScale = ch.settings.outputScale;
  writeSeries(out, response, kind.response, kind.responseUnit, {
    ...common,
    data: ch.response,
    gain: outScale,
    resolution: hs.adcVoltsPerCount && outScale > 0 ? hs.adcVoltsPerCount / outScale : -1,
    description: `${ch.mode === 'VC' ? 'membrane current' : 'membrane potential'} of headstage ${ch.headstage}, sweep ${sweep.index}; gain = primary output scale (${ch.mode === 'VC' ? 'V/A' : 'V/V'})`,
  });
  writeModeSettings(out, response, ch);
  if (!kind.stimulus || !kind.stimulusUnit) return { headstage: ch.headstage, response, samples: ch.response.length, rate: sweep.sampleRate };
  const stimulus = `/stimulus/presentation/${base}_stim`;
  const sens = ch.settings.commandSensitivity;
  writeSeries(out, stimulus, kind.stimulus, kind.stimulusUnit, {
    ...common,
    data: ch.command,
    gain: sens,
    resolution: hs.dacVoltsPerCount ? hs.dacVoltsPerCount * sens : -1,
    description: `command of headstage ${ch.headstage}, sweep ${sweep.index} (holding + stimulus × scale + test pulse); gain = external command sensitivity (${ch.mode === 'VC' ? 'V/V' : 'A/V'})`,
  });
  return { headstage: ch.headstage, response, stimulus, samples: ch.response.length, rate: sweep.sampleRate };
}

interface SeriesArgs {
  sweep: Sweep;
  ch: SweepChannel;
  startingTime: number;
  gzip: number | undefined;
  data: Float32Array;
  gain: number;
  resolution: number;
  description: string;
}

function writeSeries(out: H5Out, path: string, type: string, unit: string, a: SeriesArgs): void {
  out.group(path, type);
  out.text(path, 'description', a.description);
  out.text(path, 'comments', JSON.stringify({ protocol: a.sweep.protocol, settings: a.ch.settings }));
  out.text(path, 'stimulus_description', a.ch.mode === 'I=0' ? 'N/A' : a.sweep.stimulusName);
  out.num(path, 'sweep_number', a.sweep.index, '<I');
  out.array(`${path}/data`, a.data, a.gzip ? { gzip: a.gzip } : { chunk: a.data.length });
  out.text(`${path}/data`, 'unit', unit);
  out.num(`${path}/data`, 'conversion', 1, '<f');
  out.num(`${path}/data`, 'offset', 0, '<f');
  out.num(`${path}/data`, 'resolution', a.resolution, '<f');
  out.text(`${path}/data`, 'continuity', 'continuous');
  out.scalar(`${path}/starting_time`, a.startingTime, '<d');
  out.num(`${path}/starting_time`, 'rate', a.sweep.sampleRate, '<f');
  out.text(`${path}/starting_time`, 'unit', 'seconds');
  out.scalar(`${path}/gain`, a.gain, '<f');
  out.softLink(electrodePath(a.ch.headstage), `${path}/electrode`);
}

/**
 * The schema's optional per-mode datasets, from the amplifier state keys of patchrig-amp/1
 * (BRIDGE, NEUT, CFAST, …); written only when the compensation is enabled, as MIES does.
 */
function writeModeSettings(out: H5Out, path: string, ch: SweepChannel): void {
  const d = ch.settings.device;
  const f32 = (name: string, v: number | undefined, unit?: string) => {
    if (v === undefined) return;
    out.scalar(`${path}/${name}`, v, '<f');
    if (unit) out.text(`${path}/${name}`, 'unit', unit);
  };
  if (ch.mode === 'I=0') {
    // Fixed to 0 by the schema: no current is injected in I=0.
    f32('bias_current', 0);
    f32('bridge_balance', 0);
    f32('capacitance_compensation', 0);
  } else if (ch.mode === 'IC') {
    f32('bias_current', ch.holding);
    if (on(d, 'BRIDGEEN')) f32('bridge_balance', num(d, 'BRIDGE'));
    f32('capacitance_compensation', num(d, 'NEUT'));
  } else {
    f32('capacitance_fast', num(d, 'CFAST'), 'farads');
    f32('capacitance_slow', num(d, 'CSLOW'), 'farads');
    if (on(d, 'RSCOMPEN')) {
      f32('resistance_comp_bandwidth', num(d, 'RSBW'), 'hertz');
      f32('resistance_comp_correction', num(d, 'RSCOMP'), 'percent');
      f32('resistance_comp_prediction', num(d, 'RSPRED'), 'percent');
    }
    if (on(d, 'WCCOMPEN')) {
      f32('whole_cell_capacitance_comp', num(d, 'WCCAP'), 'farads');
      f32('whole_cell_series_resistance_comp', num(d, 'WCRES'), 'ohms');
    }
  }
}
