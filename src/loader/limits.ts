/**
 * Bounds on what a config repo can make the loader do. A config author controls every byte the loader reads, and
 * the daemon loads each new commit: a sub-megabyte YAML file once froze it for minutes. Each bound, when hit, is a
 * problem naming the file (so nothing is applied), never a crash or a stall.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const MiB = 1024 * 1024;

/** One YAML file: real resource files are a few KiB; 1 MiB is hundreds of resources in one file. */
export const MAX_FILE_BYTES = 1 * MiB;
/**
 * All YAML files of a repo together (resource files and driftless.yaml): bench/daemon-scale's 3,000 resources take
 * ~0.4 MiB, so this leaves room for ~200,000 such resources while bounding the parse work and the cache's memory.
 */
export const MAX_REPO_BYTES = 32 * MiB;
/** Parse time of one file in the worker; normal files take milliseconds, a full 1 MiB file well under a second. */
export const PARSE_TIMEOUT_MS = 5_000;
/** Old-generation heap of the parse worker: parsing a 1 MiB file needs ~60 MiB. */
export const PARSE_HEAP_MB = 256;

/** Alias expansions per document (yaml's own default, stated): past it, a billion-laughs document is a problem. */
export const MAX_ALIAS_COUNT = 100;

export interface LoadLimits {
  maxFileBytes: number;
  maxRepoBytes: number;
  parseTimeoutMs: number;
  parseHeapMb: number;
}

export const DEFAULT_LOAD_LIMITS: Readonly<LoadLimits> = {
  maxFileBytes: MAX_FILE_BYTES,
  maxRepoBytes: MAX_REPO_BYTES,
  parseTimeoutMs: PARSE_TIMEOUT_MS,
  parseHeapMb: PARSE_HEAP_MB,
};

export function loadLimits(overrides: Partial<LoadLimits> = {}): LoadLimits {
  return { ...DEFAULT_LOAD_LIMITS, ...overrides };
}

/** `6.2 MiB`, `512 KiB`, `300 bytes`: sizes in problems. */
export function formatBytes(n: number): string {
  const trim = (x: number) => x.toFixed(1).replace(/\.0$/, '');
  if (n >= MiB) return `${trim(n / MiB)} MiB`;
  if (n >= 1024) return `${trim(n / 1024)} KiB`;
  return `${n} bytes`;
}

export function fileTooLarge(size: number, limits: LoadLimits): string {
  return `file is ${formatBytes(size)}, over the ${formatBytes(limits.maxFileBytes)} limit for one file`;
}

export function repoTooLarge(total: number, limits: LoadLimits): string {
  return (
    `the repo's YAML files reach ${formatBytes(total)} with this one, over the ${formatBytes(limits.maxRepoBytes)} ` +
    'limit for a repo; this file and the ones after it were not read'
  );
}

/**
 * A file's size, and its bytes when within `max` (an oversized file is never read into memory). Only a regular
 * file is read: opened non-blocking, a FIFO or device (e.g. driftless.yaml linked to one) can neither block the
 * event loop nor stream forever (`special`).
 */
export function readBounded(path: string, max: number): { size: number; bytes?: Buffer; special?: true } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { size: 0, special: true };
    const { size } = st;
    if (size > max) return { size };
    const bytes = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { size: off, bytes: off === size ? bytes : bytes.subarray(0, off) };
  } finally {
    closeSync(fd);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 strictly: `readFileSync(path, 'utf8')` turned invalid bytes into U+FFFD silently, so a value could
 * differ from what the author's editor showed (e.g. a Latin-1 file). The failure names the line and column of the
 * first bad byte, found by bisecting with a streaming decoder (a valid prefix stays valid when shortened).
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { line: number; col: number; message: string } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (validPrefix(bytes.subarray(0, mid))) lo = mid;
      else hi = mid - 1;
    }
    const bad = sequenceStart(bytes, lo);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
    const cut = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = before.length - cut;
    return { line, col, message: `invalid UTF-8 (byte ${bad + 1} of the file): YAML files must be UTF-8` };
  }
}

/** Where the sequence broken at byte `at` began: a lead byte whose continuation stopped short (e.g. Latin-1 é + ASCII). */
function sequenceStart(bytes: Uint8Array, at: number): number {
  for (let k = 1; k <= 3 && at - k >= 0; k++) {
    const b = bytes[at - k] ?? 0;
    if (b >= 0x80 && b < 0xc0) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? at - k : at;
  }
  return at;
}

function validPrefix(prefix: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(prefix, { stream: true });
    return true;
  } catch {
    return false;
  }
}
