/**
 * Template text to a render function: nunjucks' lexer, parser and transformer (the syntax authors know), then the
 * sandbox's AST check, then nunjucks' code generator with three changes: every write to an output buffer goes
 * through `runtime.out` (counted and bounded), the callee name it pastes into error messages is reduced to safe
 * characters, and nothing else of nunjucks' Environment is involved.
 */
import { checkAst } from './check-ast.js';
import { TemplateSandboxError, type RenderLimits } from './limits.js';
import { njCompiler, njLib, njParser, njTransformer, type NjCompiler, type NjNode } from './nunjucks-internals.js';

/** A compiled template's entry point, as nunjucks generates it. */
export type RenderFn = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: (err: unknown, out?: string) => void) => void;

export interface CompiledTemplate {
  /** Full path of a file template; undefined for a template given as text. */
  path: string | undefined;
  root: RenderFn;
  blocks: Record<string, RenderFn>;
}

/** The callee's name as nunjucks quotes it in "Unable to call" messages, with anything but name characters dropped. */
function nodeName(node: NjNode): string {
  switch (node.typename) {
    case 'Symbol':
    case 'Literal':
      return String(node.value);
    case 'FunCall':
      return `the return value of (${nodeName(node.name as NjNode)})`;
    case 'LookupVal':
      return `${nodeName(node.target as NjNode)}.${nodeName(node.val as NjNode)}`;
    default:
      return '--expression--';
  }
}

function compileOutput(this: NjCompiler, node: NjNode, frame: unknown): void {
  for (const child of node.children ?? []) {
    if (child.typename === 'TemplateData') {
      if (child.value) {
        this._emit(`${this.buffer} += runtime.out(`);
        (this.compileLiteral as (n: NjNode, f: unknown) => void).call(this, child, frame);
        this._emitLine(');');
      }
    } else {
      this._emit(`${this.buffer} += runtime.out(runtime.ensureDefined(`);
      this.compile(child, frame);
      this._emitLine(`,${Number(node.lineno)},${Number(node.colno)}));`);
    }
  }
}

/** Parses, checks and compiles; errors carry the template's path and the line and column nunjucks reports. */
export function compileTemplate(source: string, path: string | undefined, limits: RenderLimits): CompiledTemplate {
  try {
    if (source.length > limits.maxSource) throw new TemplateSandboxError(`the template is ${source.length} characters, over the limit of ${limits.maxSource}`);
    const ast = njTransformer().transform(njParser().parse(source, [], { trimBlocks: true, lstripBlocks: true }), [], path);
    checkAst(ast, limits.maxConcatPerExpression);
    const c = new (njCompiler().Compiler)(path as string, true);
    c._getNodeName = (node: NjNode) => nodeName(node).replace(/[^A-Za-z0-9_ .()-]/g, '?');
    c.compileOutput = compileOutput;
    c.compile(ast);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code generated from a checked AST (see check-ast.ts)
    const props = new Function(c.getCode())() as Record<string, RenderFn>;
    const blocks: Record<string, RenderFn> = Object.create(null) as Record<string, RenderFn>;
    for (const [k, fn] of Object.entries(props)) if (k.startsWith('b_')) blocks[k.slice(2)] = fn;
    return { path, root: props.root!, blocks };
  } catch (err) {
    throw njLib()._prettifyError(path, true, err);
  }
}
