import { open, readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { CELL_CLASSES, SUBCLASSES, type Subclass } from '../../simulators/physics/cell-classes.ts';
import { MAX_SAMPLE_INTERVAL, MIN_SAMPLE_INTERVAL } from '../../simulators/physics/errors.ts';
import { Neuron, simulateCurrentClamp } from '../../simulators/physics/neuron.ts';
import { MODEL_NAMES, neuronParams, type ModelName, type NeuronParams } from '../../simulators/physics/neuron-models.ts';

/**
 * `patchrig simulate-cell`: one model cell in current clamp with no recording path, written as
 * `t,v` (s, V) — so any other simulator can be compared with ours on the same input (issue 3).
 */

/** Every name `--model` accepts: the published models, then the slice's cell classes. */
export const SIMULATE_CELL_MODELS: readonly string[] = [...MODEL_NAMES, ...SUBCLASSES];

/** A current command: a step, or piecewise-constant rows of (time s, current A). */
export type InjectSpec =
  | { kind: 'step'; amp: number; start: number; dur: number }
  | { kind: 'csv'; path: string };

const STEP_FORM = 'step:amp=A,start=S,dur=D (SI units: A in amperes, S and D in seconds)';
const SPEC_FORM = `${STEP_FORM}, or the path of a CSV file of time,current rows`;
/** Output rows at most (2e7 rows ≈ 0.5 GB of CSV): refuse before simulating for minutes. */
const MAX_SAMPLES = 2e7;
const DEFAULT_DT = 20e-6;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function num(s: string): number {
  return NUMBER.test(s.trim()) ? Number(s) : Number.NaN;
}

function parseModel(v: string): string {
  if (!SIMULATE_CELL_MODELS.includes(v)) {
    throw new InvalidArgumentError(`unknown model "${v}"; known models: ${SIMULATE_CELL_MODELS.join(', ')}.`);
  }
  return v;
}

/** Parses SPEC: `step:…` here (a usage error if malformed), anything else is a CSV path. */
export function parseInjectSpec(v: string): InjectSpec {
  if (!v.startsWith('step:') && !v.startsWith('step ')) {
    if (v.trim() === '') throw new InvalidArgumentError(`--inject is empty; expected ${SPEC_FORM}.`);
    return { kind: 'csv', path: v };
  }
  const fields = new Map<string, number>();
  for (const part of v.slice(5).split(',')) {
    const m = /^\s*(amp|start|dur)\s*=\s*(.+?)\s*$/.exec(part);
    const x = m ? num(m[2] as string) : Number.NaN;
    if (!m || !Number.isFinite(x) || fields.has(m[1] as string)) {
      throw new InvalidArgumentError(`malformed step "${v}" at "${part.trim()}"; expected ${STEP_FORM}.`);
    }
    fields.set(m[1] as string, x);
  }
  const amp = fields.get('amp');
  if (amp === undefined) throw new InvalidArgumentError(`step "${v}" has no amp; expected ${STEP_FORM}.`);
  const start = fields.get('start') ?? 0;
  const dur = fields.get('dur') ?? Number.POSITIVE_INFINITY;
  if (start < 0 || dur < 0) throw new InvalidArgumentError(`step "${v}" has a negative start or dur; expected ${STEP_FORM} with S, D ≥ 0.`);
  return { kind: 'step', amp, start, dur };
}

function seconds(name: string, min: number, max: number, minOpen: boolean) {
  return (v: string): number => {
    const x = num(v);
    if (!(minOpen ? x > min : x >= min) || !(x <= max)) {
      throw new InvalidArgumentError(`${name} must be a number of seconds in ${minOpen ? '(' : '['}${min}, ${max}], got "${v}".`);
    }
    return x;
  };
}

function inRange(name: string, unit: string, min: number, max: number) {
  return (v: string): number => {
    const x = num(v);
    if (!(x >= min && x <= max)) throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}] ${unit}, got "${v}".`);
    return x;
  };
}

/** Rows of a time,current CSV (header optional), checked; times must not decrease. */
export async function readCurrentCsv(path: string): Promise<{ time: Float64Array; current: Float64Array }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`cannot read the --inject CSV "${path}" (${code}); expected ${SPEC_FORM}.`, { cause: e });
  }
  const time: number[] = [];
  const current: number[] = [];
  const lines = text.split(/\r?\n/);
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const cells = line.split(/\s*[,;\t]\s*/);
    const t = num(cells[0] ?? '');
    const c = num(cells[1] ?? '');
    const header = first && Number.isNaN(t); // an optional header line, e.g. "time,current"
    first = false;
    if (header) continue;
    if (cells.length !== 2 || !Number.isFinite(t) || !Number.isFinite(c)) {
      throw new Error(`${path} line ${i + 1} ("${line}") is not a row of two numbers; expected time,current in s,A.`);
    }
    if (time.length > 0 && t < (time.at(-1) as number)) {
      throw new Error(`${path} line ${i + 1}: time ${t} s is earlier than the row before; times must not decrease.`);
    }
    time.push(t);
    current.push(c);
  }
  if (time.length === 0) throw new Error(`${path} has no rows; expected time,current rows in s,A.`);
  return { time: Float64Array.from(time), current: Float64Array.from(current) };
}

/** The command at sample times i·dt, i = 0…n−1 (zero-order hold; 0 before the first CSV row). */
export async function commandSamples(spec: InjectSpec, n: number, dt: number): Promise<Float64Array> {
  const out = new Float64Array(n);
  const eps = dt * 1e-6; // sample times are i·dt in floating point: a row at exactly i·dt applies from sample i
  if (spec.kind === 'step') {
    for (let i = 0; i < n; i++) {
      const t = i * dt + eps;
      if (t >= spec.start && t < spec.start + spec.dur) out[i] = spec.amp;
    }
    return out;
  }
  const { time, current } = await readCurrentCsv(spec.path);
  let row = -1;
  for (let i = 0; i < n; i++) {
    const t = i * dt + eps;
    while (row + 1 < time.length && (time[row + 1] as number) <= t) row++;
    out[i] = row >= 0 ? (current[row] as number) : 0;
  }
  return out;
}

function modelParams(model: string, celsius: number | undefined, area: number | undefined): NeuronParams {
  const overrides: Partial<NeuronParams> = {};
  let base: ModelName;
  if ((SUBCLASSES as readonly string[]).includes(model)) {
    const cls = CELL_CLASSES[model as Subclass];
    base = cls.model;
    Object.assign(overrides, cls.overrides);
  } else {
    base = model as ModelName;
  }
  if (celsius !== undefined) overrides.celsius = celsius;
  if (area !== undefined) overrides.area = area;
  return neuronParams(base, overrides);
}

function formatNumber(x: number): string {
  return String(Number(x.toPrecision(10)));
}

interface Options {
  model: string;
  inject: InjectSpec;
  duration: number;
  dt: number;
  celsius?: number;
  area?: number;
  out: string;
}

/** Registers `simulate-cell` on a commander program; `out` receives the one-line summary. */
export function addSimulateCellCommand(cli: Command, out: (s: string) => void): void {
  cli
    .command('simulate-cell')
    .description('run one model cell in current clamp (no recording path) and write t,v in SI to a CSV file')
    .requiredOption('--model <name>', `model: ${SIMULATE_CELL_MODELS.join(', ')}`, parseModel)
    .requiredOption('--inject <spec>', `injected current: ${SPEC_FORM}`, parseInjectSpec)
    .requiredOption('--duration <s>', 'simulated time, s', seconds('--duration', 0, 3600, true))
    .option('--dt <s>', 'output sample interval, s', seconds('--dt', MIN_SAMPLE_INTERVAL, MAX_SAMPLE_INTERVAL, false), DEFAULT_DT)
    .option('--celsius <c>', 'temperature, °C (default: the model’s own)', inRange('--celsius', '°C', 0, 45))
    .option('--area <m2>', 'membrane area, m² (hh1952 default 1e-4 = 1 cm²; densities stay per area)', inRange('--area', 'm²', 1e-11, 1e-3))
    .requiredOption('--out <file>', 'CSV file to write (header t,v)')
    .action(async (o: Options) => {
      const n = Math.round(o.duration / o.dt) + 1; // samples at 0, dt, …, duration
      if (n > MAX_SAMPLES) {
        throw new Error(`--duration ${o.duration} s at --dt ${o.dt} s gives ${n} samples, more than ${MAX_SAMPLES}; raise --dt or shorten --duration.`);
      }
      const params = modelParams(o.model, o.celsius, o.area);
      const current = await commandSamples(o.inject, n, o.dt);
      // Open the output before simulating, so an unwritable path fails at once.
      let file: Awaited<ReturnType<typeof open>>;
      try {
        file = await open(o.out, 'w');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new Error(`cannot write --out "${o.out}" (${code}).`, { cause: e });
      }
      try {
        const { v, spikeTimes } = simulateCurrentClamp(new Neuron(params), current, o.dt);
        const CHUNK = 65_536;
        await file.write('t,v\n');
        for (let i0 = 0; i0 < n; i0 += CHUNK) {
          const rows: string[] = [];
          for (let i = i0; i < Math.min(n, i0 + CHUNK); i++) rows.push(`${formatNumber(i * o.dt)},${formatNumber(v[i] as number)}\n`);
          await file.write(rows.join(''));
        }
        out(`simulate-cell: ${o.model}, ${n} samples, ${spikeTimes.length} spikes → ${o.out}\n`);
      } finally {
        await file.close();
      }
    });
}
