/**
 * A tiny history line (criteria 3–4): the trend of one test-pulse value, log y for resistances
 * (a doubling of Ra reads the same at 10 and at 100 MΩ). Drawn on a small canvas: 8 lanes × 4
 * sparklines updated 30×/s would be too many uPlot instances for what is one polyline.
 */
export function drawSparkline(canvas: HTMLCanvasElement, values: readonly (number | null | undefined)[], color: string, log: boolean): void {
  const pr = devicePixelRatio || 1;
  const w = canvas.clientWidth || 60;
  const h = canvas.clientHeight || 16;
  if (canvas.width !== Math.round(w * pr)) canvas.width = Math.round(w * pr);
  if (canvas.height !== Math.round(h * pr)) canvas.height = Math.round(h * pr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const ys: number[] = [];
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) ys.push(NaN);
    else ys.push(log ? Math.log10(v) : v);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of ys) {
    if (Number.isNaN(y)) continue;
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  if (!(lo <= hi)) return;
  if (hi - lo < 1e-12) {
    lo -= 1;
    hi += 1;
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = pr;
  ctx.beginPath();
  let pen = false;
  const n = ys.length;
  ys.forEach((y, i) => {
    if (Number.isNaN(y)) {
      pen = false;
      return;
    }
    const px = n === 1 ? canvas.width - 1 : (i / (n - 1)) * (canvas.width - 1);
    const py = canvas.height - 1 - ((y - lo) / (hi - lo)) * (canvas.height - 2);
    if (pen) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    pen = true;
  });
  ctx.stroke();
}
