/**
 * Dials one SSH connection. We open the TCP socket ourselves to turn on TCP_NODELAY (ssh2 leaves Nagle on, which
 * costs ~40 ms per request/response round trip) and TCP keepalive (dead peers are noticed by the kernel, with no
 * timer in this process that would keep it from exiting). The host key is checked against the pin store.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Client, SFTPWrapper } from 'ssh2';
import { TransientError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';
import type { SshTarget } from '../types.js';
import { ChannelOpenError, describeTarget, mapSshError } from './errors.js';
import { hostIdOf, type KnownHosts } from './known-hosts.js';

export interface DialOptions {
  knownHosts: KnownHosts;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  logger?: Logger;
}

/** One live SSH connection and its socket (the pool refs / unrefs the socket as it goes busy / idle). */
export interface Connection {
  readonly client: Client;
  readonly socket: Socket;
  readonly closed: boolean;
  onClose(listener: () => void): void;
  /** One SFTP session per connection, opened on first use and shared by concurrent transfers. */
  sftp(): Promise<SFTPWrapper>;
  /** Ends the session politely and resolves once the socket is gone (or after a short bound). */
  close(): Promise<void>;
}

/** Opens, authenticates and host-key-checks a connection; rejects with a typed error from errors.ts. */
export async function dial(target: SshTarget, options: DialOptions): Promise<Connection> {
  const { Client: SshClient } = await import('ssh2'); // cached after the first dial; repos without hosts never load it
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    if (options.keepaliveIntervalMs > 0) socket.setKeepAlive(true, options.keepaliveIntervalMs);
    const client = new SshClient();
    let ready = false;
    let closed = false;
    let verifyError: unknown;
    const closeListeners: Array<() => void> = [];
    let sftpSession: Promise<SFTPWrapper> | undefined;

    const fail = (err: unknown): void => {
      if (ready) return;
      ready = true;
      socket.destroy();
      reject(mapSshError(verifyError ?? err, target));
    };

    client.on('error', (err: Error) => {
      if (!ready) fail(err);
      else options.logger?.debug({ target: target.id, err: err.message }, 'ssh connection error');
    });
    client.on('close', () => {
      closed = true;
      if (!ready) {
        fail(verifyError ?? new TransientError('Unreachable', `ssh host ${describeTarget(target)} closed the connection before the handshake`));
      }
      for (const listener of closeListeners.splice(0)) listener();
    });
    client.on('ready', () => {
      if (ready) return;
      ready = true;
      resolve(connection);
    });

    const connection: Connection = {
      client,
      socket,
      get closed() {
        return closed;
      },
      onClose(listener) {
        if (closed) listener();
        else closeListeners.push(listener);
      },
      sftp() {
        if (!sftpSession) {
          const opening = new Promise<SFTPWrapper>((ok, no) => {
            try {
              client.sftp((err, session) => {
                if (err) {
                  no(new ChannelOpenError(`cannot open sftp session: ${err.message.toLowerCase()}`, { cause: err }));
                  return;
                }
                session.on('close', () => {
                  if (sftpSession === opening) sftpSession = undefined;
                });
                ok(session);
              });
            } catch (err) {
              no(new ChannelOpenError('cannot open sftp session: not connected', { cause: err }));
            }
          });
          opening.catch(() => {
            if (sftpSession === opening) sftpSession = undefined;
          });
          sftpSession = opening;
        }
        return sftpSession;
      },
      close() {
        if (closed) return Promise.resolve();
        return new Promise<void>((done) => {
          const bound = setTimeout(() => {
            socket.destroy();
            done();
          }, 1_000);
          // An idle pooled socket is unref'd; hold the loop open until the goodbye completes.
          socket.ref();
          connection.onClose(() => {
            clearTimeout(bound);
            done();
          });
          client.end();
        });
      },
    };

    try {
      client.connect({
        sock: socket,
        username: target.username,
        privateKey: target.privateKey,
        passphrase: target.passphrase,
        readyTimeout: options.connectTimeoutMs,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          options.knownHosts.verify(target.hostKeyId ?? hostIdOf(target.host, target.port), key).then(
            () => verify(true),
            (err: unknown) => {
              verifyError = err;
              verify(false);
            },
          );
        },
      });
    } catch (err) {
      fail(err);
    }
  });
}
