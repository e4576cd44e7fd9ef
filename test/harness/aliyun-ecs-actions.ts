/**
 * The ECS actions the emulator answers, over an in-memory state. State changes happen in the background after
 * the answer (as ECS does): a created instance is Pending until its container exists, then Stopped; a start is
 * Starting until sshd answers, then Running; a stop is Stopping until the container stopped.
 */
import { randomBytes } from 'node:crypto';
import type { LabHost } from '../../src/lab/hosts.js';
import { EcsError } from './aliyun-ecs.js';

export interface EcsInstanceRecord {
  InstanceId: string;
  InstanceName: string;
  Status: 'Pending' | 'Stopped' | 'Starting' | 'Running' | 'Stopping';
  CreationTime: string;
  RegionId: string;
  ZoneId: string;
  InstanceType: string;
  ImageId: string;
  InstanceNetworkType: 'classic' | 'vpc';
  KeyPairName?: string;
  VSwitchId?: string;
  tags: Array<{ TagKey: string; TagValue: string }>;
  publicIp?: string;
  host: Promise<LabHost | undefined>;
}

export interface EcsState {
  instances: Map<string, EcsInstanceRecord>;
  keyPairs: Map<string, string>;
  tokens: Map<string, string>;
}

type Action = (p: Record<string, string>) => Promise<object>;

export function createEcsActions(
  state: EcsState,
  backing: (rec: EcsInstanceRecord) => Promise<LabHost>,
  onCreated?: (id: string) => void | Promise<void>,
): Record<string, Action> {
  const get = (id: string | undefined): EcsInstanceRecord => {
    const rec = id ? state.instances.get(id) : undefined;
    if (!rec) throw new EcsError(404, 'InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
    return rec;
  };
  const need = (p: Record<string, string>, k: string): string => {
    const v = p[k];
    if (!v) throw new EcsError(400, `Missing${k}`, `${k} is mandatory for this action.`);
    return v;
  };
  const incorrect = (): EcsError => new EcsError(403, 'IncorrectInstanceStatus', 'The current status of the resource does not support this operation.');
  const later = (rec: EcsInstanceRecord, work: (h: LabHost | undefined) => Promise<void>): void => {
    rec.host = rec.host.then(async (h) => {
      await work(h);
      return h;
    });
  };

  return {
    async DescribeRegions() {
      return { Regions: { Region: [{ RegionId: 'cn-beijing', LocalName: '华北 2' }] } };
    },
    async ImportKeyPair(p) {
      const name = need(p, 'KeyPairName');
      if (state.keyPairs.has(name)) throw new EcsError(400, 'KeyPair.AlreadyExist', 'The key pair already exist.');
      state.keyPairs.set(name, need(p, 'PublicKeyBody'));
      return { KeyPairName: name, KeyPairFingerPrint: randomBytes(16).toString('hex') };
    },
    async DeleteKeyPairs(p) {
      for (const n of JSON.parse(need(p, 'KeyPairNames')) as string[]) state.keyPairs.delete(n);
      return {};
    },
    async CreateInstance(p) {
      for (const k of ['RegionId', 'ZoneId', 'ImageId', 'InstanceType', 'SecurityGroupId']) need(p, k);
      const token = p.ClientToken;
      const known = token ? state.tokens.get(token) : undefined;
      if (known) return { InstanceId: known };
      if (p.KeyPairName && !state.keyPairs.has(p.KeyPairName)) throw new EcsError(404, 'InvalidKeyPairName.NotFound', 'The specified KeyPairName does not exist.');
      const id = `i-${randomBytes(10).toString('hex')}`;
      const tags: EcsInstanceRecord['tags'] = [];
      for (let n = 1; p[`Tag.${n}.Key`]; n++) tags.push({ TagKey: p[`Tag.${n}.Key`]!, TagValue: p[`Tag.${n}.Value`] ?? '' });
      const rec: EcsInstanceRecord = {
        InstanceId: id,
        InstanceName: p.InstanceName ?? id,
        Status: 'Pending',
        CreationTime: new Date().toISOString().slice(0, 16) + 'Z',
        RegionId: p.RegionId!,
        ZoneId: p.ZoneId!,
        InstanceType: p.InstanceType!,
        ImageId: p.ImageId!,
        InstanceNetworkType: p.VSwitchId ? 'vpc' : 'classic',
        ...(p.KeyPairName ? { KeyPairName: p.KeyPairName } : {}),
        ...(p.VSwitchId ? { VSwitchId: p.VSwitchId } : {}),
        tags,
        host: Promise.resolve(undefined),
      };
      state.instances.set(id, rec);
      if (token) state.tokens.set(token, id);
      rec.host = backing(rec).then(async (h) => {
        await h.stop();
        rec.tags.push({ TagKey: 'driftless:ssh-port', TagValue: String(h.port) });
        rec.Status = 'Stopped';
        return h;
      });
      rec.host.catch(() => undefined);
      await onCreated?.(id);
      return { InstanceId: id };
    },
    async DescribeInstances(p) {
      const ids = p.InstanceIds ? new Set(JSON.parse(p.InstanceIds) as string[]) : undefined;
      const wanted: Array<[string, string]> = [];
      for (let n = 1; p[`Tag.${n}.Key`]; n++) wanted.push([p[`Tag.${n}.Key`]!, p[`Tag.${n}.Value`] ?? '']);
      const all = [...state.instances.values()].filter(
        (r) => (!ids || ids.has(r.InstanceId)) && (!p.RegionId || r.RegionId === p.RegionId) && wanted.every(([k, v]) => r.tags.some((t) => t.TagKey === k && t.TagValue === v)),
      );
      const size = Number(p.PageSize ?? 10);
      const page = Number(p.PageNumber ?? 1);
      const slice = all.slice((page - 1) * size, page * size);
      return { TotalCount: all.length, PageNumber: page, PageSize: size, Instances: { Instance: slice.map(view) } };
    },
    async AllocatePublicIpAddress(p) {
      const rec = get(p.InstanceId);
      if (rec.InstanceNetworkType !== 'classic') throw new EcsError(403, 'InvalidInstance.NotClassicNetwork', 'The instance is not in a classic network.');
      if (rec.Status !== 'Stopped' && rec.Status !== 'Running') throw incorrect();
      rec.publicIp ??= '127.0.0.1';
      return { IpAddress: rec.publicIp };
    },
    async StartInstance(p) {
      const rec = get(p.InstanceId);
      if (rec.Status !== 'Stopped') throw incorrect();
      rec.Status = 'Starting';
      later(rec, async (h) => {
        await h?.start();
        rec.Status = 'Running';
      });
      return {};
    },
    async StopInstance(p) {
      const rec = get(p.InstanceId);
      if (rec.Status !== 'Running') throw incorrect();
      rec.Status = 'Stopping';
      later(rec, async (h) => {
        await h?.stop();
        rec.Status = 'Stopped';
      });
      return {};
    },
    async DeleteInstance(p) {
      const rec = get(p.InstanceId);
      if (rec.Status !== 'Stopped') throw incorrect();
      state.instances.delete(rec.InstanceId);
      await (await rec.host)?.remove();
      return {};
    },
  };
}

function view(r: EcsInstanceRecord): object {
  return {
    InstanceId: r.InstanceId,
    InstanceName: r.InstanceName,
    Status: r.Status,
    CreationTime: r.CreationTime,
    RegionId: r.RegionId,
    ZoneId: r.ZoneId,
    InstanceType: r.InstanceType,
    ImageId: r.ImageId,
    InstanceNetworkType: r.InstanceNetworkType,
    KeyPairName: r.KeyPairName ?? '',
    Tags: { Tag: r.tags },
    PublicIpAddress: { IpAddress: r.publicIp ? [r.publicIp] : [] },
    InnerIpAddress: { IpAddress: r.InstanceNetworkType === 'classic' ? ['127.0.0.1'] : [] },
    VpcAttributes: { VSwitchId: r.VSwitchId ?? '', PrivateIpAddress: { IpAddress: r.InstanceNetworkType === 'vpc' ? ['127.0.0.1'] : [] } },
  };
}
