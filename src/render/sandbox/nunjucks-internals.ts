/**
 * Typed handles on the parts of nunjucks 3.2.4 the sandbox reuses: its lexer/parser/transformer (so templates keep
 * nunjucks syntax exactly), its code generator (after the AST has been checked) and its plain-function filters and
 * tests. nunjucks' own Environment, Context and runtime lookups are NOT used: they reach JavaScript objects.
 * The package version is pinned in package.json; these internals are read from its src/ directory.
 */
import { createRequire } from 'node:module';

/**
 * The internals are required at first use, not when this module is evaluated: commands that render no template
 * (`validate` of a repo without templates, `status`) then never load nunjucks (issue 20). Each accessor caches
 * through require's own module cache.
 */
const require = createRequire(import.meta.url);

/** A parsed template node; `typename` names its class, `fields` its child slots (NodeList: `children`). */
export interface NjNode {
  readonly typename: string;
  readonly fields: string[];
  lineno: number;
  colno: number;
  children?: NjNode[];
  value?: unknown;
  [field: string]: unknown;
}

export interface NjCompiler {
  compile(node: NjNode, frame?: unknown): void;
  getCode(): string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  buffer: string;
  throwOnUndefined: boolean;
  [method: string]: unknown;
}

export interface NjTemplateError extends Error {
  lineno?: number;
  colno?: number;
  Update(path: string | undefined): NjTemplateError;
}

export type NjFunction = (...args: unknown[]) => unknown;

export const njParser = (): NjParserModule => require('nunjucks/src/parser') as NjParserModule;
type NjParserModule = {
  parse(src: string, extensions: unknown[], opts: { trimBlocks: boolean; lstripBlocks: boolean }): NjNode;
};
export const njTransformer = (): NjTransformerModule => require('nunjucks/src/transformer') as NjTransformerModule;
type NjTransformerModule = { transform(ast: NjNode, asyncFilters: string[], name?: string): NjNode };
export const njCompiler = (): NjCompilerModule => require('nunjucks/src/compiler') as NjCompilerModule;
type NjCompilerModule = { Compiler: new (name: string, throwOnUndefined: boolean) => NjCompiler };
export const njNodes = (): NjNodesModule => require('nunjucks/src/nodes') as NjNodesModule;
type NjNodesModule = { Node: abstract new (...a: unknown[]) => NjNode; NodeList: abstract new (...a: unknown[]) => NjNode };
export const njRuntime = (): NjRuntimeModule => require('nunjucks/src/runtime') as NjRuntimeModule;
type NjRuntimeModule = {
  makeMacro(argNames: string[], kwargNames: string[], fn: NjFunction): NjFunction;
  makeKeywordArgs(obj: object): object;
  numArgs(args: unknown[]): number;
  handleError(err: unknown, lineno: number, colno: number): NjTemplateError;
  SafeString: abstract new (...a: unknown[]) => { val: string };
  keys(obj: object): string[];
};
export const njLib = (): NjLibModule => require('nunjucks/src/lib') as NjLibModule;
type NjLibModule = {
  TemplateError: new (message: string | Error, lineno?: number, colno?: number) => NjTemplateError;
  _prettifyError(path: string | undefined, withInternals: boolean, err: unknown): Error;
  isArray(x: unknown): x is unknown[];
  isObject(x: unknown): boolean;
};
export const njFilters = (): NjFiltersModule => require('nunjucks/src/filters') as NjFiltersModule;
type NjFiltersModule = Record<string, NjFunction>;
export const njTests = (): NjTestsModule => require('nunjucks/src/tests') as NjTestsModule;
type NjTestsModule = Record<string, NjFunction>;
