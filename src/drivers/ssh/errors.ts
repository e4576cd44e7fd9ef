/**
 * Maps ssh2 and socket failures to the reconcile error classes, so the engine can tell "retry later" (a host that is
 * down) from "a human must act" (wrong key, changed host key). Messages name the target, never key material.
 */
import { ReconcileError, StalledError, TransientError } from '../../errors.js';
import type { SshTarget } from '../types.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** `Host/web-1 (root@10.0.0.5:22)`: how every ssh message names its target. */
export function describeTarget(target: SshTarget): string {
  return `${target.id} (${target.username}@${target.host}:${target.port})`;
}

function fieldOf(err: unknown, field: 'code' | 'level'): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value = (err as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** Turns a failure while dialling or talking to a host into a typed error; typed errors pass through unchanged. */
export function mapSshError(err: unknown, target: SshTarget): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const where = describeTarget(target);
  const message = err instanceof Error ? err.message : String(err);
  const code = fieldOf(err, 'code');
  const level = fieldOf(err, 'level');
  if (level === 'client-authentication' || /all configured authentication methods failed/i.test(message)) {
    return new StalledError('AuthenticationFailed', `ssh authentication to ${where} failed: check the user and key`, {
      cause: err,
    });
  }
  if (/privateKey|passphrase/i.test(message)) {
    // ssh2's own text here is only a parse diagnosis; it never echoes the key, but we keep ours short anyway.
    return new StalledError('AuthenticationFailed', `ssh private key for ${where} is unusable: ${shortKeyReason(message)}`, {
      cause: err,
    });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new TransientError('Unreachable', `ssh host ${where} unreachable: ${code}`, { cause: err });
  }
  if (level === 'client-timeout' || /timed out|timeout/i.test(message)) {
    return new TransientError('Unreachable', `ssh host ${where} unreachable: ${message.toLowerCase()}`, { cause: err });
  }
  return new TransientError('Unreachable', `ssh connection to ${where} failed: ${message.toLowerCase()}`, { cause: err });
}

function shortKeyReason(message: string): string {
  if (/passphrase/i.test(message)) return 'encrypted key without a valid passphrase';
  return 'cannot parse private key';
}

/** The connection went away (or was never there) before a channel could open: safe to re-dial and try once more. */
export class ChannelOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChannelOpenError';
  }
}
