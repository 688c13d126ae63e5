/**
 * exp(A·h) of a real 2×2 matrix A = [[a, b], [c, d]] with real eigenvalues (b·c ≥ 0, the case of
 * two RC nodes coupled by a resistor), written into `out` as [m00, m01, m10, m11].
 *
 * Uses Sylvester's formula exp(Ah) = ((λ1·e^{λ2h} − λ2·e^{λ1h})·I + (e^{λ1h} − e^{λ2h})·A)/(λ1 − λ2),
 * and, when the eigenvalues (nearly) coincide, the confluent form e^{λh}·(I + (A − λI)·h).
 */
export function expm2x2(a: number, b: number, c: number, d: number, h: number, out: Float64Array): void {
  const half = (a + d) / 2;
  const disc = ((a - d) * (a - d)) / 4 + b * c;
  const root = Math.sqrt(disc > 0 ? disc : 0);
  if (root * h < 1e-7) {
    const e = Math.exp(half * h);
    out[0] = e * (1 + (a - half) * h);
    out[1] = e * b * h;
    out[2] = e * c * h;
    out[3] = e * (1 + (d - half) * h);
    return;
  }
  const l1 = half + root;
  const l2 = half - root;
  const e1 = Math.exp(l1 * h);
  const e2 = Math.exp(l2 * h);
  const k0 = (l1 * e2 - l2 * e1) / (l1 - l2);
  const k1 = (e1 - e2) / (l1 - l2);
  out[0] = k0 + k1 * a;
  out[1] = k1 * b;
  out[2] = k1 * c;
  out[3] = k0 + k1 * d;
}
