/**
 * Persists the latest value at most every `intervalMs`, and always once more on flush(). A large apply records
 * its inventory after every task; writing the whole journal each time made applies quadratic in resource count.
 * The window a crash can lose is bounded by the interval, and what it loses is only bookkeeping: the next run
 * observes the world again and adopts what was applied.
 */
export interface ThrottledSaver<T> {
  save(value: T): Promise<void>;
  flush(): Promise<void>;
}

export function createThrottledSaver<T>(write: (value: T) => Promise<void>, intervalMs: number): ThrottledSaver<T> {
  let pending: { value: T } | undefined;
  let lastWrite = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const writeNow = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const next = pending;
    pending = undefined;
    if (!next) return chain;
    lastWrite = Date.now();
    chain = chain.then(() => write(next.value));
    return chain;
  };

  return {
    save(value) {
      pending = { value };
      if (Date.now() - lastWrite >= intervalMs) return writeNow();
      timer ??= setTimeout(() => void writeNow().catch(() => undefined), intervalMs - (Date.now() - lastWrite));
      return Promise.resolve();
    },
    flush: writeNow,
  };
}
