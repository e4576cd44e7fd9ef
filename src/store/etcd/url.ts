/**
 * `etcd://host:port[,host:port...][/prefix]`, parsed without loading etcd3 (gRPC): the CLI and the config check
 * it on every start, and only HA mode needs the client.
 */
import { StalledError } from '../../errors.js';

export interface EtcdTarget {
  /** Endpoints as `host:port`. */
  endpoints: string[];
  /** Key prefix, ending in `/` (`driftless/` by default). */
  prefix: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

export function isEtcdUrl(state: string | undefined): state is string {
  return typeof state === 'string' && state.startsWith('etcd://');
}

/** Parses `etcd://h1:2379,h2:2379/prefix`; a StalledError naming the bad part otherwise. */
export function parseEtcdUrl(url: string): EtcdTarget {
  const m = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(url);
  if (!m) throw new StalledError('SchemaInvalid', `state: ${JSON.stringify(url)} is not etcd://host:port[,host:port...][/prefix]`);
  const endpoints = m[1]!.split(',');
  for (const e of endpoints) {
    if (!HOST_PORT.test(e) || Number(HOST_PORT.exec(e)![2]) > 65535) {
      throw new StalledError('SchemaInvalid', `state: endpoint ${JSON.stringify(e)} in ${url} is not host:port`);
    }
  }
  const path = (m[2] ?? '/driftless/').replace(/^\/+/, '');
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*\/?$/.test(path)) throw new StalledError('SchemaInvalid', `state: prefix ${JSON.stringify(path)} in ${url} is not a/b/c (letters, digits, . _ -; no segment starting with a dot)`);
  return { endpoints, prefix: path.endsWith('/') ? path : `${path}/` };
}

