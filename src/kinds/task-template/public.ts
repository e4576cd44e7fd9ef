/**
 * The public face of the task-template kind: the only file other kinds (and kinds/shared, kinds/registry.ts for
 * discovery) may import from it. Everything else in this folder is internal and may change without notice;
 * test/architecture/boundaries.unit.test.ts enforces this.
 */
export { BUILTIN_PARAM_HINTS, BUILTIN_STEP_PARAMS, type BuiltinStep, type CommandGroupSpec, type CommandSpec, DEFAULT_STEPS, type Flow, isBuiltinStep, type ParamDecl, type ParamValue, type StepSpec, type TaskTemplateSpec } from './spec.js';
