/**
 * pino logger shared by CLI, daemon and engine. Logs go to stderr (stdout belongs to cli/output.ts), known secret
 * fields are redacted by path, and every message passes the sanitiser so resolved secret values never appear.
 */
import { pino, destination, type Logger as PinoLogger } from 'pino';
import { sanitize } from './sanitize.js';

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
