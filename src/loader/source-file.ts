/**
 * A parsed YAML file with its line counter, and the one way problems are located in it: by JSON pointer, at the
 * offending node or its nearest existing parent.
 */
import { isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Problem } from '../model/plan.js';
import { locate, locateKey, posOf } from './positions.js';

export interface SourceFile {
  /** Path relative to the repo root, `/`-separated. */
  file: string;
  docs: Document[];
  counter: LineCounter;
}

/** Parses every document of a file, keeping positions; never throws on bad YAML (errors stay on the documents). */
export function parseSource(file: string, text: string): SourceFile {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  return { file, docs: Array.isArray(docs) ? docs : [], counter };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** YAML's own errors and warnings as problems; only the first per position, since the parser's errors cascade. */
export function syntaxProblems(src: SourceFile, doc: Document): Problem[] {
  const out: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = src.counter.linePos(e.pos[0]);
    if (out.some((p) => p.line === line && p.col === col)) continue;
    out.push({ file: src.file, line, col, message: lowerFirst(e.message.split('\n')[0] ?? e.message) });
  }
  return out;
}

/** True for a document with nothing in it (e.g. between two `---`, or a comment-only file). */
export function isEmptyDoc(doc: Document): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null);
}

/** A problem at the node `pointer` names (or the key of property `key` inside it), falling back to its parent. */
export function problemAt(src: SourceFile, doc: Document, pointer: string, message: string, key?: string): Problem {
  const keyNode = key === undefined ? undefined : locateKey(doc, pointer, key);
  const node = keyNode ?? locate(doc, pointer)?.node ?? doc.contents ?? undefined;
  const { line, col } = posOf(node ?? undefined, src.counter);
  return { file: src.file, line, col, message };
}
