// AssemblyScript source of the slice's per-substep kernel (built to slice-kernel.wasm by
// `npm run build:wasm`; the loader is ../slice-kernel.ts). This folder is not TypeScript for tsc
// or eslint (AssemblyScript types: f64, i32, load/store): tsconfig.json and eslint.config.js
// exclude it.
//
// It is the JS reference path of SlicePreparation.advance (population.ts `step`, synapse.ts
// `totals` and `deliver`, pipette-channels.ts `substep`) with the same operations in the same order, so its
// output is bit-identical (WebAssembly f64 arithmetic is IEEE-754 like JS, with no implicit fused
// multiply–add; binaryen does not reassociate floating point). Keep the two in step: the test
// tests/simulators/physics/slice-kernel.test.ts compares them bit for bit.
//
// Memory is owned by JS (imported, sized per slice up front; layout.as.ts says where each array
// is). The kernel allocates nothing. This file: the pipettes, the synapse groups, the substep
// over all cells and `run`; cells.as.ts: the neuron step; arrivals.as.ts: synaptic arrivals.

import { CHUNK, pNextArrival, dtSample, f64At, hStep, i32At, nCell, nSlot, pCP, pChOfCell, pCmd, pCounter, pGA, pIO, pRowStart, kx2, K_RAIL, K_NEG_RAIL, PAIRS, PAIR_BYTES, PAIR_NODES, PAIR_ANY_P, PAIR_ANY_U, PAIR_HAS_P, PAIR_HAS_U, PAIR_COL_P, PAIR_COL_U, setSampling, pColP, pColU, PAIR_TABLE, PAIR_ROW, pTableAt, pStride, pGroupRows, slotAt, DECAY, RISE, K_DECAY, K_RISE, REV, ROW_BYTES, pKind, pOff, pOut, pPG, pPGE, pPI, pRA, pSilent, pTipK, pTipU, pTipVp, pV, rail, setF64, silenceEvery, sub } from './layout.as';
import { cell, cellPair } from './cells.as';
import { deliver } from './arrivals.as';

export { init } from './layout.as';

// Pipette kinds (pipette-channels.ts); TIP channels are run by JS.
const CLAMP: u8 = 1;
const FOLLOW: u8 = 2;
const NODE: u8 = 3;

// Returned by `run`.
const DONE = 0; // reached iEnd
const SPIKED = 1; // a substep ended with spikes (count at io+16, cells in `spiked`)

@inline function clampRail(u: f64): f64 {
  return u > rail ? rail : u < -rail ? -rail : u;
}

/**
 * Command sample `at`. JS copies the commands in raw (one memcpy); they are sanitised here, as
 * pipette-channels.ts `load` does for the JS path (NaN / ±Infinity → 0).
 */
@inline function command(at: i32): f64 {
  const x = f64At(pCmd, at);
  return x - x == 0 ? x : 0;
}

/**
 * pipette-channels.ts `substep` for channel ch on cell c (kinds CLAMP, FOLLOW, NODE; TIP channels
 * are run by JS): reads V[c] at the start of the substep, writes the cell's pipette terms.
 */
@inline function pipette(ch: i32, c: i32, i: i32, first: bool): void {
  const kind = load<u8>(pKind + <usize>ch);
  const at = ch * CHUNK + i;
  const cmd = command(at);
  if (kind == NODE) {
    if (first) {
      const out = f64At(pTipU, ch) + f64At(pOff, ch);
      setF64(pTipVp, ch, out);
      setF64(pOut, at, out);
    }
    const uInf = f64At(pV, c) + cmd * f64At(pRA, ch);
    const u = clampRail(uInf + (f64At(pTipU, ch) - uInf) * f64At(pTipK, ch));
    setF64(pTipU, ch, u);
    setF64(pPGE, c, u * f64At(pGA, ch));
  } else if (!first) {
    return;
  } else if (kind == CLAMP) {
    const gA = f64At(pGA, ch);
    const u = cmd - f64At(pOff, ch);
    setF64(pOut, at, (u - f64At(pV, c)) * gA + (f64At(pCP, ch) * (cmd - f64At(pTipVp, ch))) / dtSample);
    setF64(pTipU, ch, u);
    setF64(pTipVp, ch, cmd);
    setF64(pPGE, c, gA * u);
  } else if (kind == FOLLOW) {
    const u = clampRail(f64At(pV, c) + cmd * f64At(pRA, ch));
    setF64(pTipU, ch, u);
    const out = u + f64At(pOff, ch);
    setF64(pTipVp, ch, out);
    setF64(pOut, at, out);
    setF64(pPI, c, cmd);
  }
}

/** synapse.ts `silence`, every silenceEvery substeps (the counter is shared with the JS path). */
@inline function countSilence(): void {
  const count = load<i32>(pCounter) + 1;
  if (count >= silenceEvery) {
    store<i32>(pCounter, 0);
    for (let q = 0; q < nSlot; q++) {
      const b = slotAt(q);
      if (load<f64>(b + DECAY) < f64At(pSilent, q)) {
        store<f64>(b + DECAY, 0);
        store<f64>(b + RISE, 0);
      }
    }
  } else {
    store<i32>(pCounter, count);
  }
}

/**
 * The odd last cell c: its pipette, then its synaptic groups (synapse.ts `totals`: summed at t onto
 * the pipette terms, then decayed by one substep; every other slot of its pair's rows, synapse.ts
 * Layout), then its neuron step. Returns the spike count.
 */
@inline function stepLast(c: i32, i: i32, first: bool, spikes: i32): i32 {
  const ch = i32At(pChOfCell, c);
  if (ch >= 0) pipette(ch, c, i, first);
  let gs = f64At(pPG, c);
  let gse = f64At(pPGE, c);
  const end = i32At(pRowStart, (c >> 1) + 1) << 1;
  for (let g = (i32At(pRowStart, c >> 1) << 1) + (c & 1); g < end; g += 2) {
    const b = slotAt(g);
    const d = load<f64>(b + DECAY);
    if (d == 0) continue;
    const r = load<f64>(b + RISE);
    const x = d - r;
    gs += x;
    gse += x * load<f64>(b + REV);
    store<f64>(b + DECAY, d * load<f64>(b + K_DECAY));
    store<f64>(b + RISE, r * load<f64>(b + K_RISE));
  }
  return cell(c, spikes, gs, gse);
}

/**
 * `pipette` for cells c and c + 1 on channels ch and ch + 1, both NODE, in f64x2 lanes (same
 * operations per lane). The usual case: current clamp, channel k on cell k. Returns the pair's
 * pipette gE (also stored).
 */
@inline function nodePair(ch: i32, c: i32, i: i32, first: bool): v128 {
  const chb = <usize>ch << 3;
  const cb = <usize>c << 3;
  const at = ch * CHUNK + i;
  const ab = <usize>at << 3;
  const raw = f64x2.replace_lane(f64x2.splat(load<f64>(ab, pCmd)), 1, load<f64>(ab, pCmd + (<usize>CHUNK << 3)));
  const cmd = v128.and(raw, f64x2.eq(f64x2.sub(raw, raw), f64x2.splat(0))); // `command` per lane: NaN / ±Infinity → +0
  if (first) {
    const out = f64x2.add(v128.load(chb, pTipU), v128.load(chb, pOff));
    v128.store(chb, out, pTipVp);
    store<f64>(ab, f64x2.extract_lane(out, 0), pOut);
    store<f64>(ab, f64x2.extract_lane(out, 1), pOut + (<usize>CHUNK << 3));
  }
  const uInf = f64x2.add(v128.load(cb, pV), f64x2.mul(cmd, v128.load(chb, pRA)));
  let u = f64x2.add(uInf, f64x2.mul(f64x2.sub(v128.load(chb, pTipU), uInf), v128.load(chb, pTipK)));
  const r = kx2(K_RAIL);
  const nr = kx2(K_NEG_RAIL);
  u = v128.bitselect(r, v128.bitselect(nr, u, f64x2.lt(u, nr)), f64x2.gt(u, r));
  v128.store(chb, u, pTipU);
  const ge = f64x2.mul(u, v128.load(chb, pGA));
  v128.store(cb, ge, pPGE);
  return ge;
}

/**
 * Starts a block (JS calls it per chunk, after the channels' kinds and the cells' tables are set):
 * the sampling (layout.as.ts setSampling), then each cell pair's PAIRS record.
 */
export function setBlock(sub_: i32, h: f64, dt: f64): void {
  setSampling(sub_, h, dt);
  for (let c = 0; c + 1 < nCell; c += 2) {
    const at = PAIRS + <usize>(c >> 1) * PAIR_BYTES;
    const ch = i32At(pChOfCell, c);
    const ch1 = i32At(pChOfCell, c + 1);
    const nodes = ch >= 0 && ch1 == ch + 1 && load<u8>(pKind + <usize>ch) == NODE && load<u8>(pKind + <usize>ch1) == NODE;
    store<i32>(at + PAIR_NODES, nodes ? 1 : 0);
    columnInfo(at, PAIR_ANY_P, PAIR_HAS_P, PAIR_COL_P, i32At(pColP, c), i32At(pColP, c + 1));
    columnInfo(at, PAIR_ANY_U, PAIR_HAS_U, PAIR_COL_U, i32At(pColU, c), i32At(pColU, c + 1));
    store<i32>(at + PAIR_TABLE, i32At(pTableAt, c));
    store<i32>(at + PAIR_TABLE + 4, i32At(pTableAt, c + 1));
    store<i32>(at + PAIR_ROW, i32At(pStride, c) << 2); // compact rows: stride / 2 numbers
    store<i32>(at + PAIR_ROW + 4, i32At(pStride, c + 1) << 2);
  }
}

/** A pair's record for one optional table column (col0, col1: its column per cell, −1: none). */
function columnInfo(at: usize, any: usize, has: usize, col: usize, col0: i32, col1: i32): void {
  store<i32>(at + any, col0 >= 0 || col1 >= 0 ? 1 : 0);
  v128.store(at + has, i64x2.replace_lane(i64x2.splat(col0 >= 0 ? -1 : 0), 1, col1 >= 0 ? -1 : 0));
  store<i32>(at + col, max(col0, 0) << 2);
  store<i32>(at + col + 4, max(col1, 0) << 2);
}

/**
 * One substep of cells c and c + 1 (c even): their pipettes (pipette-channels.ts `substep`), their
 * synaptic groups (synapse.ts `totals`), then their neuron step (`cellPair`); each pass touches
 * only its own cell's entries, so running both pipettes first reorders nothing per cell. The
 * groups go one per f64x2 lane: a row holds the j-th group of each cell (synapse.ts Layout), so a
 * lane sees its own cell's groups in order, and a lane whose group has decay 0 (silent, or a slot
 * its cell does not use) is left untouched by mask, as `totals` skips it. One function, so the
 * sums reach `cellPair` in registers. Returns the spike count.
 */
@inline function stepPair(c: i32, i: i32, first: bool, spikes: i32): i32 {
  const ch = i32At(pChOfCell, c);
  const ch1 = i32At(pChOfCell, c + 1);
  let ge: v128;
  if (load<i32>(PAIRS + <usize>(c >> 1) * PAIR_BYTES, PAIR_NODES)) {
    ge = nodePair(ch, c, i, first);
  } else {
    if (ch >= 0) pipette(ch, c, i, first);
    if (ch1 >= 0) pipette(ch1, c + 1, i, first);
    ge = f64x2.replace_lane(f64x2.splat(f64At(pPGE, c)), 1, f64At(pPGE, c + 1)); // after scalar stores: no 16-byte reload
  }
  let g = v128.load(<usize>c << 3, pPG);
  const p = c >> 1;
  const end = i32At(pRowStart, p + 1);
  const rows = pGroupRows;
  for (let row = i32At(pRowStart, p); row < end; row++) {
    const b = rows + <usize>row * ROW_BYTES;
    const d = v128.load(b, DECAY);
    const live = f64x2.ne(d, f64x2.splat(0));
    const lanes = i64x2.bitmask(live);
    if (lanes == 0) continue;
    const r = v128.load(b, RISE);
    const x = f64x2.sub(d, r);
    const g1 = f64x2.add(g, x);
    const ge1 = f64x2.add(ge, f64x2.mul(x, v128.load(b, REV)));
    const d1 = f64x2.mul(d, v128.load(b, K_DECAY));
    const r1 = f64x2.mul(r, v128.load(b, K_RISE));
    if (lanes == 3) {
      // Both lanes live: the usual case while the cells fire.
      g = g1;
      ge = ge1;
      v128.store(b, d1, DECAY);
      v128.store(b, r1, RISE);
    } else {
      g = v128.bitselect(g1, g, live);
      ge = v128.bitselect(ge1, ge, live);
      v128.store(b, v128.bitselect(d1, d, live), DECAY);
      v128.store(b, v128.bitselect(r1, r, live), RISE);
    }
  }
  return cellPair(c, spikes, g, ge);
}

/**
 * One substep of every cell: the three passes of the JS path (pipettes, synapse groups, neurons)
 * fused into one pass over the cells, two cells at a time. Each pass reads and writes only its
 * own cell's entries, so per cell the operations and their order are unchanged. Returns the
 * spike count (cells in `spiked`, in cell order).
 */
function substep(i: i32, first: bool): i32 {
  let spikes = 0;
  let c = 0;
  for (; c + 1 < nCell; c += 2) spikes = stepPair(c, i, first, spikes);
  if (c < nCell) spikes = stepLast(c, i, first, spikes);
  countSilence();
  return spikes;
}

/**
 * Runs substeps from substep k of sample i (t: its start time) until sample iEnd or a substep
 * that ends with spikes, delivering synaptic arrivals due at the start of a substep first (as
 * synapse.ts `totals` does). Leaves t, i, k (where to resume) and the spike count in the io area:
 * f64 at +0, i32 at +8, +12, +16.
 */
export function run(i: i32, k: i32, iEnd: i32, t: f64): i32 {
  let status = DONE;
  let spikes = 0;
  const h = hStep;
  // JS queues arrivals only between runs, so the earliest one changes here only by `deliver`.
  let nextArrival = load<f64>(pNextArrival);
  while (i < iEnd) {
    if (t >= nextArrival) nextArrival = deliver(t);
    spikes = substep(i, k == 0);
    t = t + h;
    if (++k == sub) {
      k = 0;
      i++;
    }
    if (spikes > 0) {
      status = SPIKED;
      break;
    }
  }
  store<f64>(pIO, t, 0);
  store<i32>(pIO, i, 8);
  store<i32>(pIO, k, 12);
  store<i32>(pIO, spikes, 16);
  return status;
}
