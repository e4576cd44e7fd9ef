/**
 * Addresses a machine reports about itself (`hostname -I`) or a provider reports about a machine end up in other
 * hosts' files and commands: nginx upstream `server` lines, SSH targets. A host whose `hostname` prints
 * `10.0.0.1:80; include /etc/shadow;` (a compromised or misconfigured machine) must not be able to write config
 * into its neighbours, so such addresses are accepted only as plain IP literals (node:net isIP, no zone id).
 */
import { isIP } from 'node:net';
import { StalledError } from '../errors.js';

/** A reported address that is not an IP literal; names the host (or instance) that reported it. */
export class InvalidAddressError extends StalledError {
  constructor(
    readonly subject: string,
    readonly reported: string,
    from: string,
  ) {
    super(
      'ObserveFailed',
      `${subject}: ${from} reported ${JSON.stringify(reported.slice(0, 80))}, which is not an IP address; ` +
        'it is not used (check what that machine runs)',
    );
  }
}

/** `reported` when it is an IPv4 or IPv6 literal without a zone id; else InvalidAddressError. */
export function checkedIp(reported: string, subject: string, from: string): string {
  if (isIP(reported) === 0 || reported.includes('%')) throw new InvalidAddressError(subject, reported, from);
  return reported;
}

/** `address:port` for a server line: IPv6 literals in brackets. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
