/**
 * The BuildKit trace decoder on hand-encoded StatusResponse messages (the wire format the engine sends), and the
 * context tar read back by the system's tar: what a build log and a build context must contain.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTraceDecoder } from '../../../src/drivers/docker/buildkit-trace.js';
import { packContext } from '../../../src/drivers/docker/context-tar.js';
import { followStream } from '../../../src/drivers/docker/stream.js';
import { tempDir } from '../../harness/tmp.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const bytes = (no: number, v: string | Buffer): Buffer => {
  const b = Buffer.isBuffer(v) ? v : Buffer.from(v);
  return Buffer.concat([varint(no * 8 + 2), varint(b.length), b]);
};
const int = (no: number, v: number): Buffer => Buffer.concat([varint(no * 8), varint(v)]);
const timestamp = Buffer.concat([int(1, 1_700_000_000), int(2, 5)]);
const vertex = (digest: string, name: string, extra: Buffer[] = []): Buffer => bytes(1, Buffer.concat([bytes(1, digest), bytes(3, name), ...extra]));
const log = (digest: string, msg: string): Buffer => bytes(3, Buffer.concat([bytes(1, digest), bytes(2, timestamp), int(3, 1), bytes(4, msg)]));
const aux = (...parts: Buffer[]): string => Buffer.concat(parts).toString('base64');

describe('BuildKit trace decoder', () => {
  it('names each step once, carries RUN output across chunks, and reports cache hits and errors', () => {
    const d = createTraceDecoder();
    expect(d.lines(aux(vertex('sha256:a', '[1/2] FROM base', [int(4, 1), bytes(5, timestamp), bytes(6, timestamp)])))).toEqual(['#1 [1/2] FROM base', '#1 CACHED']);
    expect(d.lines(aux(vertex('sha256:b', '[2/2] RUN make', [bytes(5, timestamp)])))).toEqual(['#2 [2/2] RUN make']);
    expect(d.lines(aux(vertex('sha256:b', '[2/2] RUN make', [bytes(5, timestamp)]), log('sha256:b', 'compil')))).toEqual([]);
    expect(d.lines(aux(log('sha256:b', 'ing\nlinking\nhalf')))).toEqual(['#2 compiling', '#2 linking']);
    const failed = vertex('sha256:b', '[2/2] RUN make', [bytes(5, timestamp), bytes(6, timestamp), bytes(7, 'exit code: 2')]);
    expect(d.lines(aux(failed))).toEqual(['#2 half', '#2 ERROR: exit code: 2']);
    expect(d.lines('not protobuf at all!')).toEqual([]);
  });

  it('followStream turns trace messages into log lines and keeps the image id and the error', async () => {
    const msgs = [
      { id: 'moby.buildkit.trace', aux: aux(vertex('sha256:c', '[1/1] RUN false', [bytes(5, timestamp)]), log('sha256:c', 'boom\n')) },
      { id: 'moby.image.id', aux: { ID: 'sha256:feed' } },
      { errorDetail: { message: 'exit code: 1' }, error: 'exit code: 1' },
    ];
    const lines: string[] = [];
    const out = await followStream(Readable.from([msgs.map((m) => JSON.stringify(m)).join('\n')]), (l) => lines.push(l));
    expect(lines).toEqual(['#1 [1/1] RUN false', '#1 boom', 'error: exit code: 1']);
    expect(out).toMatchObject({ imageId: 'sha256:feed', error: 'exit code: 1' });
  });
});

describe('packContext', () => {
  it('is a tar the system tar reads: files, mounted dirs under their prefix without skipped entries, long names', async () => {
    const dir = tempDir('pack-src');
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'x');
    mkdirSync(join(dir, long, '..'), { recursive: true });
    writeFileSync(join(dir, long), 'deep\n');
    const chunks: Buffer[] = [];
    for await (const c of packContext({ files: { Dockerfile: 'FROM x\n' }, mounts: { media: { dir, skip: ['.git'] } } })) chunks.push(c as Buffer);
    const tarFile = join(tempDir('pack-out'), 'ctx.tar');
    writeFileSync(tarFile, Buffer.concat(chunks));
    const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toContain(`media/${long}`);
    expect(listing).toContain('Dockerfile');
    expect(listing.some((l) => l.includes('.git'))).toBe(false);
    expect(execFileSync('tar', ['-xOf', tarFile, `media/${long}`], { encoding: 'utf8' })).toBe('deep\n');
  });
});
