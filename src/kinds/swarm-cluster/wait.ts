/** Bounded polling for swarm state that settles asynchronously (a joined node listed, a drained node emptied). */
import { TransientError } from '../../errors.js';

/** Calls `probe` until it returns a value (not undefined) or `timeoutMs` passes (TransientError naming `what`). */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new TransientError('Timeout', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}
