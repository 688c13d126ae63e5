import type { Sweep, SweepChannel } from '../core/sweep.ts';
import type { H5Out } from './h5-file.ts';
import type { CellInfo } from './metadata.ts';
import { MODE_CODE, type WrittenSeries, electrodePath } from './series.ts';
import { DynTable } from './table.ts';

/**
 * The icephys table hierarchy (nwb.md §3), grown sweep by sweep:
 * recordings (one row per headstage per sweep) → simultaneous (one per sweep) → sequential (a run
 * of sweeps of one stimulus) → repetitions (a pass through the protocol, `parameters.repetition`)
 * → experimental conditions (protocol × clamp mode × holding of every headstage). A higher level
 * groups consecutive rows of the level below. Rows are never rewritten (see table.ts), so a
 * grouping row is written once its group is complete: when a sweep starts another group, and at
 * `finish()`. After a crash the newest groups are missing from the three upper tables; every sweep
 * keeps its recordings, simultaneous row and sweep-level columns (protocol, stimulus, parameters).
 * Per-recording metadata (mode, holding, scale, settings, test pulse, QC) are extra columns.
 */

export const IR = '/general/intracellular_ephys/intracellular_recordings';
export const SIM = '/general/intracellular_ephys/simultaneous_recordings';
export const SEQ = '/general/intracellular_ephys/sequential_recordings';
export const REP = '/general/intracellular_ephys/repetitions';
export const COND = '/general/intracellular_ephys/experimental_conditions';

const IR_DESCRIPTION =
  'A table to group together a stimulus and response from a single electrode and a single simultaneous recording and for storing metadata about the intracellular recording.';

const d = (name: string, description: string, kind: '<d' | '<I' | '<i' | '<B' | '<b' | 'text') => ({ name, description, kind });

export const RECORDING_COLUMNS = [
  d('sweep_number', 'patchrig sweep number of the recording', '<I'),
  d('headstage', 'headstage number (0-based)', '<i'),
  d('clamp_mode', 'clamp mode: 0 = VC, 1 = IC, 2 = I=0', '<B'),
  d('holding', 'holding level in force (V in VC, A in IC)', '<d'),
  d('stim_scale', 'stimulus scale factor applied to the protocol waveform', '<d'),
  d('output_scale', 'amplifier primary output scale (V/A in VC, V/V in IC)', '<d'),
  d('command_sensitivity', 'amplifier external command sensitivity (V/V in VC, A/V in IC)', '<d'),
  d('lpf', 'primary output low-pass cutoff (Hz)', '<d'),
  d('tp_access_resistance', 'test-pulse access resistance (ohms); NaN when not measured', '<d'),
  d('tp_input_resistance', 'test-pulse input resistance (ohms); NaN when not measured', '<d'),
  d('tp_capacitance', 'test-pulse membrane capacitance (farads); NaN when not measured', '<d'),
  d('qc_pass', 'sweep QC of this recording: 1 pass, 0 fail, -1 not run', '<b'),
  d('qc', 'QC checks as JSON ({pass, checks}); empty when not run', 'text'),
  d('amplifier_settings', 'every amplifier setting in force, as JSON (device keys)', 'text'),
];

function region(name: string, table: string, description: string) {
  return { name, description, kind: 'region' as const, ragged: true, table };
}

export class IcephysTables {
  private readonly cells: Map<number, CellInfo>;
  readonly recordings: DynTable;
  private readonly electrodes: DynTable;
  private readonly stimuli: DynTable;
  private readonly responses: DynTable;
  private readonly simultaneous: DynTable;
  private readonly sequential: DynTable;
  private readonly repetitions: DynTable;
  private readonly conditions: DynTable;
  private last: { seq: string; rep: string; cond: string } | undefined;
  /** Groups not written yet: the simultaneous rows of the current stimulus run, etc. */
  private pending = {
    seq: { rows: [] as number[], stimulus: '' },
    rep: { rows: [] as number[], repetition: -1 },
    cond: { rows: [] as number[], protocol: '', clamp: '', parameters: '' },
  };

  constructor(out: H5Out, cells: CellInfo[]) {
    this.cells = new Map(cells.map((c) => [c.headstage, c]));
    this.recordings = new DynTable(out, IR, {
      type: 'IntracellularRecordingsTable',
      ns: 'core',
      description: IR_DESCRIPTION,
      columns: RECORDING_COLUMNS,
      attrs: (o, p) => o.text(p, 'categories', ['electrodes', 'stimuli', 'responses']),
    });
    this.electrodes = new DynTable(out, `${IR}/electrodes`, {
      type: 'IntracellularElectrodesTable',
      ns: 'core',
      description: 'Table for storing intracellular electrode related metadata.',
      columns: [
        { name: 'electrode', description: 'the intracellular electrode of the recording', kind: 'ref' },
        { name: 'cell_id', description: 'the cell patched by the electrode (empty when not named)', kind: 'text' },
        { name: 'cell_subclass', description: 'subclass label of the cell (empty when unknown)', kind: 'text' },
      ],
    });
    this.stimuli = new DynTable(out, `${IR}/stimuli`, {
      type: 'IntracellularStimuliTable',
      ns: 'core',
      description: 'Table for storing intracellular stimulus related metadata.',
      columns: [{ name: 'stimulus', description: 'the stimulus series of the recording (the response with -1/-1 in I=0)', kind: 'tsref', type: 'TimeSeriesReferenceVectorData' }],
    });
    this.responses = new DynTable(out, `${IR}/responses`, {
      type: 'IntracellularResponsesTable',
      ns: 'core',
      description: 'Table for storing intracellular response related metadata.',
      columns: [{ name: 'response', description: 'the response series of the recording', kind: 'tsref', type: 'TimeSeriesReferenceVectorData' }],
    });
    this.simultaneous = new DynTable(out, SIM, {
      type: 'SimultaneousRecordingsTable',
      ns: 'core',
      description: 'one row per sweep: the recordings of all headstages acquired together',
      columns: [
        region('recordings', IR, 'the recordings of this sweep'),
        d('sweep_number', 'patchrig sweep number', '<I'),
        d('protocol', 'protocol that produced the sweep', 'text'),
        d('stimulus_name', 'stimulus of the sweep', 'text'),
        d('sweep_start_time', 'ISO 8601 time of the first sample', 'text'),
        d('sample_rate', 'sample rate (Hz), exact', '<d'),
        d('aborted', '1 when the sweep was stopped before its last sample', '<B'),
        d('parameters', 'protocol parameters resolved for this sweep, as JSON', 'text'),
        d('pulse_qc', 'per-pulse QC (synphys §7.2): one {pre, post, pulse, spikes, exPass, inPass, failed} per presynaptic pulse and postsynaptic headstage, as JSON', 'text'),
      ],
    });
    this.sequential = new DynTable(out, SEQ, {
      type: 'SequentialRecordingsTable',
      ns: 'core',
      description: 'consecutive sweeps of one stimulus',
      columns: [region('simultaneous_recordings', SIM, 'the sweeps of this run'), d('stimulus_type', 'stimulus name', 'text')],
    });
    this.repetitions = new DynTable(out, REP, {
      type: 'RepetitionsTable',
      ns: 'core',
      description: 'one pass through the stimuli of a protocol (parameters.repetition)',
      columns: [region('sequential_recordings', SEQ, 'the stimulus runs of this repetition'), d('repetition', 'repetition number (-1 when the protocol has none)', '<d')],
    });
    this.conditions = new DynTable(out, COND, {
      type: 'ExperimentalConditionsTable',
      ns: 'core',
      description: 'protocol and clamp conditions (mode and holding of every headstage)',
      columns: [
        region('repetitions', REP, 'the repetitions under this condition'),
        d('protocol', 'protocol name', 'text'),
        d('clamp_conditions', 'clamp mode and holding of every headstage, as JSON', 'text'),
        d('parameters', 'protocol parameters when the condition began, as JSON', 'text'),
      ],
    });
  }

  /** Adds the rows of one sweep whose series are written. */
  append(sweep: Sweep, series: WrittenSeries[]): void {
    const rows = this.appendRecordings(sweep, series);
    const simRow = this.simultaneous.append({
      recordings: rows,
      sweep_number: sweep.index,
      protocol: sweep.protocol,
      stimulus_name: sweep.stimulusName,
      sweep_start_time: sweep.startTime,
      sample_rate: sweep.sampleRate,
      aborted: sweep.aborted ? 1 : 0,
      parameters: JSON.stringify(sweep.parameters),
      pulse_qc: JSON.stringify(sweep.pulseQc ?? []),
    });
    const clamp = JSON.stringify(sweep.channels.map((c) => ({ headstage: c.headstage, mode: c.mode, holding: c.holding })));
    const cond = JSON.stringify([sweep.protocol, clamp]);
    const repetition = typeof sweep.parameters.repetition === 'number' ? sweep.parameters.repetition : -1;
    const rep = `${cond}|${repetition}`;
    const seq = `${rep}|${sweep.stimulusName}`;
    const last = this.last;
    this.last = { seq, rep, cond };
    const p = this.pending;
    if (last && last.seq !== seq) this.commitSeq();
    if (last && last.rep !== rep) this.commitRep();
    if (last && last.cond !== cond) this.commitCond();
    if (p.seq.rows.length === 0) p.seq.stimulus = sweep.stimulusName;
    if (p.rep.rows.length === 0) p.rep.repetition = repetition;
    if (p.cond.rows.length === 0) Object.assign(p.cond, { protocol: sweep.protocol, clamp, parameters: JSON.stringify(sweep.parameters) });
    p.seq.rows.push(simRow);
  }

  /** Writes the grouping rows still open (at the end of the experiment). */
  finish(): void {
    this.commitSeq();
    this.commitRep();
    this.commitCond();
  }

  private commitSeq(): void {
    const p = this.pending;
    if (p.seq.rows.length === 0) return;
    p.rep.rows.push(this.sequential.append({ simultaneous_recordings: p.seq.rows, stimulus_type: p.seq.stimulus }));
    p.seq.rows = [];
  }

  private commitRep(): void {
    const p = this.pending;
    if (p.rep.rows.length === 0) return;
    p.cond.rows.push(this.repetitions.append({ sequential_recordings: p.rep.rows, repetition: p.rep.repetition }));
    p.rep.rows = [];
  }

  private commitCond(): void {
    const c = this.pending.cond;
    if (c.rows.length === 0) return;
    this.conditions.append({ repetitions: c.rows, protocol: c.protocol, clamp_conditions: c.clamp, parameters: c.parameters });
    c.rows = [];
  }

  private appendRecordings(sweep: Sweep, series: WrittenSeries[]): number[] {
    const s = (i: number) => {
      const w = series[i];
      if (!w) throw new Error(`no series for channel ${i}`);
      return w;
    };
    const rows = this.recordings.appendRows(sweep.channels.map((ch) => recordingRow(sweep, ch)));
    this.electrodes.appendRows(
      sweep.channels.map((ch) => {
        const cell = this.cells.get(ch.headstage);
        return { electrode: electrodePath(ch.headstage), cell_id: cell?.cellId ?? '', cell_subclass: cell?.subclass ?? '' };
      }),
    );
    this.stimuli.appendRows(
      sweep.channels.map((_, i) => {
        const w = s(i);
        return { stimulus: w.stimulus ? { start: 0, count: w.samples, series: w.stimulus } : { start: -1, count: -1, series: w.response } };
      }),
    );
    this.responses.appendRows(sweep.channels.map((_, i) => ({ response: { start: 0, count: s(i).samples, series: s(i).response } })));
    return rows;
  }
}

function recordingRow(sweep: Sweep, ch: SweepChannel) {
  const tp = ch.testPulse;
  return {
    sweep_number: sweep.index,
    headstage: ch.headstage,
    clamp_mode: MODE_CODE[ch.mode],
    holding: ch.holding,
    stim_scale: ch.stimScale,
    output_scale: ch.settings.outputScale,
    command_sensitivity: ch.settings.commandSensitivity,
    lpf: ch.settings.lpfHz,
    tp_access_resistance: tp?.accessResistance ?? Number.NaN,
    tp_input_resistance: tp?.inputResistance ?? Number.NaN,
    tp_capacitance: tp?.capacitance ?? Number.NaN,
    qc_pass: ch.qc ? (ch.qc.pass ? 1 : 0) : -1,
    qc: ch.qc ? JSON.stringify(ch.qc) : '',
    amplifier_settings: JSON.stringify(ch.settings.device),
  };
}
