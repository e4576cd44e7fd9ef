/** Specs of the OpenDCP orchestration kinds: TaskTemplate (任务模板), CommandGroup (命令组) and Command (远程命令). */

export type ParamValue = string | number | boolean;

/** One template step: OpenDCP's StepOption with param_values and retry renamed. */
export interface StepSpec {
  name: string;
  params?: Record<string, ParamValue>;
  retry?: { times?: number; ignoreError?: boolean };
}

/** The TaskTemplate spec. */
export interface TaskTemplateSpec {
  description?: string;
  steps: StepSpec[];
}

/** The CommandGroup spec. */
export interface CommandGroupSpec {
  description?: string;
  commands: string[];
}

/** A declared command parameter: OpenDCP declared types but never checked them; driftless does. */
export interface ParamDecl {
  type: 'string' | 'integer' | 'number' | 'boolean';
  default?: ParamValue;
  description?: string;
}

/** The Command spec. */
export interface CommandSpec {
  description?: string;
  params?: Record<string, ParamDecl>;
  shell?: string;
  script?: string;
  timeout?: string;
}

/**
 * Steps driftless implements itself, under OpenDCP's names. Any other step name is a CommandGroup; a group may not
 * take a built-in's name (OpenDCP resolved such a clash in random map order).
 */
export const BUILTIN_STEPS = [
  'create_vm',
  'return_vm',
  'register',
  'unregister',
  'start_service',
  'stop_service',
  'check_health',
] as const;

/** A built-in step name. */
export type BuiltinStep = (typeof BUILTIN_STEPS)[number];

/** Whether a step name is a built-in (and so not a CommandGroup). */
export function isBuiltinStep(name: string): name is BuiltinStep {
  return (BUILTIN_STEPS as readonly string[]).includes(name);
}

/** The three flows a pool runs templates for. */
export type Flow = 'expand' | 'shrink' | 'deploy';

/** What a pool runs when it names no template for a flow: OpenDCP's defaults plus a health check before register. */
export const DEFAULT_STEPS: Record<Flow, StepSpec[]> = {
  expand: [{ name: 'start_service' }, { name: 'check_health' }, { name: 'register' }],
  shrink: [{ name: 'unregister', retry: { ignoreError: true } }, { name: 'stop_service' }],
  deploy: [
    { name: 'unregister', retry: { ignoreError: true } },
    { name: 'stop_service' },
    { name: 'start_service' },
    { name: 'check_health' },
    { name: 'register' },
  ],
};

/**
 * The params each built-in step honours; any other is a load-time problem (OpenDCP silently dropped them, so a
 * migrated `tag:` on start_service looked honoured and was not). `create_vm` picks the machine template.
 */
export const BUILTIN_STEP_PARAMS: Record<BuiltinStep, readonly string[]> = {
  create_vm: ['template', 'vm_type_id'],
  return_vm: [],
  register: [],
  unregister: [],
  start_service: [],
  stop_service: [],
  check_health: [],
};

/** Why a built-in does not take a param, where driftless has the thing elsewhere. */
export const BUILTIN_PARAM_HINTS: Record<string, string> = {
  tag: "the image and its tag come from the Pool's container.image (or its ImageProject)",
  name: "the image comes from the Pool's container.image; node names come from the Pool",
  image: "the image comes from the Pool's container.image (or its ImageProject)",
};
