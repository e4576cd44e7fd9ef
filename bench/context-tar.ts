/**
 * Packing a build context: driftless's streaming tar writer (src/drivers/docker/context-tar.ts) vs tar-stream's
 * pack (the library dockerode already pulls in, via tar-fs), both reading the same directory from disk and writing
 * to a sink that counts bytes. Prints wall time, bytes and the verdict behind keeping the hand-written writer.
 *   npx tsx bench/context-tar.ts [--files 3000] [--big-mib 64] [--runs 5] [--quick]
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packContext } from '../src/drivers/docker/context-tar.js';
import { tempDir } from '../test/harness/tmp.js';
import { benchStart } from './lib/record.js';
import { numArg } from './lib/args.js';

const rec = benchStart('context-tar');

const arg = numArg;
const FILES = arg('files', rec.quick ? 100 : 3000);
const BIG = arg('big-mib', rec.quick ? 4 : 64);
const RUNS = arg('runs', rec.quick ? 1 : 5);

interface TarHeader {
  name: string;
  size?: number;
  mode?: number;
  mtime?: Date;
  type?: string;
}
interface TarPack extends Readable {
  entry(header: TarHeader, cb: (err?: Error | null) => void): Writable;
  entry(header: TarHeader, body: Buffer, cb: (err?: Error | null) => void): Writable;
  finalize(): void;
}
const tarStream = createRequire(import.meta.url)('tar-stream') as { pack(): TarPack };

function context(): string {
  const dir = tempDir('ctx-bench');
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `d${i % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), `file ${i} `.repeat(50 + (i % 200)));
  }
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(BIG * 1024 * 1024, 7));
  return dir;
}

function sink(): { stream: Writable; bytes: () => number } {
  let n = 0;
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((n += c.length), cb()) }), bytes: () => n };
}

/** tar-stream fed the way a caller would: walk, small files read whole, large ones piped into the entry. */
async function viaTarStream(dir: string, out: Writable): Promise<void> {
  const pack = tarStream.pack();
  const done = pipeline(pack, out);
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, r));
      if (st.isDirectory()) {
        await new Promise<void>((res, rej) => pack.entry({ name: `${r}/`, type: 'directory', mode: st.mode, mtime: st.mtime }, (e?: Error | null) => (e ? rej(e) : res())));
        await walk(r);
      } else if (st.size <= 1 << 20) {
        const body = await readFile(join(dir, r));
        await new Promise<void>((res, rej) => pack.entry({ name: r, size: body.length, mode: st.mode, mtime: st.mtime }, body, (e?: Error | null) => (e ? rej(e) : res())));
      } else {
        await new Promise<void>((res, rej) => {
          const entry = pack.entry({ name: r, size: st.size, mode: st.mode, mtime: st.mtime }, (e?: Error | null) => (e ? rej(e) : res()));
          createReadStream(join(dir, r)).pipe(entry);
        });
      }
    }
  };
  await walk('');
  pack.finalize();
  await done;
}

async function time(fn: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const bytes = await fn();
  return { ms: performance.now() - t0, bytes };
}

const dir = context();
const ours: number[] = [];
const lib: number[] = [];
let sizes = { ours: 0, lib: 0 };
for (let i = 0; i < RUNS; i++) {
  const a = await time(async () => {
    const s = sink();
    await pipeline(packContext({ dir }), s.stream);
    return s.bytes();
  });
  const b = await time(async () => {
    const s = sink();
    await viaTarStream(dir, s.stream);
    return s.bytes();
  });
  ours.push(a.ms);
  lib.push(b.ms);
  sizes = { ours: a.bytes, lib: b.bytes };
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`context: ${FILES} small files + ${BIG} MiB file, ${RUNS} runs, medians`);
console.log(`driftless context-tar: ${median(ours).toFixed(0)} ms (${(sizes.ours / 1048576).toFixed(1)} MiB)`);
console.log(`tar-stream pack:       ${median(lib).toFixed(0)} ms (${(sizes.lib / 1048576).toFixed(1)} MiB)`);
console.log(`ratio: ${(median(ours) / median(lib)).toFixed(2)}x of tar-stream's time`);
rec.finish({
  compares: `packing a build context (${FILES} small files + a ${BIG} MiB file) with driftless's writer vs tar-stream's pack`,
  figures: [`${median(ours).toFixed(0)} ms vs ${median(lib).toFixed(0)} ms = ${(median(ours) / median(lib)).toFixed(2)}x, medians of ${RUNS}`],
  target: "<= tar-stream's time (else use the library)",
  met: median(ours) <= median(lib),
});
