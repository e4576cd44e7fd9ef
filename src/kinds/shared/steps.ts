/**
 * Turns a template's steps into what runs: built-ins stay symbolic, CommandGroup steps become their Commands with
 * the step's parameter values checked against the declared types. Rendering happens per node, but every command
 * is also rendered once with placeholder node values when the repo is loaded, so an undefined `{{param}}` is a
 * problem before anything runs (OpenDCP found it on the first host, halfway through a flow).
 */
import { parseDuration } from '../../config/duration.js';
import { substitute } from '../../render/substitute.js';
import type { ResourceIndex } from '../types.js';
import {
  BUILTIN_PARAM_HINTS,
  BUILTIN_STEP_PARAMS,
  isBuiltinStep,
  type BuiltinStep,
  type CommandGroupSpec,
  type CommandSpec,
  type ParamDecl,
  type ParamValue,
  type StepSpec,
} from '../task-template/public.js';
import { StalledError } from '../../errors.js';

/** A command ready to render: body, shell or script, timeout, declared params. */
export interface ResolvedCommand {
  name: string;
  body: string;
  mode: 'shell' | 'script';
  timeoutMs: number;
  params: Record<string, ParamDecl>;
}

/** A template step resolved against the revision. */
export interface ResolvedStep {
  name: string;
  builtin?: BuiltinStep;
  commands: ResolvedCommand[];
  params: Record<string, ParamValue>;
  retry: { times: number; ignoreError: boolean };
  /** Steps named start_service* get the pool's image as `image` (and `tag`, OpenDCP's name), over any given value. */
  receivesImage: boolean;
}

/** OpenDCP passes the service image to steps named start_service*; `start-service*` is the same for group names. */
export function receivesImage(stepName: string): boolean {
  return /^start[_-]service/.test(stepName);
}

/** Values commands can use besides their declared parameters (`image` only in start_service* steps). */
export interface NodeVars {
  pool: string;
  service: string;
  image: string;
  node: { name: string; host: string; address: string; ordinal: number };
}

/** Resolves steps; problems name the step and say what is wrong, for the loader to report at the resource. */
export function resolveSteps(steps: StepSpec[], index: ResourceIndex): { steps: ResolvedStep[]; problems: string[] } {
  const problems: string[] = [];
  const out: ResolvedStep[] = [];
  steps.forEach((step, i) => {
    const where = `step ${i + 1} (${step.name})`;
    const resolved: ResolvedStep = {
      name: step.name,
      commands: [],
      params: step.params ?? {},
      retry: { times: step.retry?.times ?? 0, ignoreError: step.retry?.ignoreError ?? false },
      receivesImage: receivesImage(step.name),
    };
    if (isBuiltinStep(step.name)) {
      const takes = BUILTIN_STEP_PARAMS[step.name];
      for (const p of Object.keys(resolved.params).filter((k) => !takes.includes(k))) {
        const hint = BUILTIN_PARAM_HINTS[p];
        const accepted = takes.length > 0 ? `it takes ${takes.join(', ')}` : 'it takes no params';
        problems.push(`${where}: built-in step ${step.name} does not take param ${p} (${accepted})${hint ? `; ${hint}` : ''}`);
      }
      out.push({ ...resolved, builtin: step.name });
      return;
    }
    const group = index.get<CommandGroupSpec>('CommandGroup', step.name);
    if (!group) {
      problems.push(`${where}: no built-in step and no CommandGroup named ${step.name}`);
      return;
    }
    const declared = new Set<string>();
    for (const cmdName of group.spec.commands) {
      const cmd = index.get<CommandSpec>('Command', cmdName);
      if (!cmd) {
        problems.push(`${where}: CommandGroup/${step.name} names Command/${cmdName}, which is not declared`);
        continue;
      }
      const params = cmd.spec.params ?? {};
      for (const [p, decl] of Object.entries(params)) {
        declared.add(p);
        const value = resolved.params[p] ?? decl.default;
        if (value === undefined && !(resolved.receivesImage && (p === 'image' || p === 'tag'))) {
          problems.push(`${where}: parameter ${p} of Command/${cmdName} has no value and no default`);
        } else if (value !== undefined && !typeMatches(decl.type, value)) {
          problems.push(`${where}: parameter ${p} of Command/${cmdName} must be ${decl.type}, got ${JSON.stringify(value)}`);
        }
      }
      resolved.commands.push({
        name: cmdName,
        body: cmd.spec.shell ?? cmd.spec.script ?? '',
        mode: cmd.spec.shell !== undefined ? 'shell' : 'script',
        timeoutMs: parseDuration(cmd.spec.timeout ?? '5m'),
        params,
      });
    }
    for (const p of Object.keys(resolved.params)) {
      if (!declared.has(p)) problems.push(`${where}: parameter ${p} is not declared by any command of CommandGroup/${step.name}`);
    }
    out.push(resolved);
  });
  return { steps: out, problems };
}

function typeMatches(type: ParamDecl['type'], value: ParamValue): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return typeof value === 'number';
}

/** The context a command renders with: its declared parameters (step value, else default) and the node's values. */
export function commandContext(step: ResolvedStep, cmd: ResolvedCommand, vars: NodeVars): Record<string, unknown> {
  const ctx: Record<string, unknown> = { pool: vars.pool, service: vars.service, node: vars.node };
  for (const [p, decl] of Object.entries(cmd.params)) {
    const value = step.params[p] ?? decl.default;
    if (value !== undefined) ctx[p] = value;
  }
  if (step.receivesImage) {
    ctx.image = vars.image;
    ctx.tag = vars.image;
  }
  return ctx;
}

/** Renders one command for one node; throws (with the command named) on an undefined variable. */
export function renderCommand(step: ResolvedStep, cmd: ResolvedCommand, vars: NodeVars): string {
  try {
    return substitute(cmd.body, commandContext(step, cmd, vars));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new StalledError('SchemaInvalid', `step ${step.name}, Command/${cmd.name}: ${msg}${near(cmd.body, msg)}`, { cause: err });
  }
}

/** The substitution error names a position; quote the expression found there. */
function near(body: string, message: string): string {
  const m = /Line (\d+), Column (\d+)/.exec(message);
  if (!m) return '';
  const line = body.split('\n')[Number(m[1]) - 1] ?? '';
  const rest = line.slice(Math.max(0, Number(m[2]) - 1));
  const expr = /^\{\{.*?\}\}/.exec(rest)?.[0] ?? rest.slice(0, 40);
  return expr ? ` near ${JSON.stringify(expr)}` : '';
}

/** Placeholder node values for the load-time render check. */
export const PLACEHOLDER_VARS: NodeVars = {
  pool: 'pool',
  service: 'service',
  image: 'registry.example/image:tag',
  node: { name: 'pool-0', host: 'host', address: '127.0.0.1', ordinal: 0 },
};

/** Renders every command of every step with placeholders; each failure becomes a problem message. */
export function renderProblems(steps: ResolvedStep[]): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    for (const cmd of step.commands) {
      try {
        renderCommand(step, cmd, PLACEHOLDER_VARS);
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
  }
  return problems;
}
