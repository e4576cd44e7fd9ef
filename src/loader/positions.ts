/**
 * Maps a JSON pointer (ajv's instancePath, a ref's path) back to the YAML node it came from, so that every problem
 * points at the offending line and column rather than at the document.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Pos {
  line: number;
  col: number;
}

export interface Located {
  /** The deepest node reached. */
  node: Node;
  /** The key node of the last pair walked, when the pointer ends at a mapping value. */
  key?: Node;
  /** True when every segment of the pointer was found. */
  exact: boolean;
}

/** Splits an RFC 6901 pointer into unescaped segments ("" is the root). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolve(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** Walks `pointer` from `root` as far as the YAML tree goes. */
export function locate(doc: Document, pointer: string, root: unknown = doc.contents): Located | undefined {
  let cur = resolve(root, doc) as Node | null | undefined;
  if (!cur) return undefined;
  let key: Node | undefined;
  const segments = splitPointer(pointer);
  for (const seg of segments) {
    let next: unknown;
    let nextKey: Node | undefined;
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isPair(p) && keyString(p.key) === seg);
      if (pair) {
        nextKey = pair.key as Node;
        next = resolve(pair.value, doc);
      }
    } else if (isSeq(cur) && /^\d+$/.test(seg)) {
      next = resolve(cur.items[Number(seg)], doc);
    }
    if (next === undefined && nextKey === undefined) return { node: cur, key, exact: false };
    if (!next || !(next as Node).range || isEmptyScalar(next)) {
      return { node: (nextKey ?? cur) as Node, key: nextKey, exact: true };
    }
    cur = next as Node;
    key = nextKey;
  }
  return { node: cur, key, exact: true };
}

/** `port:` with nothing after it: point at the key, not at the end of the line. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** 1-based line/col of a node's first character. */
export function posOf(node: Node | undefined, counter: LineCounter): Pos {
  const offset = node?.range?.[0] ?? 0;
  return counter.linePos(offset);
}

/** Finds the key node of property `name` directly inside the mapping at `pointer` (for "unknown property"). */
export function locateKey(doc: Document, pointer: string, name: string): Node | undefined {
  const at = locate(doc, pointer);
  if (!at?.exact || !isMap(at.node)) return undefined;
  const pair = at.node.items.find((p) => isPair(p) && keyString(p.key) === name);
  return pair ? (pair.key as Node) : undefined;
}

/** Turns a pointer into the dotted path used in messages: `/spec/init/0/run` -> `spec.init[0].run`. */
export function dotted(pointer: string): string {
  let out = '';
  for (const seg of splitPointer(pointer)) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
