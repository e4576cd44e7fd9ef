/**
 * A local ECS endpoint (RPC style, Version 2014-05-26) on 127.0.0.1 for tests: it verifies every request's
 * signature as Aliyun documents it, refuses replayed nonces, keeps instances whose states change asynchronously
 * (Pending -> Stopped -> Starting -> Running, Stopping -> Stopped), honours ClientToken, answers Throttling on
 * every Nth request when asked, and backs each instance with a real lab host container, so SSH init really runs.
 * The instance is reached on 127.0.0.1 at the container's published port, reported as the tag
 * `driftless:ssh-port` (the convention the driver reads; a real ECS instance simply has no such tag).
 */
import type Docker from 'dockerode';
import { createLabHosts, type LabHost } from '../../src/lab/hosts.js';
import { AliyunError, serveRpc } from './aliyun-rpc-server.js';
import { signatureMatches } from './aliyun-sign.js';
import { createEcsActions, type EcsInstanceRecord, type EcsState } from './aliyun-ecs-actions.js';

export interface EcsEmulatorOptions {
  accessKeyId: string;
  accessKeySecret: string;
  docker: Docker;
  image: string;
  /** Answer Throttling on every Nth signed request (0 = never). */
  throttleEvery?: number;
  /** Called after CreateInstance made the instance and before the answer is sent (crash tests kill here). */
  onCreated?: (id: string) => void | Promise<void>;
}

export interface EcsEmulator {
  endpoint: string;
  state: EcsState;
  /** Every request: action and the error code it got (undefined = success). */
  log: Array<{ action: string; code?: string }>;
  setThrottleEvery(n: number): void;
  close(): Promise<void>;
}

/** An ECS API error (status + Aliyun code), answered in Aliyun's error shape by the shared RPC server. */
export class EcsError extends AliyunError {}

export async function startEcsEmulator(opts: EcsEmulatorOptions): Promise<EcsEmulator> {
  const nonces = new Set<string>();
  const log: EcsEmulator['log'] = [];
  let throttleEvery = opts.throttleEvery ?? 0;
  let counter = 0;
  const state: EcsState = { instances: new Map(), keyPairs: new Map(), tokens: new Map() };
  const backing = async (rec: EcsInstanceRecord): Promise<LabHost> => {
    const [host] = await createLabHosts(opts.docker, {
      prefix: `ecs-${rec.InstanceId.slice(2, 14)}`,
      count: 1,
      publicKey: state.keyPairs.get(rec.KeyPairName ?? '') ?? '',
      image: opts.image,
      labels: { 'driftless.ecs-emulator': '1' },
    });
    return host!;
  };
  const actions = createEcsActions(state, backing, opts.onCreated);

  const handle = async (method: string, params: Record<string, string>): Promise<unknown> => {
    const action = params.Action ?? '';
    const entry: { action: string; code?: string } = { action };
    log.push(entry);
    try {
      verify(method, params);
      counter++;
      if (throttleEvery > 0 && counter % throttleEvery === 0) throw new EcsError(400, 'Throttling', 'Request was denied due to request throttling.');
      const fn = actions[action];
      if (!fn) throw new EcsError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
      return await fn(params);
    } catch (err) {
      if (err instanceof EcsError) entry.code = err.code;
      throw err;
    }
  };

  const verify = (method: string, p: Record<string, string>): void => {
    for (const k of ['Format', 'Version', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'AccessKeyId', 'Signature']) {
      if (!p[k]) throw new EcsError(400, k === 'Signature' ? 'IncompleteSignature' : `Missing${k}`, `The input parameter "${k}" that is mandatory for processing this request is not supplied.`);
    }
    if (p.Version !== '2014-05-26') throw new EcsError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    if (p.SignatureMethod !== 'HMAC-SHA1' || p.SignatureVersion !== '1.0') throw new EcsError(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.');
    if (p.AccessKeyId !== opts.accessKeyId) throw new EcsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (Math.abs(Date.parse(p.Timestamp!) - Date.now()) > 15 * 60_000) throw new EcsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (!signatureMatches(method, p, opts.accessKeySecret)) {
      throw new EcsError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    if (nonces.has(p.SignatureNonce!)) throw new EcsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(p.SignatureNonce!);
  };

  const server = await serveRpc('ecs.aliyuncs.com', handle);
  return {
    endpoint: server.endpoint,
    state,
    log,
    setThrottleEvery: (n) => {
      throttleEvery = n;
      counter = 0;
    },
    async close() {
      await server.close();
      await Promise.allSettled([...state.instances.values()].map(async (r) => (await r.host)?.remove()));
    },
  };
}
