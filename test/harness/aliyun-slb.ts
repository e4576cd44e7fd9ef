/**
 * A local SLB endpoint (RPC style, Version 2014-05-15) on 127.0.0.1 for tests: it verifies every request's
 * signature with the shared verifier (written from Aliyun's documentation, not from pop-core), refuses replayed
 * nonces and stale timestamps, keeps load balancers, listeners, backends and tags in memory, honours
 * ClientToken, and answers Throttling on every Nth signed request when asked.
 */
import { serveRpc } from './aliyun-rpc-server.js';
import { signatureMatches } from './aliyun-sign.js';
import { createSlbActions, SlbError, type SlbEmulatorState, type SlbRecord } from './aliyun-slb-actions.js';

export interface SlbEmulatorOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Answer Throttling on every Nth signed request (0 = never). */
  throttleEvery?: number;
}

export interface SlbLogEntry {
  action: string;
  /** Error code answered (undefined = success). */
  code?: string;
  /** Request parameters without the signature, for asserting what was asked. */
  params: Record<string, string>;
}

export interface SlbEmulator {
  endpoint: string;
  state: SlbEmulatorState;
  log: SlbLogEntry[];
  setThrottleEvery(n: number): void;
  /** Makes a load balancer directly, as if someone had created it in the console (for adoption tests). */
  seed(rec: Partial<SlbRecord> & { LoadBalancerName: string }): SlbRecord;
  close(): Promise<void>;
}

export const SLB_VERSION = '2014-05-15';

export async function startSlbEmulator(opts: SlbEmulatorOptions): Promise<SlbEmulator> {
  const nonces = new Set<string>();
  const log: SlbLogEntry[] = [];
  let throttleEvery = opts.throttleEvery ?? 0;
  let counter = 0;
  const state: SlbEmulatorState = { balancers: new Map(), tokens: new Map() };
  const actions = createSlbActions(state);

  const verify = (method: string, p: Record<string, string>): void => {
    for (const k of ['Format', 'Version', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'AccessKeyId', 'Signature']) {
      if (!p[k]) throw new SlbError(400, k === 'Signature' ? 'IncompleteSignature' : `Missing${k}`, `The input parameter "${k}" that is mandatory for processing this request is not supplied.`);
    }
    if (p.Version !== SLB_VERSION) throw new SlbError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    if (p.SignatureMethod !== 'HMAC-SHA1' || p.SignatureVersion !== '1.0') throw new SlbError(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.');
    if (p.AccessKeyId !== opts.accessKeyId) throw new SlbError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (Math.abs(Date.parse(p.Timestamp!) - Date.now()) > 15 * 60_000 || Number.isNaN(Date.parse(p.Timestamp!))) {
      throw new SlbError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    }
    if (!signatureMatches(method, p, opts.accessKeySecret)) throw new SlbError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    if (nonces.has(p.SignatureNonce!)) throw new SlbError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(p.SignatureNonce!);
  };

  const handle = async (method: string, params: Record<string, string>): Promise<unknown> => {
    const { Signature: _sig, ...shown } = params;
    const entry: SlbLogEntry = { action: params.Action ?? '', params: shown };
    log.push(entry);
    try {
      verify(method, params);
      counter++;
      if (throttleEvery > 0 && counter % throttleEvery === 0) throw new SlbError(400, 'Throttling.User', 'Request was denied due to user flow control.');
      const fn = actions[entry.action];
      if (!fn) throw new SlbError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
      return fn(params);
    } catch (err) {
      if (err instanceof SlbError) entry.code = err.code;
      throw err;
    }
  };

  const server = await serveRpc('slb.aliyuncs.com', handle);
  return {
    endpoint: server.endpoint,
    state,
    log,
    setThrottleEvery: (n) => {
      throttleEvery = n;
      counter = 0;
    },
    seed: (rec) => actions.seed(rec),
    async close() {
      await server.close();
    },
  };
}
