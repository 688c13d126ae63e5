/** Small statistics helpers for the online analysis (no dependency carries a Student-t CDF). */

export function mean(x: readonly number[]): number {
  if (x.length === 0) return Number.NaN;
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/** Sample standard deviation (n − 1); NaN below two values. */
export function sd(x: readonly number[]): number {
  if (x.length < 2) return Number.NaN;
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

export function median(x: readonly number[]): number {
  if (x.length === 0) return Number.NaN;
  const s = [...x].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const xx = x - 1;
  let a = c[0] as number;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** One-sample t-test of mean(x) = 0: statistic, degrees of freedom, two-sided p (NaN below 2 values). */
export function oneSampleT(x: readonly number[]): { t: number; df: number; p: number } {
  const n = x.length;
  if (n < 2) return { t: Number.NaN, df: Math.max(0, n - 1), p: Number.NaN };
  const s = sd(x);
  const t = s > 0 ? mean(x) / (s / Math.sqrt(n)) : mean(x) === 0 ? 0 : Math.sign(mean(x)) * Infinity;
  return { t, df: n - 1, p: studentTwoSidedP(t, n - 1) };
}

/** Solves the symmetric system A·x = b (n × n, row-major) by Gaussian elimination with partial pivoting; NaNs when singular. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c] as number) > Math.abs(m[p * n + c] as number)) p = r;
    const piv = m[p * n + c] as number;
    if (Math.abs(piv) < 1e-300) return new Float64Array(n).fill(Number.NaN);
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = m[c * n + k] as number;
        m[c * n + k] = m[p * n + k] as number;
        m[p * n + k] = t;
      }
      const t = x[c] as number;
      x[c] = x[p] as number;
      x[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = (m[r * n + c] as number) / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k] = (m[r * n + k] as number) - f * (m[c * n + k] as number);
      x[r] = (x[r] as number) - f * (x[c] as number);
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r] as number;
    for (let k = r + 1; k < n; k++) s -= (m[r * n + k] as number) * (x[k] as number);
    x[r] = s / (m[r * n + r] as number);
  }
  return x;
}

/**
 * Lower Cholesky factor L of the symmetric positive-definite A (n × n, row-major), A = L·Lᵀ;
 * undefined when A is not positive definite (or not finite).
 */
export function cholesky(A: ArrayLike<number>, n: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (L[i * n + k] as number) * (L[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / (L[j * n + j] as number);
      }
    }
  }
  return L;
}

/** x with L·x = b (L lower triangular, n × n row-major), into `out`. */
export function forwardSolve(L: Float64Array, b: ArrayLike<number>, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[i * n + k] as number) * (out[k] as number);
    out[i] = s / (L[i * n + i] as number);
  }
  return out;
}

/** Nelder–Mead minimisation from `x0` with initial step `step` per coordinate. */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], step: readonly number[], iterations = 200): { x: number[]; f: number } {
  const n = x0.length;
  const pts: number[][] = [[...x0]];
  for (let i = 0; i < n; i++) {
    const p = [...x0];
    p[i] = (p[i] as number) + (step[i] as number);
    pts.push(p);
  }
  let vals = pts.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = vals.map((v, i) => i).sort((a, b) => (vals[a] as number) - (vals[b] as number));
    const sorted = order.map((i) => pts[i] as number[]);
    vals = order.map((i) => vals[i] as number);
    pts.splice(0, pts.length, ...sorted);
    const best = vals[0] as number;
    const worst = vals[n] as number;
    if (Math.abs(worst - best) <= 1e-12 * (Math.abs(best) + 1e-30)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) centroid[k] = (centroid[k] as number) + (pts[i]?.[k] as number) / n;
    const along = (t: number) => centroid.map((c, k) => c + t * ((pts[n]?.[k] as number) - c));
    const xr = along(-1);
    const fr = f(xr);
    if (fr < best) {
      const xe = along(-2);
      const fe = f(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < (vals[n - 1] as number)) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const xc = along(fr < worst ? -0.5 : 0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, worst)) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = (pts[i] as number[]).map((v, k) => (pts[0]?.[k] as number) + 0.5 * (v - (pts[0]?.[k] as number)));
          vals[i] = f(pts[i] as number[]);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i < vals.length; i++) if ((vals[i] as number) < (vals[bi] as number)) bi = i;
  return { x: pts[bi] as number[], f: vals[bi] as number };
}

/** Welch's two-sample t-test of mean(x) = mean(y): statistic, Welch–Satterthwaite df, two-sided p. */
export function welchT(x: readonly number[], y: readonly number[]): { t: number; df: number; p: number } {
  const n = x.length;
  const m = y.length;
  if (n < 2 || m < 2) return { t: Number.NaN, df: 0, p: Number.NaN };
  const vx = sd(x) ** 2 / n;
  const vy = sd(y) ** 2 / m;
  const se = Math.sqrt(vx + vy);
  const t = se > 0 ? (mean(x) - mean(y)) / se : Number.NaN;
  const df = (vx + vy) ** 2 / ((vx * vx) / (n - 1) + (vy * vy) / (m - 1));
  return { t, df, p: studentTwoSidedP(t, df) };
}

/**
 * Golden-section search for the minimum of f(x) over x in [lo, hi], on a log scale (for time
 * constants that span decades): at most `iterations` steps, until the bracket in ln x is
 * narrower than `tol`. Returns the bracket's geometric middle.
 */
export function goldenSectionLog(f: (x: number) => number, lo: number, hi: number, iterations: number, tol: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo);
  let b = Math.log(hi);
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(Math.exp(c));
  let fd = f(Math.exp(d));
  for (let k = 0; k < iterations && b - a > tol; k++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(Math.exp(d));
    }
  }
  return Math.exp((a + b) / 2);
}
