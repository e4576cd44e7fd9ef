/**
 * Cross-resource checks once every document is read: duplicate keys, references to resources that are not
 * declared, and each kind's own validate(). Kind code is called only for clean resources and is guarded, so a
 * bug in a kind becomes a problem instead of an exception.
 */
import type { KindRegistry, ResourceIndex } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import { keyOf, type Resource } from '../model/resource.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dotted } from './positions.js';
import { parseSource, problemAt, type SourceFile } from './source-file.js';

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
}

/** A problem at the node `pointer` names in the document; parses the file again when its parse was not kept. */
export function problemIn(loc: DocLocation, pointer: string, message: string): Problem {
  loc.src ??= parseSource(loc.file, readFileSync(join(loc.dir, loc.file), 'utf8'));
  const doc = loc.src.docs[loc.index];
  return doc ? problemAt(loc.src, doc, pointer, message) : { file: loc.file, line: 1, col: 1, message };
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
export function dropDuplicates(entries: readonly Entry[]): { kept: Entry[]; problems: Problem[] } {
  const first = new Map<string, Entry>();
  const problems: Problem[] = [];
  for (const e of entries) {
    const key = keyOf(e.resource);
    const prev = first.get(key);
    if (!prev) {
      first.set(key, e);
      continue;
    }
    const where = `${prev.resource.source.file}:${prev.resource.source.line}`;
    problems.push(problemIn(e.doc, '/metadata/name', `duplicate ${key}; first declared at ${where}`));
  }
  return { kept: [...first.values()], problems };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Dangling references and kind-specific problems of clean resources. */
export function checkReferences(entries: readonly Entry[], kinds: KindRegistry, index: ResourceIndex): Problem[] {
  const problems: Problem[] = [];
  for (const e of entries) {
    const mod = kinds.get(e.resource.kind);
    if (!mod || !e.clean) continue;
    const at = (pointer: string, message: string) => problems.push(problemIn(e.doc, pointer, message));
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
