/**
 * Seams for the built-in steps other issues wire: `register` / `unregister` (service discovery, the nginx issue)
 * and `create_vm` / `return_vm` (machine templates, the machines issue). Until a hook is given these steps are
 * validated no-ops that log that they did nothing, so templates written OpenDCP's way already load and run.
 */
import type { SshTarget } from '../../drivers/types.js';
import type { KindContext } from '../types.js';

/** One pool node as discovery sees it: where it listens. */
export interface NodeRef {
  pool: string;
  service: string;
  name: string;
  host: string;
  address: string;
  ports: number[];
}

/** Service discovery (hubble's register/unregister): called per node by the built-in steps. */
export interface DiscoveryHook {
  register(nodes: NodeRef[], ctx: KindContext): Promise<void>;
  unregister(nodes: NodeRef[], ctx: KindContext): Promise<void>;
}

/** One machine a pool created from its template, as found by the pool's tags. */
export interface PoolMachine {
  name: string;
  /** The machine's state in the machines' words (creating, uninitialized, ready, ...). */
  state: string;
  /** Initialised and answering over SSH: its nodes can be listed and started. */
  ready: boolean;
  address?: string;
  target?: SshTarget;
  /** The provider's id of the instance, and which provider (an SLB maps only Aliyun instances to backends). */
  instance?: { provider: string; id: string };
  error?: string;
}

/** What provisioning got: the named machines now ready, and the names the quota refused (with why). */
export interface ProvisionResult {
  ready: PoolMachine[];
  refused: string[];
  /** Names the template, the hours used and the limit when something was refused. */
  quotaMessage?: string;
}

/**
 * Machines from a template (jupiter's create_vm/return_vm). `observe`/`provision`/`release` serve pools that
 * declare a machine template: the pool's hosts are then its own tagged machines, created before the expand steps
 * run on them and returned after the shrink steps left them empty. `createVm`/`returnVm` are the per-node form.
 */
export interface MachineHook {
  createVm(nodes: NodeRef[], params: Record<string, unknown>, ctx: KindContext): Promise<void>;
  returnVm(nodes: NodeRef[], params: Record<string, unknown>, ctx: KindContext): Promise<void>;
  /** The pool's machines found by tags (so a machine created just before a crash is adopted). */
  observe(pool: string, template: string, ctx: KindContext): Promise<PoolMachine[]>;
  /** Makes the named machines exist and be ready, creating only as many as the template's quota admits. */
  provision(pool: string, template: string, names: string[], ctx: KindContext): Promise<ProvisionResult>;
  /** Stops then deletes the named machines of the pool; only machines tagged with the pool are ever touched. */
  release(pool: string, template: string, names: string[], ctx: KindContext): Promise<void>;
}

/** Optional hooks handed to createPoolKind; absent ones make their steps logged no-ops. */
export interface PoolHooks {
  discovery?: DiscoveryHook;
  machines?: MachineHook;
}
