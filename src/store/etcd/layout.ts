/**
 * Where each part of a StateStore lives in etcd, under the store's prefix (`driftless/` by default):
 *   kv/<ns>/<key>                   a key's value (or a chunk head for a large value, see chunks.ts)
 *   blob/<ns>/<key>/<id>/<nnnnnn>   the chunks of a large value, written before the head that names them
 *   log/<ns>/<log>/<seq>            one appended record per key, seq zero-padded so keys sort in append order
 *   logseq/<ns>/<log>               the log's last seq, advanced by compare-and-set with each append
 * Names are checked by store/names.ts first, so a segment never holds `/..` or an empty part.
 */
export const SEQ_DIGITS = 12;

export const kvKey = (ns: string, key: string): string => `kv/${ns}/${key}`;
export const kvPrefix = (ns: string, prefix = ''): string => `kv/${ns}/${prefix}`;
export const blobPrefix = (ns: string, key: string, id: string): string => `blob/${ns}/${key}/${id}/`;
export const logEntry = (ns: string, log: string, seq: number): string => `log/${ns}/${log}/${String(seq).padStart(SEQ_DIGITS, '0')}`;
export const logEntries = (ns: string, log: string): string => `log/${ns}/${log}/`;
export const logSeq = (ns: string, log: string): string => `logseq/${ns}/${log}`;
export const logSeqPrefix = (ns: string, prefix = ''): string => `logseq/${ns}/${prefix}`;
/** The `ns/key` a sealed value is bound to (envelope.ts associated data). */
export const aadOf = (ns: string, key: string): string => `${ns}/${key}`;
