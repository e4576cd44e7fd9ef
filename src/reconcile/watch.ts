/**
 * Watch mode for authoring: chokidar on the config directory, debounced, so saving ten files in an editor costs
 * one run. The directory source digests content, so a touch that changes nothing triggers nothing.
 */
import type { Logger as PinoLogger } from 'pino';

const IGNORED = /(^|[/\\])(\.git|node_modules|\.driftless)([/\\]|$)/;

/** Starts watching `dir`; returns a function that stops watching. */
export async function startWatcher(dir: string, debounceMs: number, onChange: () => void, logger: PinoLogger): Promise<() => Promise<void>> {
  const { default: chokidar } = await import('chokidar'); // only watch mode needs it (~12 MiB resident)
  const watcher = chokidar.watch(dir, { ignored: IGNORED, ignoreInitial: true, persistent: true });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (event, path) => {
    logger.debug({ event, path }, 'file changed');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  });
  watcher.on('error', (err) => logger.warn({ err }, 'file watcher error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return async () => {
    if (timer) clearTimeout(timer);
    await watcher.close();
  };
}
