/**
 * `tail` of a log kept as one etcd key per record: records are read newest first in pages until the window is
 * full, then the window is cut at a line start, exactly as the file backend cuts a file's end (a partial first
 * line would be a broken record).
 */
import type { Namespace } from 'etcd3';

const PAGE = 256;

export async function tailOf(kv: Namespace, entriesPrefix: string, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  let before: string | undefined;
  while (bytes < maxBytes) {
    let q = kv.getAll().prefix(entriesPrefix).sort('Key', 'Descend').limit(PAGE);
    if (before !== undefined) q = kv.getAll().inRange({ start: entriesPrefix, end: before }).sort('Key', 'Descend').limit(PAGE);
    const res = await q.exec();
    for (const hit of res.kvs) {
      parts.unshift(hit.value);
      bytes += hit.value.length;
      if (bytes >= maxBytes) break;
    }
    if (res.kvs.length < PAGE) break;
    before = res.kvs[res.kvs.length - 1]!.key.toString('utf8');
  }
  const all = Buffer.concat(parts);
  if (all.length <= maxBytes) return all.toString('utf8');
  const window = all.subarray(all.length - maxBytes);
  // The window starts at a line start only if the byte before it ends a line.
  if (all[all.length - maxBytes - 1] === 0x0a) return window.toString('utf8');
  const nl = window.indexOf(0x0a);
  return nl < 0 ? window.toString('utf8') : window.subarray(nl + 1).toString('utf8');
}
