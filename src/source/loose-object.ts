/**
 * Writes git loose objects with Node's own zlib. isomorphic-git's writeBlob deflates each object through a web
 * CompressionStream pipeline (Blob -> stream -> Response): for the status report's thousands of small files that
 * garbage raised the daemon's peak RSS by ~20 MiB in one burst. Same format as git's: `<type> <size>\0<content>`,
 * SHA-1 over it, zlib-deflated under objects/xx/yyyy; an object already present is not written again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

/** Stores `content` as a loose object of `type`; returns its id. */
export function writeLooseObject(gitdir: string, type: 'blob' | 'tree' | 'commit', content: Buffer): string {
  const full = Buffer.concat([Buffer.from(`${type} ${content.length}\0`, 'latin1'), content]);
  const oid = createHash('sha1').update(full).digest('hex');
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const path = join(dir, oid.slice(2));
  if (existsSync(path)) return oid;
  mkdirSync(dir, { recursive: true });
  // Written beside and renamed: a crash never leaves a truncated object under its final name.
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, deflateSync(full, { level: 1 }));
  renameSync(tmp, path);
  return oid;
}
