/**
 * `--state etcd://host:2379,host:2379[/prefix]` into an etcd3 client: TLS client certificates and the etcd user's
 * password come from operator secret references (never the config repo), and so does the key that seals secret
 * values. A URL with TLS material connects over https; without it, plain gRPC (a loopback or private network).
 */
import type { Etcd3, IOptions } from 'etcd3';
import { StalledError } from '../../errors.js';
import type { OperatorSecretRef } from '../../model/resource.js';
import type { OperatorSecretResolver } from '../../secrets/operator.js';
import { deriveSealKey, type SealKey } from './envelope.js';
import type { EtcdTarget } from './url.js';

export { isEtcdUrl, parseEtcdUrl, type EtcdTarget } from './url.js';

export interface EtcdSettings {
  /** Client certificates (mutual TLS); `ca` alone for a server certificate signed by a private CA. */
  tls?: { ca?: OperatorSecretRef; cert?: OperatorSecretRef; key?: OperatorSecretRef };
  username?: string;
  password?: OperatorSecretRef;
  /** Seals values written as secret (machine private keys): at least 32 characters. */
  encryptionKey?: OperatorSecretRef;
  /** Leader lease TTL in seconds (default 10). */
  leaseTtlSeconds?: number;
}

/** The etcd3 client for a target, credentials resolved from their references. */
export async function connectEtcd(target: EtcdTarget, settings: EtcdSettings, secrets: OperatorSecretResolver): Promise<{ client: Etcd3; sealKey?: SealKey }> {
  const tls = settings.tls;
  const read = async (ref: OperatorSecretRef | undefined) => (ref ? Buffer.from(await secrets.resolve(ref), 'utf8') : undefined);
  const options: IOptions = {
    hosts: target.endpoints.map((e) => `${tls ? 'https' : 'http'}://${e}`),
    dialTimeout: 3000,
    // A request must not hang on a member that went away: the leader's fence and the followers' reads depend on it.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }),
  };
  if (tls) {
    const [ca, cert, key] = await Promise.all([read(tls.ca), read(tls.cert), read(tls.key)]);
    options.credentials = { // no ca: the system's roots (grpc takes null for that)
      rootCertificate: ca ?? (null as unknown as Buffer), ...(cert ? { certChain: cert } : {}), ...(key ? { privateKey: key } : {}) };
  }
  if (settings.username) {
    if (!settings.password) throw new StalledError('SecretUnavailable', 'etcd.username is set without etcd.password');
    options.auth = { username: settings.username, password: await secrets.resolve(settings.password) };
  }
  const sealKey = settings.encryptionKey ? deriveSealKey(await secrets.resolve(settings.encryptionKey)) : undefined;
  // Loaded here, not imported at the top: etcd3 brings gRPC and protobufjs, and the CLI bundle hoists a package's
  // static import to its start, so every command would pay for them (issue 20).
  const { Etcd3: Client } = await import('etcd3');
  return { client: new Client(options), ...(sealKey ? { sealKey } : {}) };
}
