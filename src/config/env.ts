/**
 * DRIFTLESS_* environment variables as a config layer (systemd `Environment=`, container `-e`). Values stay
 * strings unless the setting is a number or boolean, so a malformed value reaches the schema and is reported there
 * with the variable's name instead of being silently coerced.
 */
import type { OperatorSecretRef as SecretRef } from '../model/resource.js';

export type Layer = Record<string, unknown>;

/** Config key -> variable, for simple settings (used to name the origin of a bad value). */
export const ENV_KEYS: Record<string, string> = {
  repo: 'DRIFTLESS_REPO',
  branch: 'DRIFTLESS_BRANCH',
  interval: 'DRIFTLESS_INTERVAL',
  jitter: 'DRIFTLESS_JITTER',
  driftInterval: 'DRIFTLESS_DRIFT_INTERVAL',
  listen: 'DRIFTLESS_LISTEN',
  stateDir: 'DRIFTLESS_STATE_DIR',
  state: 'DRIFTLESS_STATE',
  statusBranch: 'DRIFTLESS_STATUS_BRANCH',
  statusPush: 'DRIFTLESS_STATUS_PUSH',
  statusInterval: 'DRIFTLESS_STATUS_INTERVAL',
  watch: 'DRIFTLESS_WATCH',
  watchDebounce: 'DRIFTLESS_WATCH_DEBOUNCE',
  logLevel: 'DRIFTLESS_LOG_LEVEL',
  auth: 'DRIFTLESS_GIT_*',
  webhooks: 'DRIFTLESS_WEBHOOK_SECRET_*',
  http: 'DRIFTLESS_HTTP_*',
};

const NUMBERS = new Set(['jitter']);
const BOOLEANS = new Set(['statusPush', 'watch']);

function typed(key: string, value: string): unknown {
  if (NUMBERS.has(key) && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return BOOLEANS.has(key) ? booleanOf(value) : value;
}

/** true/1/yes and false/0/no; anything else stays a string for the schema to report. */
function booleanOf(value: string): unknown {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return value;
}

/**
 * Reads the layer. Secrets are never taken as values from here: DRIFTLESS_GIT_TOKEN_ENV names the variable that
 * holds the token, DRIFTLESS_GIT_SSH_KEY_FILE / _ENV where the SSH private key lives (a path or a variable name,
 * as `--ssh-key-file` / `--ssh-key-env`), and DRIFTLESS_WEBHOOK_SECRET_ENV / _FILE where every receiver's secret
 * lives, DRIFTLESS_HTTP_TOKEN_ENV / _FILE where the HTTP bearer token lives.
 */
export function fromEnv(env: NodeJS.ProcessEnv): Layer {
  const out: Layer = {};
  for (const [key, name] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && !name.endsWith('*')) out[key] = typed(key, v);
  }
  const auth: Layer = {};
  if (env.DRIFTLESS_GIT_USERNAME) auth.username = env.DRIFTLESS_GIT_USERNAME;
  if (env.DRIFTLESS_GIT_TOKEN_ENV) auth.token = { env: env.DRIFTLESS_GIT_TOKEN_ENV };
  if (env.DRIFTLESS_GIT_PASSWORD_ENV) auth.password = { env: env.DRIFTLESS_GIT_PASSWORD_ENV };
  const sshKey = sshKeyRef(env.DRIFTLESS_GIT_SSH_KEY_FILE, env.DRIFTLESS_GIT_SSH_KEY_ENV);
  if (sshKey) auth.sshKey = sshKey;
  if (Object.keys(auth).length > 0) out.auth = auth;
  const secret = webhookSecret(env.DRIFTLESS_WEBHOOK_SECRET_ENV, env.DRIFTLESS_WEBHOOK_SECRET_FILE);
  if (secret) out.webhooks = allReceivers(secret);
  const http = httpLayer(env);
  if (http) out.http = http;
  return out;
}

/**
 * `http`: DRIFTLESS_HTTP_TOKEN_ENV / _FILE name where the bearer token lives; DRIFTLESS_HTTP_INSECURE opts out;
 * DRIFTLESS_HTTP_BASIC_USER + DRIFTLESS_HTTP_BASIC_PASSWORD_ENV / _FILE, DRIFTLESS_HTTP_TLS_CERT_FILE / _KEY_FILE
 * and DRIFTLESS_HTTP_REPO_WEB_URL set basic auth, TLS and the dashboard's source links.
 */
function httpLayer(env: NodeJS.ProcessEnv): Layer | undefined {
  const out: Layer = {};
  const token = webhookSecret(env.DRIFTLESS_HTTP_TOKEN_ENV, env.DRIFTLESS_HTTP_TOKEN_FILE);
  if (token) out.token = token;
  if (env.DRIFTLESS_HTTP_INSECURE !== undefined) out.insecure = booleanOf(env.DRIFTLESS_HTTP_INSECURE);
  const password = webhookSecret(env.DRIFTLESS_HTTP_BASIC_PASSWORD_ENV, env.DRIFTLESS_HTTP_BASIC_PASSWORD_FILE);
  if (env.DRIFTLESS_HTTP_BASIC_USER || password) out.basicAuth = { username: env.DRIFTLESS_HTTP_BASIC_USER, password };
  if (env.DRIFTLESS_HTTP_TLS_CERT_FILE || env.DRIFTLESS_HTTP_TLS_KEY_FILE) {
    out.tls = { cert: fileRef(env.DRIFTLESS_HTTP_TLS_CERT_FILE), key: fileRef(env.DRIFTLESS_HTTP_TLS_KEY_FILE) };
  }
  if (env.DRIFTLESS_HTTP_REPO_WEB_URL) out.repoWebUrl = env.DRIFTLESS_HTTP_REPO_WEB_URL;
  return Object.keys(out).length > 0 ? JSON.parse(JSON.stringify(out)) as Layer : undefined;
}

/** `{ file }` or undefined (left out, so the schema names the missing half). */
function fileRef(path: string | undefined): SecretRef | undefined {
  return path ? { file: path } : undefined;
}

/** The SSH key reference from its two variables (the file wins, as `--ssh-key-file` does; see `envProblems`). */
function sshKeyRef(file: string | undefined, envName: string | undefined): Layer | undefined {
  if (file !== undefined) return { file };
  if (envName !== undefined) return { env: envName };
  return undefined;
}

/** Mistakes only visible in the variables themselves (the merged object no longer shows them), one per line. */
export function envProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (env.DRIFTLESS_GIT_SSH_KEY_FILE !== undefined && env.DRIFTLESS_GIT_SSH_KEY_ENV !== undefined) {
    problems.push('auth.sshKey: DRIFTLESS_GIT_SSH_KEY_FILE and DRIFTLESS_GIT_SSH_KEY_ENV are both set; set only one');
  }
  if (env.DRIFTLESS_HTTP_TOKEN_ENV && env.DRIFTLESS_HTTP_TOKEN_FILE) {
    problems.push('http.token: DRIFTLESS_HTTP_TOKEN_ENV and DRIFTLESS_HTTP_TOKEN_FILE are both set; set only one (an empty value unsets one)');
  }
  return problems;
}

/** A secret reference from an env-var name or a file path (the first given wins). */
export function webhookSecret(envName: string | undefined, file: string | undefined): SecretRef | undefined {
  if (envName) return { env: envName };
  if (file) return { file };
  return undefined;
}

/** The same secret for every receiver: the common single-forge setup. */
export function allReceivers(secret: SecretRef): Layer {
  return { github: { secret }, gitlab: { secret }, gitea: { secret }, generic: { secret } };
}
