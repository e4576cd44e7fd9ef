/**
 * Cross-resource checks once every document is read: duplicate keys, references to resources that are not
 * declared, and each kind's own validate(). Kind code is called only for clean resources and is guarded, so a
 * bug in a kind becomes a problem instead of an exception. Problems inside a document are placed afterwards, in
 * one pass (placeProblems): a clean file's parse is not kept, and parsing it again is asynchronous (worker).
 */
import type { KindRegistry, ResourceIndex } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import { keyOf, type Resource } from '../model/resource.js';
import type { LoadLimits } from './limits.js';
import { dotted } from './positions.js';
import { loadSource, problemAt, type SourceFile } from './source-file.js';

export interface Entry {
  resource: Resource;
  clean: boolean;
  /** Where the resource's document is, to place a problem at one of its nodes (see problemIn). */
  doc: DocLocation;
}

/** A document of a file: its parse when kept, else the checkout to parse the file from again (same content). */
export interface DocLocation {
  dir: string;
  file: string;
  index: number;
  src: SourceFile | undefined;
  limits: LoadLimits;
}

/** A problem at the node `pointer` names in a document, to be placed by placeProblems. */
export interface PendingProblem {
  doc: DocLocation;
  pointer: string;
  message: string;
}

/** Places pending problems, parsing each file whose parse was not kept once (same content: same checkout). */
export async function placeProblems(list: readonly (Problem | PendingProblem)[]): Promise<Problem[]> {
  const parses = new Map<string, Promise<SourceFile>>();
  const out: Problem[] = [];
  for (const p of list) {
    if (!('doc' in p)) {
      out.push(p);
      continue;
    }
    const loc = p.doc;
    let src = loc.src;
    if (!src) {
      const id = `${loc.dir}\0${loc.file}`;
      let parse = parses.get(id);
      if (!parse) parses.set(id, (parse = loadSource(loc.dir, loc.file, loc.limits)));
      src = await parse;
    }
    const doc = src.docs[loc.index];
    out.push(doc ? problemAt(src, doc, p.pointer, p.message) : { file: loc.file, line: 1, col: 1, message: p.message });
  }
  return out;
}

/** Read access to the declared resources by kind and name. */
export function createResourceIndex(resources: readonly Resource[]): ResourceIndex {
  const byKey = new Map(resources.map((r) => [keyOf(r), r]));
  return {
    get: <Spec>(kind: string, name: string) => byKey.get(`${kind}/${name}`) as Resource<Spec> | undefined,
    list: <Spec>(kind: string) => resources.filter((r) => r.kind === kind) as Resource<Spec>[],
  };
}

/** Keeps the first of each Kind/name and reports the others at their name, naming where the first is. */
export function dropDuplicates(entries: readonly Entry[]): { kept: Entry[]; problems: PendingProblem[] } {
  const first = new Map<string, Entry>();
  const problems: PendingProblem[] = [];
  for (const e of entries) {
    const key = keyOf(e.resource);
    const prev = first.get(key);
    if (!prev) {
      first.set(key, e);
      continue;
    }
    const where = `${prev.resource.source.file}:${prev.resource.source.line}`;
    problems.push({ doc: e.doc, pointer: '/metadata/name', message: `duplicate ${key}; first declared at ${where}` });
  }
  return { kept: [...first.values()], problems };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Dangling references and kind-specific problems of clean resources. */
export function checkReferences(
  entries: readonly Entry[],
  kinds: KindRegistry,
  index: ResourceIndex,
): (Problem | PendingProblem)[] {
  const problems: (Problem | PendingProblem)[] = [];
  for (const e of entries) {
    const mod = kinds.get(e.resource.kind);
    if (!mod || !e.clean) continue;
    const at = (pointer: string, message: string) => problems.push({ doc: e.doc, pointer, message });
    try {
      for (const ref of mod.dependencies(e.resource)) {
        if (index.get(ref.kind, ref.name)) continue;
        const path = ref.path ? dotted(ref.path) : '';
        at(ref.path ?? '', `${path === '' ? '' : `${path}: `}${ref.kind}/${ref.name} is not declared`);
      }
    } catch (err) {
      at('', `internal error: ${mod.kind} dependencies failed: ${messageOf(err)}`);
    }
    if (!mod.validate) continue;
    try {
      for (const p of mod.validate(e.resource, index)) {
        if (p.pointer === undefined) problems.push(p);
        else at(p.pointer, p.message);
      }
    } catch (err) {
      at('', `internal error: ${mod.kind} validation failed: ${messageOf(err)}`);
    }
  }
  return problems;
}
