/**
 * Maps a JSON pointer (ajv's instancePath, a ref's path) back to where it came from in the YAML text, so that every
 * problem points at the offending line and column rather than at the document. The parse worker builds the index
 * (parse-worker-source.ts): the main thread never holds a yaml Document, only pointers and positions.
 */

export interface Pos {
  line: number;
  col: number;
}

/** What the parse worker sends per document: positions of every node reachable by pointer. */
export interface PositionIndex {
  /** Escaped JSON pointers ("" is the document's root), in document order. */
  pointers: string[];
  /** Per pointer: value line, value col, key line, key col (0 when the node is not a mapping value). */
  pos: Int32Array;
  /** Pointers whose node is an alias, and the pointer of the node its anchor is on. */
  aliasFrom: string[];
  aliasTo: string[];
}

const START: Pos = { line: 1, col: 1 };

/** Splits an RFC 6901 pointer into unescaped segments ("" is the root). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapeSegment(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Looks pointers up in one document's index; the lookup map is built on first use (most documents need none). */
export class DocPositions {
  private byPointer: Map<string, number> | undefined;
  private aliases: Map<string, string> | undefined;

  constructor(private readonly index: PositionIndex) {}

  private entry(pointer: string): number | undefined {
    if (!this.byPointer) {
      this.byPointer = new Map(this.index.pointers.map((p, i) => [p, i]));
      this.aliases = new Map(this.index.aliasFrom.map((p, i) => [p, this.index.aliasTo[i] ?? p]));
    }
    return this.byPointer.get(pointer);
  }

  /** The pointers `pointer` walks through, with every alias on the way replaced by its anchor's node. */
  private canonical(pointer: string): string[] {
    this.entry('');
    const out = [''];
    let cur = '';
    for (const seg of splitPointer(pointer)) {
      cur = `${cur}/${escapeSegment(seg)}`;
      const target = this.aliases?.get(cur);
      if (target !== undefined && this.byPointer?.has(target)) cur = target;
      out.push(cur);
    }
    return out;
  }

  private at(i: number, key: boolean): Pos {
    const { pos } = this.index;
    const line = pos[i * 4 + (key ? 2 : 0)] ?? 0;
    const col = pos[i * 4 + (key ? 3 : 1)] ?? 0;
    return line > 0 ? { line, col } : START;
  }

  /** Where the node `pointer` names is, or its nearest existing parent; the document's start when nothing is. */
  locate(pointer: string): Pos {
    const path = this.canonical(pointer);
    for (let i = path.length - 1; i >= 0; i--) {
      const e = this.entry(path[i] ?? '');
      if (e !== undefined) return this.at(e, false);
    }
    return START;
  }

  /** The key of property `name` directly inside the mapping at `pointer` (for "unknown property"), when there. */
  locateKey(pointer: string, name: string): Pos | undefined {
    const path = this.canonical(pointer);
    const parent = path[path.length - 1] ?? '';
    // the pair's own key, even when its value is an alias
    const e = this.entry(`${parent}/${escapeSegment(name)}`);
    if (e === undefined || this.entry(parent) === undefined) return undefined;
    return (this.index.pos[e * 4 + 2] ?? 0) > 0 ? this.at(e, true) : undefined;
  }
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
