// AssemblyScript (built by `npm run build:wasm` with slice-kernel.as.ts, the entry file). This
// folder is not TypeScript for tsc or eslint, which exclude it.
//
// synapse.ts `deliver` in the kernel: the arrival queues live in the kernel's memory (JS queues
// arrivals into them at presynaptic spikes), so an arrival costs no return to JS. The same
// operations in the same order as the JS code, Math.exp imported from the host: bit-identical.

import { DECAY, RISE, f64At, i32At, nSyn, pGroupRows, pNextArrival, pQAmp, pQHead, pQLen, pQTime, pSynDecay, pSynGroup, pSynRise, pSynScale, pSynTauDecay, pSynTauRise, pSynTime, queue, setF64 } from './layout.as';

@external("env", "exp")
declare function hostExp(x: f64): f64; // the host's Math.exp: bit-identical to the JS path

/** synapse.ts `advanceSynapse`: decays synapse s's own (d, r) from its last update to t. */
@inline function advanceSynapse(s: i32, t: f64): void {
  const dt = t - f64At(pSynTime, s);
  if (dt > 0) {
    setF64(pSynRise, s, f64At(pSynRise, s) * hostExp(-dt / f64At(pSynTauRise, s)));
    setF64(pSynDecay, s, f64At(pSynDecay, s) * hostExp(-dt / f64At(pSynTauDecay, s)));
  }
  setF64(pSynTime, s, t);
}

/** synapse.ts `deliver`: every arrival due by t, synapse by synapse; returns the next arrival time. */
export function deliver(t: f64): f64 {
  let next = Infinity;
  for (let s = 0; s < nSyn; s++) {
    let len = i32At(pQLen, s);
    if (len == 0) continue;
    const base = s * queue;
    let head = i32At(pQHead, s);
    while (len > 0 && f64At(pQTime, base + head) <= t) {
      const a = f64At(pQAmp, base + head);
      const b = pGroupRows + (<usize>i32At(pSynGroup, s) << 3); // synapse.ts: slotAt of its group
      const x = a * f64At(pSynScale, s);
      store<f64>(b + RISE, load<f64>(b + RISE) + x);
      store<f64>(b + DECAY, load<f64>(b + DECAY) + x);
      advanceSynapse(s, t);
      setF64(pSynRise, s, f64At(pSynRise, s) + a);
      setF64(pSynDecay, s, f64At(pSynDecay, s) + a);
      head = (head + 1) % queue;
      len--;
    }
    store<i32>(pQHead + (<usize>s << 2), head);
    store<i32>(pQLen + (<usize>s << 2), len);
    if (len > 0) {
      const tn = f64At(pQTime, base + head);
      if (tn < next) next = tn;
    }
  }
  store<f64>(pNextArrival, next);
  return next;
}
