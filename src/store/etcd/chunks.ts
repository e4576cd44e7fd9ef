/**
 * Values larger than one etcd request (1.5 MiB by default; the journal of a big fleet is several MiB) are stored
 * as chunks under a fresh id, and the key itself holds a small head naming them. The head is what `update`
 * compares and swaps, so a large value changes atomically: chunks of a new id are written first, the head is
 * switched in one transaction, and only then are the old chunks removed. A reader reads the chunks at the
 * revision it read the head at, so a concurrent switch never hands it a mix.
 */
import { randomBytes } from 'node:crypto';
import type { Namespace } from 'etcd3';
import { StalledError } from '../../errors.js';
import { blobPrefix } from './layout.js';

const HEAD_MAGIC = 'DLCHUNK1\0';
/** Chunk size: under etcd's default request limit with room for the key and the transaction around it. */
export const CHUNK_BYTES = 1024 * 1024;

interface Head {
  id: string;
  n: number;
  size: number;
}

export function isChunkHead(value: Buffer): boolean {
  return value.length < 512 && value.subarray(0, HEAD_MAGIC.length).toString('latin1') === HEAD_MAGIC;
}

function parseHead(value: Buffer): Head {
  return JSON.parse(value.subarray(HEAD_MAGIC.length).toString('utf8')) as Head;
}

/** Writes the chunks of `value` under a new id and returns the head to store at the key. */
export async function writeChunks(kv: Namespace, ns: string, key: string, value: Buffer): Promise<Buffer> {
  const id = randomBytes(8).toString('hex');
  const n = Math.ceil(value.length / CHUNK_BYTES);
  for (let i = 0; i < n; i++) {
    await kv.put(`${blobPrefix(ns, key, id)}${String(i).padStart(6, '0')}`).value(value.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  }
  return Buffer.from(HEAD_MAGIC + JSON.stringify({ id, n, size: value.length }), 'utf8');
}

/** The value a head names, read at `revision` (the revision the head was read at). */
export async function readChunks(kv: Namespace, ns: string, key: string, head: Buffer, revision: string): Promise<Buffer> {
  const h = parseHead(head);
  const parts: Buffer[] = [];
  for (let i = 0; i < h.n; i++) {
    const part = await kv.get(`${blobPrefix(ns, key, h.id)}${String(i).padStart(6, '0')}`).revision(revision).buffer();
    if (!part) throw new StalledError('StateStoreUnavailable', `state value ${ns}/${key}: chunk ${i} of ${h.n} is missing`);
    parts.push(part);
  }
  const out = Buffer.concat(parts);
  if (out.length !== h.size) throw new StalledError('StateStoreUnavailable', `state value ${ns}/${key}: chunks hold ${out.length} bytes, head says ${h.size}`);
  return out;
}

/** Removes the chunks a replaced or deleted head named (a no-op for a value that was not chunked). */
export async function dropChunks(kv: Namespace, ns: string, key: string, old: Buffer | undefined): Promise<void> {
  if (!old || !isChunkHead(old)) return;
  await kv.delete().prefix(blobPrefix(ns, key, parseHead(old).id));
}
