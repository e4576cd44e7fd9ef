/**
 * The Deployment Engine's read-only HTTP surface (seed 004), served from what CFDeployment observations left in
 * the state store (through a read model): status `[{Comp, Ip, Cpu, Mem, Disk, Status}]`, hardware, config (secrets redacted), log list and
 * download. Changes go through Git: the seed's restart/stop/deploy/config-submit routes answer 405 and say how.
 * Every answer passes the sanitiser: install logs hold whatever install scripts printed (a component echoing its
 * password, a URL with credentials), and observations hold what hosts reported.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type {
  DeploymentHostView as HostObservation,
  DeploymentInstanceView as Instance,
  DeploymentReadModel,
  DeploymentSnapshotView as Snapshot,
} from '../../model/deployment-view.js';
import { sanitize, sanitizeDeep } from '../../util/sanitize.js';

export interface DeploymentEngineDeps {
  /** The CF deployments' snapshots and install logs, read through the state store (never the kind's files). */
  deployments: DeploymentReadModel;
}

export interface StatusEntry {
  Comp: string;
  Ip: string;
  Host: string;
  Cpu: string;
  Mem: string;
  Disk: string;
  Status: 'RUNNING' | 'DOWN' | 'STOPPED' | 'STARTING' | 'UNREACHABLE' | 'NOT_INSTALLED';
}

const pct = (v: number | undefined): string => (v === undefined ? '' : `${v}%`);

function statusOf(inst: Instance, h: HostObservation | undefined): StatusEntry['Status'] {
  if (!h?.reachable) return 'UNREACHABLE';
  if (h.installed[inst.component] === undefined) return 'NOT_INSTALLED';
  const state = h.processes[inst.component]?.state;
  if (state === 'running') return 'RUNNING';
  if (state === 'initializing') return 'STARTING';
  if (state === 'not-monitored') return 'STOPPED';
  return 'DOWN';
}

/** One entry per component instance, the seed's shape plus `Host` (lab hosts can share one address). */
export function statusEntries(snap: Snapshot): StatusEntry[] {
  const hosts = new Map(snap.observed.hosts.map((h) => [h.host, h]));
  return snap.observed.instances.map((inst) => {
    const h = hosts.get(inst.host);
    return {
      Comp: inst.component,
      Ip: inst.address,
      Host: inst.host,
      Cpu: pct(h?.usage.cpuPercent),
      Mem: pct(h?.usage.memoryPercent),
      Disk: pct(h?.usage.diskPercent),
      Status: statusOf(inst, h),
    };
  });
}

/** The seed's hardware answer: CPU count, RAM and DISK in MiB, per component instance. */
export function hardwareEntries(snap: Snapshot): { Comp: string; IP: string; Host: string; CPU?: number; RAM?: number; DISK?: number }[] {
  const hosts = new Map(snap.observed.hosts.map((h) => [h.host, h]));
  return snap.observed.instances.map((inst) => {
    const f = hosts.get(inst.host)?.facts ?? {};
    return { Comp: inst.component, IP: inst.address, Host: inst.host, CPU: f.cpus, RAM: f.memoryMiB, DISK: f.diskMiB };
  });
}

type Query = { deployment?: string; comp?: string; ip?: string };

async function pick(deps: DeploymentEngineDeps, q: Query, reply: FastifyReply): Promise<Snapshot | undefined> {
  const all = await deps.deployments.snapshots();
  if (all.length === 0) {
    // Not a permission matter (it was 403): there is nothing to show yet, and the answer says why.
    await reply.code(404).send({ error: 'no CFDeployment has been observed yet', reason: 'declare a CFDeployment in the config repo; its first observation is served here' });
    return undefined;
  }
  const snap = q.deployment ? all.find((s) => s.deployment === q.deployment) : all.length === 1 ? all[0] : undefined;
  if (!snap) {
    await reply.code(q.deployment ? 404 : 400).send({
      error: q.deployment ? `no deployment ${q.deployment}` : `several deployments: add ?deployment= (${all.map((s) => s.deployment).join(', ')})`,
    });
  }
  return snap;
}

/** Reads a `{"Comp":..,"Ip":..}` body (the seed sends one even with GET) into the query, if there is one. */
function withBody(q: Query, body: unknown): Query {
  if (!Buffer.isBuffer(body) || body.length === 0) return q;
  try {
    const b = JSON.parse(body.toString('utf8')) as { Comp?: string; Ip?: string; IP?: string };
    const all = b.Comp === 'all' && (b.Ip ?? b.IP) === '0.0.0.0';
    return all ? q : { ...q, ...(b.Comp ? { comp: b.Comp } : {}), ...((b.Ip ?? b.IP) ? { ip: b.Ip ?? b.IP } : {}) };
  } catch {
    return q;
  }
}

export function registerDeploymentEngineRoutes(app: FastifyInstance, deps: DeploymentEngineDeps): void {
  const base = '/deployment-engine';
  app.get<{ Querystring: Query }>(`${base}/status`, async (req, reply) => {
    const snap = await pick(deps, req.query, reply);
    if (!snap) return reply;
    // The seed's body is a bare array; a held resurrection is said in a header so the shape stays the seed's.
    if (snap.meltdown) void reply.header('x-driftless-meltdown', sanitize(snap.meltdown).replace(/[^\x20-\x7e]/g, '?'));
    return reply.header('x-driftless-observed-at', snap.observedAt).send(sanitizeDeep(statusEntries(snap)));
  });
  app.get<{ Querystring: Query }>(`${base}/hardware`, async (req, reply) => {
    const q = withBody(req.query, req.body);
    const snap = await pick(deps, q, reply);
    if (!snap) return reply;
    const rows = hardwareEntries(snap).filter((r) => (!q.comp || r.Comp === q.comp) && (!q.ip || r.IP === q.ip || r.Host === q.ip));
    if ((q.comp || q.ip) && rows.length === 0) return reply.code(400).send({ error: `component ${q.comp ?? '*'} and address ${q.ip ?? '*'} do not match` });
    return sanitizeDeep(rows.length === 1 && q.comp && q.ip ? rows[0] : rows);
  });
  app.get<{ Querystring: Query }>(`${base}/config`, async (req, reply) => {
    const snap = await pick(deps, req.query, reply);
    if (!snap) return reply;
    return sanitizeDeep(snap.config);
  });
  app.get<{ Querystring: Query }>(`${base}/download`, async (req, reply) => {
    const snap = await pick(deps, req.query, reply);
    if (!snap) return reply;
    return sanitizeDeep(await deps.deployments.logs(snap.deployment));
  });
  const download = async (name: string, q: Query, reply: FastifyReply) => {
    const snap = await pick(deps, q, reply);
    if (!snap) return reply;
    const text = await deps.deployments.log(snap.deployment, name.trim().replace(/^"|"$/g, ''));
    if (text === undefined) return reply.code(404).send({ error: `no log ${name}` });
    return reply.type('text/plain; charset=utf-8').send(sanitize(text));
  };
  app.get<{ Params: { name: string }; Querystring: Query }>(`${base}/download/:name`, async (req, reply) => download(req.params.name, req.query, reply));
  app.put<{ Querystring: Query }>(`${base}/download`, async (req, reply) =>
    download(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '', req.query, reply),
  );
  const gitops = (what: string) => async (_req: unknown, reply: FastifyReply) =>
    reply.code(405).send({ error: `${what} happens through Git: edit the CFDeployment (components, hosts, state: stopped) and push` });
  app.post(`${base}/config`, gitops('submitting a config'));
  app.get(`${base}/deploy`, gitops('deploying'));
  app.put(`${base}/restart`, gitops('restarting'));
  app.put(`${base}/stop`, gitops('stopping'));
}
