// AssemblyScript (built by `npm run build:wasm` with slice-kernel.as.ts, the entry file). This
// folder is not TypeScript for tsc or eslint, which exclude it.
//
// Where the kernel's arrays are: memory is owned by JS (imported, sized per slice up front),
// every state and parameter array is a typed-array view there, and the header at byte 0 holds
// their byte offsets (slots below, in the order of KERNEL_SLOTS in ../slice-kernel.ts). Also the
// constants the kernel shares with the JS path, passed in from JS so both use the same bits.

// Header slots (i32 byte offsets), in KERNEL_SLOTS order.
const S_V = 0; const S_M = 1; const S_H = 2; const S_N = 3; const S_P = 4; const S_U = 5;
const S_GL = 6; const S_GLEL = 7; const S_GNA = 8; const S_ENA = 9; const S_GK = 10; const S_EK = 11;
const S_GM = 12; const S_GT = 13; const S_ECA = 14; const S_HOVERC = 15;
const S_TABLE_AT = 16; const S_STRIDE = 17; const S_COLP = 18; const S_COLU = 19; const S_SPIKED = 20;
const S_KIND = 21; const S_GA = 22; const S_RA = 23; const S_CP = 24; const S_OFF = 25;
const S_TIPU = 26; const S_TIPVP = 27; const S_TIPK = 28; const S_CMD = 29; const S_OUT = 30;
const S_PG = 31; const S_PGE = 32; const S_PI = 33;
const S_ROW_START = 34; const S_GROUP_ROWS = 35; const S_SILENT = 36; const S_COUNTER = 37; const S_IO = 38;
const S_CH_OF_CELL = 39;
const S_SYN_GROUP = 40; const S_SYN_SCALE = 41; const S_SYN_TAU_RISE = 42; const S_SYN_TAU_DECAY = 43;
const S_SYN_RISE = 44; const S_SYN_DECAY = 45; const S_SYN_TIME = 46;
const S_Q_TIME = 47; const S_Q_AMP = 48; const S_Q_HEAD = 49; const S_Q_LEN = 50; const S_NEXT_ARRIVAL = 51;

// Arrays at fixed addresses (PINNED in ../slice-kernel.ts, same order): per cell or per channel,
// PIN bytes each after the 4 KiB header, then the command and measurement chunks. Compile-time
// constants, so no global load; the hot loops pass them as the load's offset immediate
// (`v128.load(cb, pV)`, not `v128.load(pV + cb)`), which V8 folds into the addressing mode where
// the add costs an instruction of its own. `init` checks them.
const PIN0: usize = 4096;
const PIN: usize = 512;
// Cells: state, parameters, gating tables (byte offset per cell), spiked cells.
export const pV: usize = PIN0 + 0 * PIN; export const pM: usize = PIN0 + 1 * PIN; export const pH: usize = PIN0 + 2 * PIN;
export const pN: usize = PIN0 + 3 * PIN; export const pP: usize = PIN0 + 4 * PIN; export const pU: usize = PIN0 + 5 * PIN;
export const pGL: usize = PIN0 + 6 * PIN; export const pGLEL: usize = PIN0 + 7 * PIN; export const pGNA: usize = PIN0 + 8 * PIN;
export const pENA: usize = PIN0 + 9 * PIN; export const pGK: usize = PIN0 + 10 * PIN; export const pEK: usize = PIN0 + 11 * PIN;
export const pGM: usize = PIN0 + 12 * PIN; export const pGT: usize = PIN0 + 13 * PIN; export const pECA: usize = PIN0 + 14 * PIN;
export const pHOVERC: usize = PIN0 + 15 * PIN;
export const pTableAt: usize = PIN0 + 16 * PIN; export const pStride: usize = PIN0 + 17 * PIN;
export const pColP: usize = PIN0 + 18 * PIN; export const pColU: usize = PIN0 + 19 * PIN; export const pSpiked: usize = PIN0 + 20 * PIN;
// Pipettes (per channel; pPG, pPGE, pPI per cell), the channel on each cell (−1: none).
export const pKind: usize = PIN0 + 21 * PIN; export const pGA: usize = PIN0 + 22 * PIN; export const pRA: usize = PIN0 + 23 * PIN;
export const pCP: usize = PIN0 + 24 * PIN; export const pOff: usize = PIN0 + 25 * PIN; export const pTipU: usize = PIN0 + 26 * PIN;
export const pTipVp: usize = PIN0 + 27 * PIN; export const pTipK: usize = PIN0 + 28 * PIN;
export const pPG: usize = PIN0 + 29 * PIN; export const pPGE: usize = PIN0 + 30 * PIN; export const pPI: usize = PIN0 + 31 * PIN;
export const pChOfCell: usize = PIN0 + 32 * PIN;
export const CHUNK: i32 = 1024; // samples per channel in cmd and out (PIPETTE_CHUNK: init's check of pOut fixes it)
export const pCmd: usize = PIN0 + 33 * PIN; // 8 channels × CHUNK samples of f64
export const pOut: usize = pCmd + 8 * <usize>CHUNK * 8;
// Synapse groups (synapse.ts Layout: rowStart per cell pair + 1; rows of ROW_BYTES, the fields of
// their two slots at the offsets below; silence threshold per slot), the silence counter; the io
// area of `run`.
export let pRowStart: usize = 0; export let pGroupRows: usize = 0; export let pSilent: usize = 0;
export let pCounter: usize = 0; export let pIO: usize = 0;
export const DECAY: usize = 0; export const RISE: usize = 16; export const K_DECAY: usize = 32;
export const K_RISE: usize = 48; export const REV: usize = 64; export const ROW_BYTES: usize = 80;

/** Byte address of group slot g's fields (add a field offset); synapse.ts `slotAt`. */
@inline export function slotAt(g: i32): usize {
  return pGroupRows + <usize>(g >> 1) * ROW_BYTES + (<usize>(g & 1) << 3);
}
// Synapses (per synapse; queues of `queue` arrivals each) and the earliest queued arrival (synapse.ts).
export let pSynGroup: usize = 0; export let pSynScale: usize = 0; export let pSynTauRise: usize = 0;
export let pSynTauDecay: usize = 0; export let pSynRise: usize = 0; export let pSynDecay: usize = 0;
export let pSynTime: usize = 0; export let pQTime: usize = 0; export let pQAmp: usize = 0;
export let pQHead: usize = 0; export let pQLen: usize = 0; export let pNextArrival: usize = 0;

export let nCell = 0; export let nCh = 0; export let nSlot = 0; export let nSyn = 0; export let queue = 0;
export let silenceEvery = 0;
export let vMin: f64 = 0; export let invStep: f64 = 0; export let lastRow: f64 = 0; export let lastRowBelow: f64 = 0;
export let threshold: f64 = 0; export let padeMax: f64 = 0; export let rail: f64 = 0;

// Per cell pair (≤ 32), in the header's spare room after its first 256 bytes (the slots JS writes): what the substep
// would otherwise work out per pair from values constant over a block (`setBlock` sets it).
export const PAIRS: usize = 256; export const PAIR_BYTES: usize = 80;
export const PAIR_NODES: usize = 0; // i32: both cells on adjacent NODE channels (slice-kernel.as.ts nodePair)
export const PAIR_ANY_P: usize = 4; export const PAIR_ANY_U: usize = 8; // i32: either cell has the column
export const PAIR_HAS_P: usize = 16; export const PAIR_HAS_U: usize = 32; // v128: all-ones lanes where it has
export const PAIR_COL_P: usize = 48; export const PAIR_COL_U: usize = 56; // i32 × 2: its byte offset in the row (0: none)
export const PAIR_TABLE: usize = 64; export const PAIR_ROW: usize = 72; // i32 × 2: each cell's table (tableAt) and row bytes

// Constants as f64x2 (both lanes), also in the header's spare room, set by `init`: one load with
// a constant address each, where a splat costs two instructions and a literal three.
const CONSTS: usize = 3072; // after PAIRS (32 pairs)
export const K_VMIN: usize = 0; export const K_INV_STEP: usize = 16; export const K_LAST_ROW: usize = 32;
export const K_LAST_ROW_BELOW: usize = 48; export const K_PADE_MAX: usize = 64; export const K_THRESHOLD: usize = 80;
export const K_RAIL: usize = 96; export const K_NEG_RAIL: usize = 112; export const K_ONE: usize = 128;
export const K_HALF: usize = 144; export const K_TENTH: usize = 160; export const K_120TH: usize = 176; export const K_60TH: usize = 192;

/** The constant at CONSTS + k in both lanes. */
@inline export function kx2(k: usize): v128 {
  return v128.load(CONSTS + k);
}

// Per block: substeps per sample, h, dt.
export let sub = 1; export let hStep: f64 = 0; export let dtSample: f64 = 0;

@inline function slot(s: i32): usize {
  return <usize>load<i32>(<usize>(s << 2));
}

/** 1 if header slot s does not hold the pinned address p. */
@inline function misplaced(s: i32, p: usize): i32 {
  return slot(s) != p ? 1 : 0;
}

/**
 * Reads the header (array offsets) and the constants shared with the JS path. Returns how many
 * pinned arrays are not at their address (JS throws unless 0).
 */
export function init(cells: i32, channels: i32, slots: i32, synapses: i32, queue_: i32, silence: i32, vMin_: f64, invStep_: f64, lastRow_: f64, threshold_: f64, padeMax_: f64, rail_: f64): i32 {
  pRowStart = slot(S_ROW_START); pGroupRows = slot(S_GROUP_ROWS); pSilent = slot(S_SILENT); pCounter = slot(S_COUNTER); pIO = slot(S_IO);
  pSynGroup = slot(S_SYN_GROUP); pSynScale = slot(S_SYN_SCALE); pSynTauRise = slot(S_SYN_TAU_RISE);
  pSynTauDecay = slot(S_SYN_TAU_DECAY); pSynRise = slot(S_SYN_RISE); pSynDecay = slot(S_SYN_DECAY);
  pSynTime = slot(S_SYN_TIME); pQTime = slot(S_Q_TIME); pQAmp = slot(S_Q_AMP); pQHead = slot(S_Q_HEAD);
  pQLen = slot(S_Q_LEN); pNextArrival = slot(S_NEXT_ARRIVAL);
  nCell = cells; nCh = channels; nSlot = slots; nSyn = synapses; queue = queue_; silenceEvery = silence;
  vMin = vMin_; invStep = invStep_; lastRow = lastRow_; lastRowBelow = lastRow_ - 1e-9;
  threshold = threshold_; padeMax = padeMax_; rail = rail_;
  v128.store(CONSTS + K_VMIN, f64x2.splat(vMin)); v128.store(CONSTS + K_INV_STEP, f64x2.splat(invStep));
  v128.store(CONSTS + K_LAST_ROW, f64x2.splat(lastRow)); v128.store(CONSTS + K_LAST_ROW_BELOW, f64x2.splat(lastRowBelow));
  v128.store(CONSTS + K_PADE_MAX, f64x2.splat(padeMax)); v128.store(CONSTS + K_THRESHOLD, f64x2.splat(threshold));
  v128.store(CONSTS + K_RAIL, f64x2.splat(rail)); v128.store(CONSTS + K_NEG_RAIL, f64x2.splat(-rail));
  v128.store(CONSTS + K_ONE, f64x2.splat(1)); v128.store(CONSTS + K_HALF, f64x2.splat(0.5));
  v128.store(CONSTS + K_TENTH, f64x2.splat(0.1)); v128.store(CONSTS + K_120TH, f64x2.splat(1.0 / 120));
  v128.store(CONSTS + K_60TH, f64x2.splat(1.0 / 60));
  return misplaced(S_V, pV) + misplaced(S_M, pM) + misplaced(S_H, pH) + misplaced(S_N, pN) + misplaced(S_P, pP) + misplaced(S_U, pU)
    + misplaced(S_GL, pGL) + misplaced(S_GLEL, pGLEL) + misplaced(S_GNA, pGNA) + misplaced(S_ENA, pENA) + misplaced(S_GK, pGK)
    + misplaced(S_EK, pEK) + misplaced(S_GM, pGM) + misplaced(S_GT, pGT) + misplaced(S_ECA, pECA) + misplaced(S_HOVERC, pHOVERC)
    + misplaced(S_TABLE_AT, pTableAt) + misplaced(S_STRIDE, pStride) + misplaced(S_COLP, pColP) + misplaced(S_COLU, pColU)
    + misplaced(S_SPIKED, pSpiked) + misplaced(S_KIND, pKind) + misplaced(S_GA, pGA) + misplaced(S_RA, pRA) + misplaced(S_CP, pCP)
    + misplaced(S_OFF, pOff) + misplaced(S_TIPU, pTipU) + misplaced(S_TIPVP, pTipVp) + misplaced(S_TIPK, pTipK)
    + misplaced(S_PG, pPG) + misplaced(S_PGE, pPGE) + misplaced(S_PI, pPI) + misplaced(S_CH_OF_CELL, pChOfCell)
    + misplaced(S_CMD, pCmd) + misplaced(S_OUT, pOut);
}

/** The block's sampling: `sub` substeps of h per sample of dt. */
export function setSampling(sub_: i32, h: f64, dt: f64): void {
  sub = sub_; hStep = h; dtSample = dt;
}

@inline export function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}
@inline export function setF64(base: usize, i: i32, x: f64): void {
  store<f64>(base + (<usize>i << 3), x);
}
@inline export function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
