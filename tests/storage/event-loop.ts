/**
 * The longest time the event loop went without running a timer while `work` ran: the gaps between
 * ticks of a 5 ms interval (a free loop shows ≈ 5 ms; a blocked one the length of the block).
 */
export async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  };
  const timer = setInterval(tick, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  tick();
  return worst;
}
