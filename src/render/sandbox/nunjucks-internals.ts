/**
 * Typed handles on the parts of nunjucks 3.2.4 the sandbox reuses: its lexer/parser/transformer (so templates keep
 * nunjucks syntax exactly), its code generator (after the AST has been checked) and its plain-function filters and
 * tests. nunjucks' own Environment, Context and runtime lookups are NOT used: they reach JavaScript objects.
 * The package version is pinned in package.json; these internals are read from its src/ directory.
 */
import { createRequire } from 'node:module';

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

export const njParser = require('nunjucks/src/parser') as {
  parse(src: string, extensions: unknown[], opts: { trimBlocks: boolean; lstripBlocks: boolean }): NjNode;
};
export const njTransformer = require('nunjucks/src/transformer') as { transform(ast: NjNode, asyncFilters: string[], name?: string): NjNode };
export const njCompiler = require('nunjucks/src/compiler') as { Compiler: new (name: string, throwOnUndefined: boolean) => NjCompiler };
export const njNodes = require('nunjucks/src/nodes') as { Node: abstract new (...a: unknown[]) => NjNode; NodeList: abstract new (...a: unknown[]) => NjNode };
export const njRuntime = require('nunjucks/src/runtime') as {
  makeMacro(argNames: string[], kwargNames: string[], fn: NjFunction): NjFunction;
  makeKeywordArgs(obj: object): object;
  numArgs(args: unknown[]): number;
  handleError(err: unknown, lineno: number, colno: number): NjTemplateError;
  SafeString: abstract new (...a: unknown[]) => { val: string };
  keys(obj: object): string[];
};
export const njLib = require('nunjucks/src/lib') as {
  TemplateError: new (message: string | Error, lineno?: number, colno?: number) => NjTemplateError;
  _prettifyError(path: string | undefined, withInternals: boolean, err: unknown): Error;
  isArray(x: unknown): x is unknown[];
  isObject(x: unknown): boolean;
};
export const njFilters = require('nunjucks/src/filters') as Record<string, NjFunction>;
export const njTests = require('nunjucks/src/tests') as Record<string, NjFunction>;
