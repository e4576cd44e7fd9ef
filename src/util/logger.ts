/**
 * pino logger shared by CLI, daemon and engine. Logs go to stderr (stdout belongs to cli/output.ts), known secret
 * fields are redacted by path, and every message passes the sanitiser so resolved secret values never appear.
 */
import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';
import { sanitize } from './sanitize.js';

/**
 * pino is required when the first logger is created, not imported: commands that never log (`validate`) skip its
 * load (issue 20), and a static import would not be lazy in the CLI bundle, which hoists package imports.
 */
const requireCjs = createRequire(import.meta.url);

export const REDACT_PATHS = [
  'password',
  'token',
  'privateKey',
  'accessKeySecret',
  '*.password',
  '*.token',
  '*.privateKey',
  '*.accessKeySecret',
  '*.passphrase',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-gitlab-token"]',
];

/**
 * The logging surface kinds and drivers use: pino's shape, so a pino logger is one, while tests can pass anything
 * with these methods. Here in util/ so drivers need not import the kinds' contract for it.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

export interface LoggerOptions {
  level?: string;
  /** File descriptor or path; stderr by default. */
  destination?: number | string;
}

export function createLogger(options: LoggerOptions = {}): PinoLogger {
  const { pino, destination } = requireCjs('pino') as typeof import('pino');
  return pino(
    {
      level: options.level ?? process.env.DRIFTLESS_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '***' },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? sanitize(a) : a));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      formatters: {
        log(obj) {
          return JSON.parse(sanitize(JSON.stringify(obj))) as Record<string, unknown>;
        },
      },
    },
    destination({ dest: options.destination ?? 2, sync: true }),
  );
}
