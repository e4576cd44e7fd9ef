/** Engine API JSON -> the contract's small records (the names the kinds compare on, nothing more). */
import { digestOf } from '../../util/digest.js';
import type { SwarmLocalState, SwarmNetwork, SwarmNode, SwarmObject, SwarmService, SwarmTask } from '../contracts/swarm.js';

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw => (v && typeof v === 'object' ? (v as Raw) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const labels = (v: unknown): Record<string, string> => ({ ...(obj(v) as Record<string, string>) });
const version = (v: unknown): number => Number(obj(v).Index ?? 0);

export function toLocal(info: Raw): SwarmLocalState {
  const s = obj(info.Swarm);
  const managers = Array.isArray(s.RemoteManagers) ? (s.RemoteManagers as Raw[]) : [];
  const clusterId = str(obj(s.Cluster).ID);
  return {
    state: str(s.LocalNodeState) ?? 'inactive',
    ...(str(s.NodeID) ? { nodeId: str(s.NodeID) } : {}),
    ...(str(s.NodeAddr) ? { nodeAddr: str(s.NodeAddr) } : {}),
    controlAvailable: s.ControlAvailable === true,
    ...(clusterId ? { clusterId } : {}),
    managers: managers.map((m) => ({ nodeId: String(m.NodeID ?? ''), addr: String(m.Addr ?? '') })),
    hostname: str(info.Name) ?? '',
  };
}

export function toNode(n: Raw): SwarmNode {
  const spec = obj(n.Spec);
  const status = obj(n.Status);
  const mgr = n.ManagerStatus ? obj(n.ManagerStatus) : undefined;
  const reach = str(mgr?.Reachability);
  return {
    id: String(n.ID),
    version: version(n.Version),
    hostname: str(obj(n.Description).Hostname) ?? '',
    role: spec.Role === 'manager' ? 'manager' : 'worker',
    availability: (str(spec.Availability) ?? 'active') as SwarmNode['availability'],
    labels: labels(spec.Labels),
    state: str(status.State) ?? 'unknown',
    ...(str(status.Addr) ? { addr: str(status.Addr) } : {}),
    leader: mgr?.Leader === true,
    ...(reach ? { reachability: reach } : {}),
  };
}

export function toTask(t: Raw): SwarmTask {
  const status = obj(t.Status);
  const container = obj(obj(t.Spec).ContainerSpec);
  const health = str(obj(obj(status.ContainerStatus)).Health) ?? undefined;
  const attachments = Array.isArray(t.NetworksAttachments) ? (t.NetworksAttachments as Raw[]) : [];
  return {
    id: String(t.ID),
    serviceId: String(t.ServiceID ?? ''),
    ...(str(t.NodeID) ? { nodeId: str(t.NodeID) } : {}),
    ...(typeof t.Slot === 'number' ? { slot: t.Slot } : {}),
    desiredState: str(t.DesiredState) ?? '',
    state: str(status.State) ?? '',
    ...(str(status.Message) ? { message: str(status.Message) } : {}),
    ...(str(status.Err) ? { error: str(status.Err) } : {}),
    ...(str(container.Image) ? { image: str(container.Image) } : {}),
    ...(health ? { health } : {}),
    specDigest: digestOf(t.Spec ?? {}),
    addresses: attachments.flatMap((a) => {
      const net = String(obj(a.Network).ID ?? '');
      return (Array.isArray(a.Addresses) ? (a.Addresses as string[]) : []).map((addr) => ({ network: net, addr }));
    }),
    createdAt: str(t.CreatedAt) ?? '',
    updatedAt: str(t.UpdatedAt) ?? '',
  };
}

export function toService(s: Raw): SwarmService {
  const spec = obj(s.Spec);
  const update = s.UpdateStatus ? obj(s.UpdateStatus) : undefined;
  const ports = Array.isArray(obj(s.Endpoint).Ports) ? (obj(s.Endpoint).Ports as Raw[]) : [];
  return {
    id: String(s.ID),
    name: str(spec.Name) ?? '',
    version: version(s.Version),
    spec,
    ...(s.PreviousSpec ? { previousSpec: obj(s.PreviousSpec) } : {}),
    ...(str(update?.State) ? { updateState: str(update?.State) } : {}),
    ...(str(update?.Message) ? { updateMessage: str(update?.Message) } : {}),
    ports: ports.map((p) => ({
      published: Number(p.PublishedPort ?? 0),
      target: Number(p.TargetPort ?? 0),
      protocol: str(p.Protocol) ?? 'tcp',
      mode: str(p.PublishMode) ?? 'ingress',
    })),
  };
}

export function toObject(o: Raw): SwarmObject {
  const spec = obj(o.Spec);
  return { id: String(o.ID), name: str(spec.Name) ?? '', labels: labels(spec.Labels) };
}

export function toNetwork(n: Raw): SwarmNetwork {
  return { id: String(n.Id ?? n.ID), name: str(n.Name) ?? '', driver: str(n.Driver) ?? '', labels: labels(n.Labels) };
}
