import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PADE_MAX_ARG } from './fast-exp.ts';
import { TABLE_MIN, TABLE_ROWS, TABLE_STEP, tableKey, tableStride } from './gate-table.ts';
import type { NeuronParams } from './neuron-models.ts';
import { PIPETTE_CHUNK, type PipetteChannels } from './pipette-channels.ts';
import { PIPETTE_RAIL } from './pipette.ts';
import { SPIKE_THRESHOLD, type NeuronPopulation } from './population.ts';
import { Arena } from './slice-memory.ts';
import { ARRIVAL_QUEUE, SILENCE_EVERY, type SynapseBank } from './synapse.ts';

/**
 * The slice's per-substep loop as a WebAssembly kernel (source: wasm/*.as.ts, built by
 * `npm run build:wasm`). It delivers synaptic arrivals itself (the queues are in its memory; JS
 * enqueues into them). JS keeps spikes: the kernel runs substeps until the chunk ends or a substep
 * ends with spikes, and returns; `run` below then does what the JS path does at that point (record
 * spikes, STP, queue arrivals) and resumes it.
 * All arrays live in the instance's memory (one instance and one memory per slice, sized up front
 * so views never detach), the classes keep typed-array views on them (slice-memory.ts).
 */

/** Header slots: byte offsets of the kernel's arrays, in the order of the S_* constants of wasm/layout.as.ts. */
const KERNEL_SLOTS = [
  'v', 'm', 'h', 'n', 'p', 'u', 'gL', 'gLeL', 'gNa', 'eNa', 'gK', 'eK', 'gM', 'gT', 'eCa', 'hOverC',
  'tableAt', 'stride', 'colP', 'colU', 'spiked',
  'kind', 'ga', 'ra', 'cp', 'offset', 'tipU', 'tipVp', 'tipK', 'cmd', 'out', 'g', 'gE', 'iInj',
  'rowStart', 'groupRows', 'silent', 'sinceSilence', 'io', 'chOfCell',
  'synGroup', 'synScale', 'synTauRise', 'synTauDecay', 'synRise', 'synDecay', 'synTime',
  'qTime', 'qAmp', 'qHead', 'qLen', 'nextArrival',
] as const;
const HEADER_BYTES = 4096; // the header (its first HEADER_SLOT_BYTES), then the kernel's own records (wasm/layout.as.ts PAIRS, CONSTS)
const HEADER_SLOT_BYTES = 256; // where the kernel's records start (wasm/layout.as.ts PAIRS)
const PAGE = 65536;
/**
 * Arrays at fixed addresses, right after the header, in this order: the per-cell (≤ 64) and
 * per-channel (≤ 8) arrays the substep reads, PIN_BYTES each, then the command and measurement
 * chunks (≤ 8 channels). The kernel has the same addresses as compile-time constants
 * (wasm/layout.as.ts), so each access is one instruction with an immediate offset instead of a
 * global load and an add; `init` checks that they match the header.
 */
const PINNED = [
  'v', 'm', 'h', 'n', 'p', 'u', 'gL', 'gLeL', 'gNa', 'eNa', 'gK', 'eK', 'gM', 'gT', 'eCa', 'hOverC',
  'tableAt', 'stride', 'colP', 'colU', 'spiked',
  'kind', 'ga', 'ra', 'cp', 'offset', 'tipU', 'tipVp', 'tipK', 'g', 'gE', 'iInj', 'chOfCell',
] as const;
const PIN_BYTES = 64 * 8; // 64 cells of f64 (SlicePreparation allows at most 64 cells, 8 channels)
const PINNED_CHUNK_BYTES = 8 * PIPETTE_CHUNK * 8; // cmd, out: 8 channels
const PINNED_END = HEADER_BYTES + PINNED.length * PIN_BYTES + 2 * PINNED_CHUNK_BYTES;
// `run` status (kernel source).
const DONE = 0;

interface KernelExports {
  /** Returns the number of pinned arrays whose header offset is not the kernel's constant (must be 0). */
  init(cells: number, channels: number, slots: number, synapses: number, queue: number, silenceEvery: number, vMin: number, invStep: number, lastRow: number, threshold: number, padeMax: number, rail: number): number;
  setBlock(sub: number, h: number, dt: number): void;
  run(i: number, k: number, iEnd: number, t: number): number;
}

// The part of the WebAssembly JS API used here. @types/node declares only a few of its types (no
// Memory, no constructors), and the DOM lib would bring in browser globals the server must not use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM_FILE = fileURLToPath(new URL('./wasm/slice-kernel.wasm', import.meta.url));
let compiled: WasmModule | undefined;

/** The compiled kernel, once per process (or worker thread). Synchronous: slices are built synchronously. */
function kernelModule(): WasmModule {
  if (compiled !== undefined) return compiled;
  let bytes: Buffer;
  try {
    bytes = readFileSync(WASM_FILE);
  } catch (e) {
    throw new Error(
      `the slice's WebAssembly kernel ${WASM_FILE} is missing: run \`npm run build:wasm\` (npm ci, npm test and npm start build it), or build the slice with kernel: 'js'`,
      { cause: e },
    );
  }
  const module = new wasm.Module(bytes);
  compiled = module;
  return module;
}

/** Memory for one slice's kernel: an arena the slice's parts allocate their arrays from. */
export class KernelMemory {
  readonly memory: WasmMemory;
  readonly arena: Arena;
  /** Byte offset of each distinct gating table's compact copy (`syncTables`), by tableKey, and its length in numbers. */
  readonly tableSlots = new Map<string, { at: number; length: number }>();

  /** Sized for `params.length` cells, `channels` pipettes and `synapses` synapses (≥ groups). */
  constructor(params: readonly NeuronParams[], channels: number, synapses: number) {
    const n = params.length;
    let tables = 0;
    const strides = new Map<string, number>();
    for (const p of params) strides.set(tableKey(p), tableStride(p));
    for (const s of strides.values()) tables += TABLE_ROWS * (s / 2) * 8 + 16;
    // Arrays by owner (count × bytes, + alignment): population 17 f64 + 4 i32 per cell; pipettes 3
    // f64 per cell, 7 f64 + i32 + u8 per channel, cmd/out; synapses 8 f64 per group slot (≤ 2 per
    // synapse, synapse.ts Layout) + rowStart + counter, per synapse 6 f64 + 3 i32 and its arrival
    // queue (2 f64 × ARRIVAL_QUEUE); kernel tableAt, chOfCell, io. 16 B alignment per array.
    const bytes =
      PINNED_END +
      n * (17 * 8 + 4 * 4 + 3 * 8 + 4) +
      channels * (7 * 8 + 4 + 1 + 2 * 8 * PIPETTE_CHUNK) +
      synapses * (2 * 8 * 8 + 6 * 8 + 3 * 4 + 2 * 8 * ARRIVAL_QUEUE) +
      (2 * n + 2) * 4 +
      64 +
      100 * 16 +
      tables;
    this.memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
    const pinned = new Map<string, { at: number; bytes: number }>();
    PINNED.forEach((name, k) => pinned.set(name, { at: HEADER_BYTES + k * PIN_BYTES, bytes: PIN_BYTES }));
    const chunks = HEADER_BYTES + PINNED.length * PIN_BYTES;
    pinned.set('cmd', { at: chunks, bytes: PINNED_CHUNK_BYTES });
    pinned.set('out', { at: chunks + PINNED_CHUNK_BYTES, bytes: PINNED_CHUNK_BYTES });
    this.arena = new Arena(this.memory.buffer, PINNED_END, pinned);
    for (const [key, stride] of strides) {
      const length = TABLE_ROWS * (stride / 2);
      this.tableSlots.set(key, { at: this.arena.reserve(length * 8), length });
    }
  }
}

/** One slice's kernel instance over its KernelMemory. */
export class SliceKernel {
  private readonly exports: KernelExports;
  private readonly tableAt: Int32Array;
  private readonly ioF64: Float64Array;
  private readonly ioI32: Int32Array;
  private readonly spiked: Int32Array;
  private tablesH = Number.NaN;

  constructor(
    private readonly mem: KernelMemory,
    private readonly population: NeuronPopulation,
    private readonly bank: SynapseBank,
    pipettes: PipetteChannels,
  ) {
    const arena = mem.arena;
    this.tableAt = arena.i32(population.size, 'tableAt');
    // The channel on each cell (−1: none), for the kernel's one pass over the cells.
    const chOfCell = arena.i32(population.size, 'chOfCell').fill(-1);
    const cells = pipettes.kernelViews().cell as Int32Array;
    cells.forEach((c, ch) => (chOfCell[c] = ch));
    this.ioF64 = arena.f64(4);
    this.ioI32 = new Int32Array(this.ioF64.buffer, this.ioF64.byteOffset, 8);
    const views: Record<string, ArrayBufferView> = {
      ...population.kernelViews(),
      ...pipettes.kernelViews(),
      ...bank.kernelViews(),
      tableAt: this.tableAt,
      io: this.ioF64,
      chOfCell,
    };
    if (KERNEL_SLOTS.length * 4 > HEADER_SLOT_BYTES) throw new Error('slice kernel: the header slots would overlap the kernel\'s records');
    const header = new Int32Array(mem.memory.buffer, 0, KERNEL_SLOTS.length);
    KERNEL_SLOTS.forEach((name, s) => {
      const view = views[name];
      if (view === undefined || view.buffer !== mem.memory.buffer) throw new Error(`slice kernel: array '${name}' is not in the kernel's memory`);
      header[s] = view.byteOffset;
    });
    this.spiked = population.kernelViews().spiked as Int32Array;
    const instance = new wasm.Instance(kernelModule(), { env: { memory: mem.memory, exp: Math.exp } });
    this.exports = instance.exports as unknown as KernelExports;
    const misplaced = this.exports.init(
      population.size,
      pipettes.count,
      bank.slotCount,
      bank.count,
      ARRIVAL_QUEUE,
      SILENCE_EVERY,
      TABLE_MIN,
      1 / TABLE_STEP,
      TABLE_ROWS - 1,
      SPIKE_THRESHOLD,
      PADE_MAX_ARG,
      PIPETTE_RAIL,
    );
    if (misplaced !== 0) throw new Error(`slice kernel: ${misplaced} pinned arrays are not where the kernel expects them (PINNED and wasm/layout.as.ts disagree)`);
  }

  /**
   * Copies the population's tables for its current substep into the kernel's memory (once per
   * substep change), compact: only the even columns (A, B per gate, s∞), not the forward
   * differences, which the kernel recomputes bit for bit from the next row (wasm/cells.as.ts).
   * Half the bytes to copy and to fault in: a slice's first block is that much cheaper.
   */
  private syncTables(): void {
    const pop = this.population;
    if (pop.substep === this.tablesH) return;
    const f64 = new Float64Array(this.mem.memory.buffer);
    const done = new Set<string>();
    for (let c = 0; c < pop.size; c++) {
      const key = tableKey(pop.params[c] as NeuronParams);
      const slot = this.mem.tableSlots.get(key);
      const table = pop.table(c);
      if (slot === undefined || table.length !== 2 * slot.length) throw new Error(`slice kernel: no table slot for cell ${c}`);
      if (!done.has(key)) for (let j = 0, at = slot.at / 8; j < slot.length; j++) f64[at + j] = table[2 * j] as number;
      done.add(key);
      this.tableAt[c] = slot.at;
    }
    this.tablesH = pop.substep;
  }

  /**
   * Runs samples [0, len) of the loaded chunk (`sub` substeps of h per sample of dt) from time t;
   * calls `onSpike(cell, time)` for each spike, in the JS path's order. Returns the end time.
   */
  run(len: number, sub: number, h: number, dt: number, t: number, onSpike: (cell: number, time: number) => void): number {
    this.syncTables();
    const ex = this.exports;
    ex.setBlock(sub, h, dt);
    const io = this.ioI32;
    let i = 0;
    let k = 0;
    for (;;) {
      const status = ex.run(i, k, len, t);
      t = this.ioF64[0] as number;
      i = io[2] as number;
      k = io[3] as number;
      if (status === DONE) break;
      for (let q = 0, nq = io[4] as number; q < nq; q++) onSpike(this.spiked[q] as number, t);
    }
    this.bank.ranUntil(t);
    return t;
  }
}
