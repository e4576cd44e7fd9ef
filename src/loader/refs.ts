/**
 * Cross-resource checks once every document is read: duplicate keys, references to resources that are not
 * declared, and each kind's own validate(). Kind code is called only for clean resources and is guarded, so a
 * bug in a kind becomes a problem instead of an exception.
 */
import type { KindRegistry, ResourceIndex } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import { keyOf, type Resource } from '../model/resource.js';
import { dotted } from './positions.js';

export interface Entry {
  resource: Resource;
  clean: boolean;
  /** A problem at a node of the resource's document (the file is parsed again if its parse was not kept). */
  at: (pointer: string, message: string) => Problem;
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
    problems.push(e.at('/metadata/name', `duplicate ${key}; first declared at ${where}`));
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
    const at = (pointer: string, message: string) => problems.push(e.at(pointer, message));
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
      problems.push(...mod.validate(e.resource, index));
    } catch (err) {
      at('', `internal error: ${mod.kind} validation failed: ${messageOf(err)}`);
    }
  }
  return problems;
}
