// AssemblyScript (built by `npm run build:wasm` with slice-kernel.as.ts, the entry file). This
// folder is not TypeScript for tsc or eslint, which exclude it.
//
// population.ts `step` for one cell (`cell`) and for two cells in f64x2 lanes (`cellPair`), with
// the operations of the JS code in the same order, per cell and per lane: bit-identical output.
//
// The gate tables here are the compact copies slice-kernel.ts `syncTables` makes: each row keeps
// only the even columns of gate-table.ts (A, B per gate; s∞), and the forward differences
// ΔA = A[i+1] − A[i] are recomputed from the next row. gate-table.ts computes them by that same
// subtraction, so the values are the same bits, and a slice copies half the bytes.

import { PAIR_ROW, PAIR_TABLE, K_60TH, K_120TH, K_HALF, K_INV_STEP, K_LAST_ROW, K_LAST_ROW_BELOW, K_ONE, K_PADE_MAX, K_TENTH, K_THRESHOLD, K_VMIN, kx2, PAIRS, PAIR_BYTES, PAIR_ANY_P, PAIR_ANY_U, PAIR_HAS_P, PAIR_HAS_U, PAIR_COL_P, PAIR_COL_U, f64At, i32At, invStep, lastRow, lastRowBelow, pColP, pColU, pECA, pEK, pENA, pGK, pGL, pGLEL, pGM, pGNA, pGT, pH, pHOVERC, pM, pN, pP, pPI, pSpiked, pStride, pTableAt, pU, pV, padeMax, setF64, threshold, vMin } from './layout.as';

@external("env", "exp")
declare function hostExp(x: f64): f64; // the host's Math.exp: bit-identical to the JS path

/**
 * One gate's x ← (A + ΔA·f) + (B + ΔB·f)·x from its (A, B) at q in the compact row and the
 * next row, `row` bytes on (ΔA, ΔB recomputed: see the top of this file).
 */
@inline function gate1(q: usize, row: usize, f: f64, x: f64): f64 {
  const a = load<f64>(q, 0);
  const b = load<f64>(q, 8);
  return a + (load<f64>(q + row, 0) - a) * f + (b + (load<f64>(q + row, 8) - b) * f) * x;
}

/** population.ts `step` for cell c (gExt, gExtE: pipette + synapses; iExt the pipette current). Returns the spike count. */
export function cell(c: i32, spikes: i32, gExt: f64, gExtE: f64): i32 {
  const t = <usize>i32At(pTableAt, c);
  const v0 = f64At(pV, c);
  let x = (v0 - vMin) * invStep;
  if (!(x > 0)) x = 0;
  else if (x >= lastRow) x = lastRowBelow;
  const i = <i32>x;
  const f = x - <f64>i;
  const row = <usize>i32At(pStride, c) << 2; // compact row: stride / 2 numbers
  const r = t + <usize>i * row;
  const m = gate1(r, row, f, f64At(pM, c));
  const h = gate1(r + 16, row, f, f64At(pH, c));
  const n = gate1(r + 32, row, f, f64At(pN, c));
  setF64(pM, c, m);
  setF64(pH, c, h);
  setF64(pN, c, n);
  const gNa = f64At(pGNA, c) * m * m * m * h;
  const n2 = n * n;
  let gK = f64At(pGK, c) * n2 * n2;
  let g = f64At(pGL, c) + gNa + gExt;
  let ge = f64At(pGLEL, c) + gNa * f64At(pENA, c) + gExtE + f64At(pPI, c);
  const colP = i32At(pColP, c);
  if (colP >= 0) {
    const p = gate1(r + (<usize>colP << 2), row, f, f64At(pP, c));
    setF64(pP, c, p);
    gK += f64At(pGM, c) * p;
  }
  g += gK;
  ge += gK * f64At(pEK, c);
  const colU = i32At(pColU, c);
  if (colU >= 0) {
    const q = r + (<usize>colU << 2);
    const u = gate1(q, row, f, f64At(pU, c));
    setF64(pU, c, u);
    const s0 = load<f64>(q, 16);
    const s = s0 + (load<f64>(q + row, 16) - s0) * f;
    const gT = f64At(pGT, c) * s * s * u;
    g += gT;
    ge += gT * f64At(pECA, c);
  }
  // V ← V∞ + (V − V∞)·e^(−y) by the (3,3) Padé form folded into one fraction (population.ts).
  const hc = f64At(pHOVERC, c);
  const y = hc * g;
  let v1: f64;
  if (y >= 0 && y < padeMax) {
    const y2 = y * y;
    const num = 1 - 0.5 * y + y2 * (0.1 - y * (1.0 / 120));
    const den = 1 + 0.5 * y + y2 * (0.1 + y * (1.0 / 120));
    v1 = (v0 * num + hc * ge * (1 + y2 * (1.0 / 60))) / den;
  } else {
    v1 = expStep(v0, g, ge, y);
  }
  setF64(pV, c, v1);
  if (v0 < threshold && v1 >= threshold) {
    store<i32>(pSpiked + (<usize>spikes << 2), c);
    spikes++;
  }
  return spikes;
}

/** The voltage update by Math.exp, outside the Padé range (rare). */
function expStep(v0: f64, g: f64, ge: f64, y: f64): f64 {
  const vInf = ge / g;
  return vInf + (v0 - vInf) * hostExp(-y);
}

/**
 * `gate1` for two cells, one per lane: (A, B) at q0 and q1 in their compact rows, the next rows
 * row0 and row1 bytes on.
 */
@inline function gate2(q0: usize, q1: usize, row0: usize, row1: usize, f: v128, x: v128): v128 {
  const t0 = v128.load(q0);
  const t1 = v128.load(q1);
  const d0 = f64x2.sub(v128.load(q0 + row0), t0); // (ΔA, ΔB) of cell c
  const d1 = f64x2.sub(v128.load(q1 + row1), t1);
  const a = f64x2.add(v128.shuffle<f64>(t0, t1, 0, 2), f64x2.mul(v128.shuffle<f64>(d0, d1, 0, 2), f));
  const b = f64x2.add(v128.shuffle<f64>(t0, t1, 1, 3), f64x2.mul(v128.shuffle<f64>(d0, d1, 1, 3), f));
  return f64x2.add(a, f64x2.mul(b, x));
}


/**
 * `cell` for cells c and c + 1 at once in f64x2 lanes. Per lane the operations and their order
 * are those of `cell` (IEEE per lane, so bit-identical); a gate only one of the two cells has is
 * computed for both from a valid column and merged by mask, so the other lane's state and
 * conductances are untouched, exactly as `cell` skips it (which cells have which column, and
 * the masks, come from the pair's PAIRS record). Inlined into the caller, so gExt and gExtE stay
 * in registers. Returns the spike count.
 */
@inline export function cellPair(c: i32, spikes: i32, gExt: v128, gExtE: v128): i32 {
  const cb = <usize>c << 3;
  const v0 = v128.load(cb, pV);
  let x = f64x2.mul(f64x2.sub(v0, kx2(K_VMIN)), kx2(K_INV_STEP));
  x = f64x2.pmax(f64x2.splat(0), x); // 0 < x ? x : 0, so !(x > 0), NaN included → +0 (one maxpd)
  x = v128.bitselect(kx2(K_LAST_ROW_BELOW), x, f64x2.ge(x, kx2(K_LAST_ROW)));
  const iv = i32x4.trunc_sat_f64x2_s_zero(x);
  const f = f64x2.sub(x, f64x2.convert_low_i32x4_s(iv));
  const info = PAIRS + <usize>(c >> 1) * PAIR_BYTES;
  const row0 = <usize>load<i32>(info, PAIR_ROW);
  const row1 = <usize>load<i32>(info, PAIR_ROW + 4);
  const r0 = <usize>load<i32>(info, PAIR_TABLE) + <usize>i32x4.extract_lane(iv, 0) * row0;
  const r1 = <usize>load<i32>(info, PAIR_TABLE + 4) + <usize>i32x4.extract_lane(iv, 1) * row1;
  const m = gate2(r0, r1, row0, row1, f, v128.load(cb, pM));
  const h = gate2(r0 + 16, r1 + 16, row0, row1, f, v128.load(cb, pH));
  const n = gate2(r0 + 32, r1 + 32, row0, row1, f, v128.load(cb, pN));
  v128.store(cb, m, pM);
  v128.store(cb, h, pH);
  v128.store(cb, n, pN);
  const gNa = f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(v128.load(cb, pGNA), m), m), m), h);
  const n2 = f64x2.mul(n, n);
  let gK = f64x2.mul(f64x2.mul(v128.load(cb, pGK), n2), n2);
  let g = f64x2.add(f64x2.add(v128.load(cb, pGL), gNa), gExt);
  let ge = f64x2.add(f64x2.add(f64x2.add(v128.load(cb, pGLEL), f64x2.mul(gNa, v128.load(cb, pENA))), gExtE), v128.load(cb, pPI));
  if (load<i32>(info, PAIR_ANY_P)) {
    const has = v128.load(info, PAIR_HAS_P);
    const p = gate2(r0 + <usize>load<i32>(info, PAIR_COL_P), r1 + <usize>load<i32>(info, PAIR_COL_P + 4), row0, row1, f, v128.load(cb, pP));
    v128.store(cb, v128.bitselect(p, v128.load(cb, pP), has), pP);
    gK = v128.bitselect(f64x2.add(gK, f64x2.mul(v128.load(cb, pGM), p)), gK, has);
  }
  g = f64x2.add(g, gK);
  ge = f64x2.add(ge, f64x2.mul(gK, v128.load(cb, pEK)));
  if (load<i32>(info, PAIR_ANY_U)) {
    const has = v128.load(info, PAIR_HAS_U);
    const q0 = r0 + <usize>load<i32>(info, PAIR_COL_U);
    const q1 = r1 + <usize>load<i32>(info, PAIR_COL_U + 4);
    const u = gate2(q0, q1, row0, row1, f, v128.load(cb, pU));
    v128.store(cb, v128.bitselect(u, v128.load(cb, pU), has), pU);
    const s0 = f64x2.replace_lane(f64x2.splat(load<f64>(q0, 16)), 1, load<f64>(q1, 16)); // s∞
    const s1 = f64x2.replace_lane(f64x2.splat(load<f64>(q0 + row0, 16)), 1, load<f64>(q1 + row1, 16));
    const s = f64x2.add(s0, f64x2.mul(f64x2.sub(s1, s0), f));
    const gT = f64x2.mul(f64x2.mul(f64x2.mul(v128.load(cb, pGT), s), s), u);
    g = v128.bitselect(f64x2.add(g, gT), g, has);
    ge = v128.bitselect(f64x2.add(ge, f64x2.mul(gT, v128.load(cb, pECA))), ge, has);
  }
  const hc = v128.load(cb, pHOVERC);
  const y = f64x2.mul(hc, g);
  const y2 = f64x2.mul(y, y);
  const one = kx2(K_ONE);
  const half = kx2(K_HALF);
  const tenth = kx2(K_TENTH);
  const yOver120 = f64x2.mul(y, kx2(K_120TH));
  const num = f64x2.add(f64x2.sub(one, f64x2.mul(half, y)), f64x2.mul(y2, f64x2.sub(tenth, yOver120)));
  const den = f64x2.add(f64x2.add(one, f64x2.mul(half, y)), f64x2.mul(y2, f64x2.add(tenth, yOver120)));
  let v1 = f64x2.div(
    f64x2.add(f64x2.mul(v0, num), f64x2.mul(f64x2.mul(hc, ge), f64x2.add(one, f64x2.mul(y2, kx2(K_60TH))))),
    den,
  );
  const pade = v128.and(f64x2.ge(y, f64x2.splat(0)), f64x2.lt(y, kx2(K_PADE_MAX)));
  if (!i64x2.all_true(pade)) {
    if (i64x2.extract_lane(pade, 0) == 0) {
      v1 = f64x2.replace_lane(v1, 0, expStep(f64x2.extract_lane(v0, 0), f64x2.extract_lane(g, 0), f64x2.extract_lane(ge, 0), f64x2.extract_lane(y, 0)));
    }
    if (i64x2.extract_lane(pade, 1) == 0) {
      v1 = f64x2.replace_lane(v1, 1, expStep(f64x2.extract_lane(v0, 1), f64x2.extract_lane(g, 1), f64x2.extract_lane(ge, 1), f64x2.extract_lane(y, 1)));
    }
  }
  v128.store(cb, v1, pV);
  const thr = kx2(K_THRESHOLD);
  const crossed = i64x2.bitmask(v128.and(f64x2.lt(v0, thr), f64x2.ge(v1, thr)));
  if (crossed != 0) {
    if (crossed & 1) {
      store<i32>(pSpiked + (<usize>spikes << 2), c);
      spikes++;
    }
    if (crossed & 2) {
      store<i32>(pSpiked + (<usize>spikes << 2), c + 1);
      spikes++;
    }
  }
  return spikes;
}
