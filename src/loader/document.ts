/**
 * One YAML document -> one resource envelope: apiVersion, kind, metadata and spec checked in that order, the
 * kind's defaults from driftless.yaml merged into spec, then spec validated against the kind's schema.
 */
import type { KindRegistry } from '../kinds/types.js';
import type { Problem } from '../model/plan.js';
import { API_VERSION, isNamedSecretRef, isSealedSecretRef, type Resource, type SealedSecretRef } from '../model/resource.js';
import { cloneData } from './cache.js';
import { describeErrors, type SchemaIssue } from './messages.js';
import { splitPointer } from './positions.js';
import { METADATA_SCHEMA_REF, type SchemaRegistry } from './schema-registry.js';
import type { Settings } from './settings.js';
import { problemAt, type ParsedDoc, type SourceFile } from './source-file.js';

const ENVELOPE_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];

export interface DocumentContext {
  kinds: KindRegistry;
  schemas: SchemaRegistry;
  settings: Settings;
  /** driftless.yaml, to point at a default that made a spec invalid. */
  settingsSource?: SourceFile;
  /** The operator's secret names, when known at load: a `{ secret: NAME }` naming another is a problem. */
  secrets?: { names: ReadonlySet<string>; origin: string };
}

export interface LoadedDocument {
  /** Present when the document names a known kind and a usable name, even if its spec has problems. */
  resource?: Resource;
  /** False when anything about the document is wrong: its kind's dependencies and validate() are then skipped. */
  clean: boolean;
  problems: Problem[];
  /** Encrypted values (`{ age }`, `{ sops }`) by JSON pointer of the reference, checked by the loader once read. */
  sealed?: { pointer: string; ref: SealedSecretRef }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Locates a spec issue; one about a field the document does not declare but defaults supply points at the default. */
function specProblem(
  src: SourceFile,
  doc: ParsedDoc,
  issue: SchemaIssue,
  declared: unknown,
  kind: string,
  ctx: DocumentContext,
): Problem {
  const segments = splitPointer(issue.pointer).slice(1);
  const field = segments[0];
  const settingsSrc = ctx.settingsSource;
  const settingsDoc = settingsSrc?.docs[0];
  const fromDefaults =
    field !== undefined &&
    !(isRecord(declared) && Object.hasOwn(declared, field)) &&
    ctx.settings.defaults[kind]?.[field] !== undefined;
  if (fromDefaults && settingsSrc && settingsDoc) {
    const rest = segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    return problemAt(settingsSrc, settingsDoc, `/defaults/${kind}/${rest}`, issue.message, issue.key);
  }
  return problemAt(src, doc, issue.pointer, issue.message, issue.key);
}

/** `{ secret: NAME }` references (by instance path) that the operator's catalogue, when known, does not declare. */
function unknownSecrets(named: ReadonlyMap<string, string>, ctx: DocumentContext): SchemaIssue[] {
  const known = ctx.secrets;
  if (!known) return [];
  const out: SchemaIssue[] = [];
  for (const [path, name] of named) {
    if (known.names.has(name)) continue;
    const pointer = `/spec${path}/secret`;
    const field = pointer.split('/').slice(2).join('.');
    out.push({ pointer, message: `spec.${field}: secret ${name} is not declared in the operator settings (${known.origin}); ask the operator to add it under secrets:` });
  }
  return out;
}

/** Reads one parsed (syntactically valid, non-empty) document. */
export function readDocument(src: SourceFile, doc: ParsedDoc, ctx: DocumentContext): LoadedDocument {
  const problems: Problem[] = [];
  const at = (pointer: string, message: string, key?: string) => problems.push(problemAt(src, doc, pointer, message, key));
  // a copy: validation fills schema defaults in, and a kept parse is read again when the context changes
  const data = cloneData(doc.value);
  if (!isRecord(data)) {
    at('', 'document must be a mapping with apiVersion, kind, metadata and spec');
    return { clean: false, problems };
  }
  for (const key of Object.keys(data)) if (!ENVELOPE_KEYS.includes(key)) at('', `unknown property "${key}"`, key);
  for (const key of ENVELOPE_KEYS) if (!(key in data)) at('', `missing required property "${key}"`);
  if ('apiVersion' in data && data.apiVersion !== API_VERSION) at('/apiVersion', `apiVersion: must be "${API_VERSION}"`);

  const kind = data.kind;
  const mod = typeof kind === 'string' ? ctx.kinds.get(kind) : undefined;
  if ('kind' in data && !mod) {
    const known = [...ctx.kinds.keys()].sort().join(', ');
    const what = typeof kind === 'string' ? `unknown kind "${kind}"` : 'must be string';
    at('/kind', `kind: ${what}; known kinds: ${known}`);
  }

  let nameOk = false;
  if ('metadata' in data) {
    const issues = describeErrors(ctx.schemas.validate(METADATA_SCHEMA_REF, data.metadata), '/metadata', data.metadata);
    for (const i of issues) at(i.pointer, i.message, i.key);
    nameOk = !issues.some((i) => i.pointer === '/metadata' || i.pointer.startsWith('/metadata/name'));
  }

  let spec = data.spec;
  let sealed: LoadedDocument['sealed'];
  if (mod && 'spec' in data) {
    const defaults = ctx.settings.defaults[mod.kind];
    if (defaults && isRecord(spec)) spec = { ...structuredClone(defaults), ...spec };
    if (!ctx.schemas.has(mod.schemaId)) {
      at('/kind', `kind: ${mod.kind} has no schema ${mod.schemaId}`);
    } else {
      const named = new Map<string, string>();
      const onSecret = (path: string, ref: unknown) => {
        if (isNamedSecretRef(ref)) named.set(path, ref.secret);
        else if (isSealedSecretRef(ref)) (sealed ??= []).push({ pointer: `/spec${path}`, ref });
      };
      const issues = describeErrors(ctx.schemas.validate(mod.schemaId, spec, onSecret), '/spec', spec);
      for (const i of issues) problems.push(specProblem(src, doc, i, data.spec, mod.kind, ctx));
      for (const i of unknownSecrets(named, ctx)) problems.push(specProblem(src, doc, i, data.spec, mod.kind, ctx));
    }
  }

  if (!mod || !nameOk) return { clean: false, problems };
  const pos = doc.positions.locate('');
  const resource: Resource = {
    apiVersion: String(data.apiVersion),
    kind: mod.kind,
    metadata: data.metadata as Resource['metadata'],
    spec,
    source: { file: src.file, line: pos.line, col: pos.col },
  };
  return { resource, clean: problems.length === 0, problems, ...(sealed ? { sealed } : {}) };
}
