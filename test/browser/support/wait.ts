/** Waiting helpers: poll until a condition holds, or let a frame pass. */

/** Resolves with `probe()`'s first truthy result; rejects with `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves at the next animation frame. */
export function nextFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}
