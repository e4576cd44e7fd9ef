/**
 * Seams for the built-in steps other issues wire: `register` / `unregister` (service discovery, the nginx issue)
 * and `create_vm` / `return_vm` (machine templates, the machines issue). Until a hook is given these steps are
 * validated no-ops that log that they did nothing, so templates written OpenDCP's way already load and run.
 */
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

/** Machines from a template (jupiter's create_vm/return_vm): called per node by the built-in steps. */
export interface MachineHook {
  createVm(nodes: NodeRef[], params: Record<string, unknown>, ctx: KindContext): Promise<void>;
  returnVm(nodes: NodeRef[], params: Record<string, unknown>, ctx: KindContext): Promise<void>;
}

/** Optional hooks handed to createPoolKind; absent ones make their steps logged no-ops. */
export interface PoolHooks {
  discovery?: DiscoveryHook;
  machines?: MachineHook;
}
