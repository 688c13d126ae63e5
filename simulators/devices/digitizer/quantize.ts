/**
 * The simulated ADC: volts of the enabled inputs → scan-major 16-bit counts (digitizer doc §4:
 * halves round up, then clamp). Returns whether any sample hit either end of the range (overload).
 */
export function quantizeInputs(
  aiAll: readonly Float64Array[],
  enabled: readonly number[],
  n: number,
  rangeVolts: number,
  counts: Int16Array,
): boolean {
  const nAi = enabled.length;
  const cpv = 32768 / rangeVolts;
  let overload = false;
  for (let k = 0; k < nAi; k++) {
    const src = aiAll[enabled[k] as number] as Float64Array;
    for (let i = 0; i < n; i++) {
      let c = Math.round((src[i] as number) * cpv);
      if (c >= 32767) {
        c = 32767;
        overload = true;
      } else if (c <= -32768) {
        c = -32768;
        overload = true;
      }
      counts[i * nAi + k] = c;
    }
  }
  return overload;
}
