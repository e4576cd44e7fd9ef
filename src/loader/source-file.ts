/**
 * A parsed YAML file as plain data (values, problems, a positions index per document: the yaml Documents stay in
 * the parse worker), and the one way problems are located in it: by JSON pointer, at the offending node or its
 * nearest existing parent.
 */
import { join } from 'node:path';
import type { Problem } from '../model/plan.js';
import { decodeUtf8, fileTooLarge, readBounded, type LoadLimits } from './limits.js';
import { DocPositions, type Pos } from './positions.js';
import { parseInWorker } from './yaml-worker.js';

export interface ParsedDoc {
  /** YAML's errors and warnings, duplicate keys, an alias bomb; when non-empty the document is not read further. */
  syntax: Problem[];
  /** Nothing in it (e.g. between two `---`, or a comment-only file). */
  empty: boolean;
  /** The document's data; absent when it has syntax problems or is empty. */
  value?: unknown;
  positions: DocPositions;
}

export interface SourceFile {
  /** Path relative to the repo root, `/`-separated. */
  file: string;
  docs: ParsedDoc[];
}

const NO_POSITIONS = { pointers: [], pos: new Int32Array(0), aliasFrom: [], aliasTo: [] };

/** A file that could not be read as YAML at all: one document holding the problem, at `pos` (default 1:1). */
export function unreadableFile(file: string, message: string, pos: Pos = { line: 1, col: 1 }): SourceFile {
  const positions = new DocPositions(NO_POSITIONS);
  return { file, docs: [{ syntax: [{ file, ...pos, message }], empty: false, positions }] };
}

/** Parses every document of a file in the parse worker; never throws on bad YAML (its problems are the result). */
export async function parseSource(file: string, text: string, limits: LoadLimits): Promise<SourceFile> {
  const reply = await parseInWorker(text, { timeoutMs: limits.parseTimeoutMs, heapMb: limits.parseHeapMb });
  if ('failure' in reply) return unreadableFile(file, reply.failure);
  return {
    file,
    docs: reply.docs.map((d) => ({
      syntax: d.problems.map((p) => ({ file, ...p })),
      empty: d.empty,
      ...(d.value !== undefined ? { value: d.value } : {}),
      positions: new DocPositions(d.index),
    })),
  };
}

/** Text of a file within the size limit and valid UTF-8, or the problem that says why not. */
export function readSourceText(
  dir: string,
  file: string,
  limits: LoadLimits,
  path = join(dir, file),
): { size: number; text: string } | { size: number; problem: SourceFile } {
  const { size, bytes, special } = readBounded(path, limits.maxFileBytes);
  if (special) return { size, problem: unreadableFile(file, 'not a regular file') };
  if (!bytes) return { size, problem: unreadableFile(file, fileTooLarge(size, limits)) };
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) return { size, text: decoded.text };
  return { size, problem: unreadableFile(file, decoded.message, decoded) };
}

/** Reads and parses a file of the checkout, within the limits. */
export async function loadSource(dir: string, file: string, limits: LoadLimits): Promise<SourceFile> {
  const read = readSourceText(dir, file, limits);
  return 'problem' in read ? read.problem : parseSource(file, read.text, limits);
}

/** A problem at the node `pointer` names (or the key of property `key` inside it), falling back to its parent. */
export function problemAt(src: SourceFile, doc: ParsedDoc, pointer: string, message: string, key?: string): Problem {
  const at = (key === undefined ? undefined : doc.positions.locateKey(pointer, key)) ?? doc.positions.locate(pointer);
  return { file: src.file, line: at.line, col: at.col, message };
}
