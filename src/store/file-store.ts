/**
 * The embedded backend (the default): each key is a file `<dir>/<ns>/<key>` and each log a file appended to, so a
 * state dir written before the store existed reads the same (`machines/keys/...`, `nginx/history.jsonl`,
 * `cf/<name>/status.json`). Writes go to a unique temp file and are renamed into place; files are 0600 and
 * directories 0700. Atomicity of `update` is per process (a state dir has one writer: journal/lock.ts).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkKey, checkLog, checkNamespace, LOG_SUFFIX } from './names.js';
import { DEFAULT_TAIL_BYTES, type PutOptions, type StateStore, type TailOptions, type UpdateResult } from './types.js';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** ENOENT, or a path through/at a directory: a key that is a group of other keys holds no value itself. */
const isMissing = (err: unknown): boolean => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** A store over the directory `dir` (the state dir); nothing is created until something is written. */
export function createFileStore(dir: string): StateStore {
  const queues = new Map<string, Promise<unknown>>();
  const pathOf = (ns: string, name: string): string => join(dir, ns, ...name.split('/'));

  async function write(path: string, value: Uint8Array | string): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
    // A unique temp name: two writers of one path never share (and interleave into) one temp file.
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, value, { mode: FILE_MODE });
    await rename(tmp, path);
  }

  async function read(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Removes directories left empty under the namespace after a delete, so a deleted group leaves no trace. */
  async function prune(ns: string, path: string): Promise<void> {
    const stop = join(dir, ns);
    for (let d = dirname(path); d.startsWith(stop) && d !== stop; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }

  /** Files under the namespace as `/`-joined names, temp files excluded. */
  async function walk(ns: string): Promise<string[]> {
    const root = join(dir, ns);
    const out: string[] = [];
    const visit = async (rel: string[]): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(root, ...rel), { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        if (e.isDirectory()) await visit([...rel, e.name]);
        else if (e.isFile() && !e.name.endsWith('.tmp')) out.push([...rel, e.name].join('/'));
      }
    };
    await visit([]);
    return out.sort();
  }

  const store: StateStore = {
    location: `file:${dir}`,
    async get(ns, key) {
      checkKey(ns, key);
      return read(pathOf(ns, key));
    },
    async put(ns, key, value, _opts?: PutOptions) {
      checkKey(ns, key);
      await write(pathOf(ns, key), value);
    },
    async delete(ns, key) {
      checkKey(ns, key);
      const path = pathOf(ns, key);
      await rm(path, { force: true });
      await prune(ns, path);
    },
    async list(ns, prefix = '') {
      checkNamespace(ns);
      return (await walk(ns)).filter((k) => k.startsWith(prefix) && !LOG_SUFFIX.test(k));
    },
    update(ns, key, fn: (current: Buffer | undefined) => UpdateResult, opts?: PutOptions) {
      checkKey(ns, key);
      const id = `${ns}\0${key}`;
      const run = async (): Promise<Buffer | undefined> => {
        const current = await read(pathOf(ns, key));
        const next = fn(current);
        if (next === undefined) return current;
        if (next === null) {
          await store.delete(ns, key);
          return undefined;
        }
        await store.put(ns, key, next, opts);
        return Buffer.from(next);
      };
      const result = (queues.get(id) ?? Promise.resolve()).then(run, run);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      queues.set(id, settled);
      void settled.then(() => {
        if (queues.get(id) === settled) queues.delete(id);
      });
      return result;
    },
    async append(ns, log, text) {
      checkLog(ns, log);
      const path = pathOf(ns, log);
      await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
      await appendFile(path, text.endsWith('\n') ? text : `${text}\n`, { mode: FILE_MODE });
    },
    async tail(ns, log, opts?: TailOptions) {
      checkLog(ns, log);
      return readTail(pathOf(ns, log), opts?.maxBytes ?? DEFAULT_TAIL_BYTES);
    },
    async logs(ns, prefix = '') {
      checkNamespace(ns);
      return (await walk(ns)).filter((k) => k.startsWith(prefix) && LOG_SUFFIX.test(k));
    },
  };
  return store;
}

/** The last `maxBytes` of a file, starting at a line when the file is longer. */
async function readTail(path: string, maxBytes: number): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    if (start === 0) return buf.toString('utf8');
    // Cut at the first line start inside the window: a partial first line would be a broken record.
    const nl = (await isLineStart(fh, start)) ? -1 : buf.indexOf(0x0a);
    return nl < 0 ? buf.toString('utf8') : buf.subarray(nl + 1).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function isLineStart(fh: import('node:fs/promises').FileHandle, pos: number): Promise<boolean> {
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, pos - 1);
  return one[0] === 0x0a;
}
