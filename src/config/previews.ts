/** The `previews:` settings of the daemon (schemas/config.schema.json) after defaults, in the shape the daemon uses. */
import { isNamedSecretRef, type SecretRef } from '../model/resource.js';

export type ForgeType = 'github' | 'gitlab' | 'gitea';

export interface PreviewConfig {
  enabled: boolean;
  /** Preview pull requests from forks too (their authors have no push rights). */
  forks: boolean;
  /** Name of the commit status. */
  context: string;
  /** Base URL of this daemon as people reach it; statuses link to `<publicUrl>/previews/<number>`. */
  publicUrl?: string;
  /** Statuses and the comment go here; without it previews are published on HTTP and the status branch only. */
  forge?: { type: ForgeType; api: string; repository: string; token: SecretRef };
}

export interface RawPreviewConfig {
  enabled: boolean;
  forks: boolean;
  context: string;
  publicUrl?: string;
  forge?: { type: ForgeType; api: string; repository: string; token: SecretRef };
}

/** Problems the schema cannot see: the token must name a declared secret (its binding is checked per request). */
export function previewProblems(raw: RawPreviewConfig, declared: (name: string) => boolean): string[] {
  const out: string[] = [];
  const token = raw.forge?.token;
  if (token && isNamedSecretRef(token) && !declared(token.secret)) {
    out.push(`previews.forge.token: secret ${token.secret} is not declared under secrets:`);
  }
  return out;
}

export function normalisePreviews(raw: RawPreviewConfig): PreviewConfig {
  return {
    enabled: raw.enabled,
    forks: raw.forks,
    context: raw.context,
    ...(raw.publicUrl ? { publicUrl: raw.publicUrl.replace(/\/+$/, '') } : {}),
    ...(raw.forge ? { forge: { ...raw.forge, api: raw.forge.api.replace(/\/+$/, '') } } : {}),
  };
}
