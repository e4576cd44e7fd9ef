/**
 * The transports kinds may use, as narrow interfaces. Kinds receive them in their context and never construct
 * clients; each concrete driver lives in its own folder and maps its library's errors to src/errors.ts.
 */
import type { Readable } from 'node:stream';

/** Where and how to reach one host over SSH. `id` names the host in messages (e.g. `Host/web-1`). */
export interface SshTarget {
  id: string;
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer;
  passphrase?: string;
  /**
   * What the host key is pinned under; default `[host]:port`. A machine made by a provider is pinned by its
   * instance id, so a new machine that gets a deleted one's address is not refused as a changed key.
   */
  hostKeyId?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: string | Buffer | Readable;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /**
   * Runs the command in a session of its own and, on cancel or timeout, ends its whole process group on the host
   * (TERM, then KILL). For steps whose work happens in child processes (a script, `docker run`): signalling the
   * channel alone ends only the shell, and the children went on to finish after the run said Cancelled.
   */
  killTree?: boolean;
}

/** A command that ran: a non-zero exit is a result, not an error. */
export interface ExecResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface UploadOptions {
  mode?: number;
  /** Create the parent directory first (mkdir -p). */
  mkdirs?: boolean;
}

/**
 * SSH transport. Connections are pooled per target and reused across runs; host keys are pinned on first contact
 * and a changed key is a StalledError (reason HostKeyMismatch), never silently accepted. Connection failures and
 * timeouts are TransientErrors.
 */
export interface SshDriver {
  exec(target: SshTarget, command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically: a temp file beside it, then rename, so readers never see half a file. */
  upload(target: SshTarget, remotePath: string, content: string | Buffer, options?: UploadOptions): Promise<void>;
  /** Reads a file; undefined when it does not exist. */
  readFile(target: SshTarget, remotePath: string): Promise<Buffer | undefined>;
  /** Drops the pooled connection to a target (e.g. after it was recreated). */
  disconnect(target: SshTarget): Promise<void>;
  close(): Promise<void>;
}

/** Credentials for one registry, resolved from secret references just before use. */
export interface RegistryAuth {
  username: string;
  password: string;
}

export interface BuildOptions {
  /** The build context: a directory on this machine and/or files (path -> content; they win over the directory's). */
  contextDir?: string;
  files?: Record<string, string | Buffer>;
  /**
   * Directories added to the context under a prefix and streamed from where they are (no staging copy), e.g.
   * `{ media: { dir: checkout, skip: ['.git'] } }`; `skip` names entries left out at any depth.
   */
  contextMounts?: Record<string, { dir: string; skip?: string[] }>;
  /** Path of the Dockerfile inside the context. */
  dockerfile: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Pull the base image even if the engine has a copy, so the build uses what the registry holds. */
  pull?: boolean;
  /** Credentials by registry host (e.g. `127.0.0.1:5000`) for pulling the base image. */
  registryAuth?: Record<string, RegistryAuth>;
  /** Every log line of the build, as the engine reports it, without the trailing newline. */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: string;
  /** The last lines of the log (the whole log went to `onLog`). */
  lastLines: string[];
}

/** What the engine knows about a local image. */
export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  labels: Record<string, string>;
}

/** The registry's view of a tag: the manifest digest and the labels of its image config. */
export interface RegistryManifest {
  /** `host/name:tag` as asked. */
  ref: string;
  /** Digest of the manifest the tag points at (Docker-Content-Digest). */
  digest: string;
  mediaType: string;
  configDigest?: string;
  labels: Record<string, string>;
  created?: string;
}

/**
 * Docker transport over dockerode (local socket, tcp or ssh:// DOCKER_HOST). Build failures are StalledErrors
 * carrying the last log lines; connection failures and 5xx are TransientErrors; 4xx and auth are StalledErrors.
 */
export interface DockerDriver {
  build(options: BuildOptions): Promise<BuildResult>;
  push(ref: string, auth?: RegistryAuth, options?: { onLog?: (line: string) => void; signal?: AbortSignal }): Promise<void>;
  /** Undefined when the engine has no such image. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  imageExists(ref: string): Promise<boolean>;
  /** Reads the tag's manifest from the registry itself (not the engine); undefined when the tag does not exist. */
  registryManifest(ref: string, auth?: RegistryAuth): Promise<RegistryManifest | undefined>;
}

/* nginx (drivers/nginx/): versioned publish of a unit's files to its hosts, all or none. */

/** What one host has: nginx's version (undefined: not installed), the current dir and its files' sha256. */
export interface NginxHostState {
  nginx?: string;
  current?: string;
  running: boolean;
  files: Record<string, string>;
  versions: string[];
}

export interface PublishOptions {
  /** Version dirs kept per host (current and previous always kept). Default 5. */
  keep?: number;
  /** Wait for old workers to finish their requests after the reload (a member is about to be stopped). */
  drain?: boolean;
  /** Bound on waiting for a reload to take effect (and for the drain). Default 10 s. */
  waitSeconds?: number;
  signal?: AbortSignal;
}

export type HostPhase = 'test' | 'switch' | 'restored' | 'restore-failed' | 'done' | 'skipped';

export interface HostOutcome {
  host: string;
  phase: HostPhase;
  ok: boolean;
  /** What nginx (or the host) said, one line. */
  message?: string;
  previous?: string;
}

export interface PublishReport {
  dir: string;
  ok: boolean;
  hosts: HostOutcome[];
  /** The first failure, as `Host/x: <nginx's line>`. */
  error?: string;
}

export interface NginxDriver {
  inspect(target: SshTarget, root: string): Promise<NginxHostState>;
  /** Publishes `files` as version dir `dir` under `root` on all targets; throws NginxPublishError when not all switched. */
  publish(targets: SshTarget[], root: string, dir: string, files: Record<string, string>, options?: PublishOptions): Promise<PublishReport>;
}

/** The bag of transports handed to kinds; later issues add nginx, aliyun and monit. */
export interface Drivers {
  ssh: SshDriver;
  docker?: DockerDriver;
  /** nginx units: versioned all-or-none publish over SSH. */
  nginx?: NginxDriver;
  /** Machine providers (Aliyun ECS, the Docker lab), one driver per account and region. */
  providers?: ProviderRegistry;
  /** monit on component hosts (Cloud Foundry), built per control file on top of ssh. */
  monit?: MonitDriverFactory;
  /** Aliyun SLB load balancers, one driver per account and region. */
  slb?: SlbRegistry;
}

/** Tag naming the SSH port of an instance reached on another port than 22 (a port forward, the test emulator). */
export const SSH_PORT_TAG = 'driftless:ssh-port';

/** Instance states normalised across providers (ECS: Pending, Stopped, Starting, Running, Stopping). */
export type InstanceState = 'pending' | 'stopped' | 'starting' | 'running' | 'stopping' | 'unknown';

/** One machine as its provider reports it. `tags` are how driftless finds its own machines after a crash. */
export interface ProviderInstance {
  id: string;
  name: string;
  state: InstanceState;
  /** The provider's own word for the state, for messages. */
  rawState: string;
  tags: Record<string, string>;
  privateIp?: string;
  publicIp?: string;
  /** SSH port when not 22 (an instance tagged `driftless:ssh-port`, e.g. behind a port forward). */
  sshPort?: number;
  networkType?: 'classic' | 'vpc';
  /** ISO time the provider created the instance: quota hours are counted from here. */
  createdAt: string;
}

/** What a provider needs to create one machine; fields a provider does not use are ignored by it. */
export interface ProviderMachineSpec {
  region?: string;
  zone?: string;
  instanceType?: string;
  /** Cloud image id; for the lab provider a container image (default: the lab host image). */
  image?: string;
  network?: {
    type: 'classic' | 'vpc';
    vpcId?: string;
    vswitchId?: string;
    securityGroupId?: string;
    internetChargeType?: 'PayByBandwidth' | 'PayByTraffic';
    internetMaxBandwidthOut?: number;
  };
  systemDisk?: { category: string; sizeGiB?: number };
  dataDisks?: Array<{ category: string; sizeGiB: number }>;
}

export interface CreateInstanceInput {
  /** Same token, same instance: a retried create never makes a second machine. */
  clientToken: string;
  name: string;
  /** OpenSSH public key authorised for root; the private half never leaves this machine. */
  publicKey: string;
  tags: Record<string, string>;
  spec: ProviderMachineSpec;
}

/**
 * The seed's ProviderDriver, made idempotent. Errors: throttling, 5xx and network failures are TransientErrors;
 * bad credentials and refused parameters are StalledErrors. `describe` returns undefined for a deleted instance.
 */
export interface ProviderDriver {
  readonly provider: string;
  create(input: CreateInstanceInput): Promise<string>;
  describe(id: string): Promise<ProviderInstance | undefined>;
  /** Every instance carrying all of these tags (paged through by the driver). */
  list(tags: Record<string, string>): Promise<ProviderInstance[]>;
  /** Classic network only: the address the machine is reached on from outside. Idempotent. */
  allocatePublicIp(id: string): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  /** Deletes a stopped instance (and what was created with it, like its key pair). Gone already = success. */
  delete(id: string): Promise<void>;
}

/** Credentials and place of one provider account, resolved from secret references just before use. */
export interface ProviderAccount {
  provider: string;
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** API endpoint override (tests point it at the local emulator). */
  endpoint?: string;
}

/** Hands out provider drivers; unknown providers are a StalledError. */
export interface ProviderRegistry {
  get(account: ProviderAccount): ProviderDriver;
}

/** SLB listener protocols and the schedulers SLB offers. */
export type SlbProtocol = 'http' | 'https' | 'tcp' | 'udp';

/** A listener as desired and as read back, normalised across the four protocols (absent = SLB's default). */
export interface SlbListener {
  protocol: SlbProtocol;
  port: number;
  backendPort: number;
  /** Mbps; -1 = shared from the instance. */
  bandwidth: number;
  scheduler: 'wrr' | 'wlc' | 'rr';
  /** http/https: cookie insertion by SLB or the backend's own cookie; tcp: persistence timeout only. */
  stickySession?: { type: 'insert'; timeoutSeconds: number } | { type: 'server'; cookie: string };
  /** https only. */
  certificateId?: string;
  healthCheck: {
    enabled: boolean;
    domain?: string;
    uri?: string;
    connectPort?: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    timeoutSeconds: number;
    intervalSeconds: number;
    httpCodes?: string[];
  };
  /** Read back only: `running` or `stopped`. */
  status?: string;
}

export interface SlbBackend {
  instanceId: string;
  weight: number;
}

/** What a load balancer is made with; address and network type cannot change after creation. */
export interface SlbInstanceSpec {
  name: string;
  addressType: 'internet' | 'intranet';
  networkType: 'classic' | 'vpc';
  vpcId?: string;
  vswitchId?: string;
  /** Performance spec such as `slb.s1.small`; absent = shared-performance instance. */
  spec?: string;
  bandwidth?: number;
  internetChargeType: 'paybytraffic' | 'paybybandwidth';
}

export interface SlbState extends SlbInstanceSpec {
  id: string;
  address?: string;
  status: string;
  tags: Record<string, string>;
  listeners: SlbListener[];
  backends: SlbBackend[];
}

/**
 * Aliyun SLB through pop-core, one driver per account and region. Idempotent by construction: create carries a
 * ClientToken, and `find` adopts an instance by name or tags after a crash. Errors as for ProviderDriver.
 */
export interface SlbDriver {
  /** Load balancers with this name, or else carrying all these tags; full state of each. */
  find(name: string, tags: Record<string, string>): Promise<SlbState[]>;
  describe(id: string): Promise<SlbState | undefined>;
  create(spec: SlbInstanceSpec, clientToken: string, tags: Record<string, string>): Promise<string>;
  addTags(id: string, tags: Record<string, string>): Promise<void>;
  modifyInternetSpec(id: string, chargeType: SlbInstanceSpec['internetChargeType'], bandwidth?: number): Promise<void>;
  modifyInstanceSpec(id: string, spec: string): Promise<void>;
  createListener(id: string, listener: SlbListener): Promise<void>;
  updateListener(id: string, listener: SlbListener): Promise<void>;
  startListener(id: string, port: number, protocol: SlbProtocol): Promise<void>;
  deleteListener(id: string, port: number, protocol: SlbProtocol): Promise<void>;
  addBackends(id: string, backends: SlbBackend[]): Promise<void>;
  removeBackends(id: string, instanceIds: string[]): Promise<void>;
  setBackends(id: string, backends: SlbBackend[]): Promise<void>;
  /** Gone already = success. */
  delete(id: string): Promise<void>;
}

export interface SlbRegistry {
  get(account: ProviderAccount): SlbDriver;
}

/** monit's verdict on a service, whichever 5.x output it was read from: running, failing (monitored, in error), stopped. */
export type MonitState = 'running' | 'failing' | 'not-monitored' | 'initializing' | 'unknown';

export interface MonitService {
  name: string;
  /** Process, System, Filesystem, File, Directory, Fifo, Remote Host, Program, Net. */
  type: string;
  state: MonitState;
  /** Monit's own words (e.g. "Does not exist - restart pending"), for messages. */
  detail: string;
  pid?: number;
  cpuPercent?: number;
  memoryPercent?: number;
}

export interface MonitStatus {
  version?: string;
  services: MonitService[];
  /** Host-level figures when the source carries them (XML system service). */
  system?: { cpuPercent?: number; memoryPercent?: number };
  /** Which parser produced it. */
  via: 'xml' | 'summary' | 'status';
}

export type MonitAction = 'start' | 'stop' | 'restart' | 'monitor' | 'unmonitor';

export interface MonitOptions {
  /** Control file passed with `-c` (a private monit like BOSH's); undefined = the system default. */
  controlFile?: string;
  /** Port of the HTTP interface on 127.0.0.1; undefined = read status from the CLI only. */
  httpPort?: number;
  /** `xml` needs httpPort; `auto` tries XML first, then summary text. */
  statusVia?: 'auto' | 'xml' | 'summary';
  timeoutMs?: number;
}

/** monit over SSH: status from XML or text of any 5.x, actions through the CLI. Connection errors are transient. */
export interface MonitDriver {
  status(target: SshTarget, signal?: AbortSignal): Promise<MonitStatus>;
  /** Runs `monit <action> <service>`. */
  control(target: SshTarget, action: MonitAction, service: string, signal?: AbortSignal): Promise<void>;
  /** Re-reads the control files (after driftless wrote or removed one). */
  reload(target: SshTarget, signal?: AbortSignal): Promise<void>;
  /** The command prefix (`monit -c FILE`), for scripts that run monit themselves. */
  readonly command: string;
}

/** Builds a monit driver for one monit setup (control file, port) on top of the SSH transport. */
export type MonitDriverFactory = (options: MonitOptions) => MonitDriver;

/** Aliyun API endpoints used when an account names none; a secret bound to the account must cover them. */
export const DEFAULT_ECS_ENDPOINT = 'https://ecs.aliyuncs.com';
export const DEFAULT_SLB_ENDPOINT = 'https://slb.aliyuncs.com';
