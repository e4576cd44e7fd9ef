/**
 * Checks a parsed template before nunjucks' code generator sees it. The generator pastes names from the template
 * into JavaScript source unquoted (`frame.set("NAME"...)`, `env.getFilter("NAME")`, `l_NAME`), so a symbol like
 * x"&Function`...`` `&" becomes code at compile time, before any runtime lookup could refuse it. Every name must be a
 * plain identifier, every node a kind the sandbox knows, every literal a string, number, boolean or none; and an
 * expression may chain only so many `+`/`~` (a string built by one expression is checked once it is stored).
 */
import { FORBIDDEN_NAMES } from './data.js';
import { TemplateSandboxError } from './limits.js';
import { njLib, type NjNode } from './nunjucks-internals.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Node kinds a sandboxed template may contain; async tags and extensions are left out. */
const ALLOWED = new Set([
  'Root', 'NodeList', 'Output', 'TemplateData', 'Literal', 'Symbol', 'Group', 'Array', 'Dict', 'Pair', 'LookupVal',
  'Compare', 'CompareOperand', 'InlineIf', 'In', 'Is', 'And', 'Or', 'Not', 'Add', 'Concat', 'Sub', 'Mul', 'Div',
  'FloorDiv', 'Mod', 'Pow', 'Neg', 'Pos', 'Filter', 'FunCall', 'KeywordArgs', 'If', 'For', 'Set', 'Capture',
  'Switch', 'Case', 'Macro', 'Caller', 'Include', 'Import', 'FromImport', 'Extends', 'Block', 'Super',
]);
const COMPARE_OPS = new Set(['==', '===', '!=', '!==', '<', '>', '<=', '>=']);
/** Node kinds that belong to an expression; a statement's expression is counted from its top. */
const STATEMENTS = new Set(['Root', 'NodeList', 'Output', 'If', 'For', 'Set', 'Capture', 'Switch', 'Case', 'Macro', 'Caller', 'Block']);

function fail(node: NjNode, message: string): never {
  throw new (njLib().TemplateError)(new TemplateSandboxError(message), node.lineno + 1, node.colno + 1);
}

function ident(node: unknown, what: string, at: NjNode): void {
  const n = node as NjNode | null;
  if (!n || n.typename !== 'Symbol' || typeof n.value !== 'string' || !IDENT.test(n.value)) {
    fail(at, `${what} must be a plain name (letters, digits, _)`);
  }
}

function checkSignature(node: NjNode): void {
  const args = (node.args as NjNode).children ?? [];
  args.forEach((arg, i) => {
    if (i === args.length - 1 && (arg.typename === 'KeywordArgs' || arg.typename === 'Dict')) {
      for (const pair of arg.children ?? []) ident(pair.key, 'a macro argument', pair);
    } else ident(arg, 'a macro argument', arg);
  });
}

function checkNode(node: NjNode): void {
  switch (node.typename) {
    case 'Symbol':
      if (typeof node.value !== 'string' || !IDENT.test(node.value)) fail(node, `"${String(node.value)}" is not a plain name (letters, digits, _)`);
      if (FORBIDDEN_NAMES.has(node.value)) fail(node, `access to "${node.value}" is not allowed in templates`);
      break;
    case 'Literal':
    case 'TemplateData': {
      const t = node.value === null ? 'null' : typeof node.value;
      if (!['string', 'number', 'boolean', 'null'].includes(t)) fail(node, 'regular expressions are not supported in templates');
      break;
    }
    case 'Pair': {
      const key = node.key as NjNode;
      if (key.typename === 'Symbol') ident(key, 'a key', node);
      else if (key.typename !== 'Literal' || typeof key.value !== 'string') fail(node, 'a dict key must be a name or a string');
      if (key.value === '__proto__') fail(node, 'a dict key may not be __proto__');
      break;
    }
    case 'Is': {
      const right = node.right as NjNode;
      ident(right.typename === 'FunCall' ? right.name : right, 'a test after "is"', node);
      break;
    }
    case 'CompareOperand':
      if (!COMPARE_OPS.has(String(node.type))) fail(node, `unknown comparison ${String(node.type)}`);
      break;
    case 'Macro':
    case 'Caller':
      if (node.typename === 'Macro') ident(node.name, 'a macro name', node);
      checkSignature(node);
      break;
    case 'FromImport':
      for (const n of (node.names as NjNode).children ?? []) {
        if (n.typename === 'Pair') {
          ident(n.key, 'an imported name', n);
          ident(n.value, 'an imported name', n);
        } else ident(n, 'an imported name', n);
      }
      break;
    case 'Import':
      ident(node.target, 'an import name', node);
      break;
    case 'Set':
      for (const t of node.targets as NjNode[]) ident(t, 'a variable set', node);
      break;
    case 'For': {
      const name = node.name as NjNode;
      if (name.typename === 'Array') (name.children ?? []).forEach((c) => ident(c, 'a loop variable', node));
      else ident(name, 'a loop variable', node);
      break;
    }
    case 'Block':
      ident(node.name, 'a block name', node);
      break;
    case 'Super':
      ident(node.blockName, 'a block name', node);
      ident(node.symbol, 'a block name', node);
      break;
    case 'Filter':
      ident(node.name, 'a filter name', node);
      break;
    case 'LookupVal': {
      const val = node.val as NjNode;
      if (val.typename === 'Literal' && FORBIDDEN_NAMES.has(String(val.value))) fail(node, `access to "${String(val.value)}" is not allowed in templates`);
      break;
    }
  }
}

function children(node: NjNode): unknown[] {
  if (node.children) return [...node.children, ...node.fields.filter((f) => f !== 'children').map((f) => node[f])];
  return node.fields.map((f) => node[f]);
}

/** Walks the tree; throws a TemplateSandboxError carrying line and column at the first thing refused. */
export function checkAst(root: NjNode, maxConcat: number): void {
  const walk = (node: unknown, concat: { n: number }): void => {
    if (node === null || node === undefined || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((n) => walk(n, concat));
      return;
    }
    const n = node as NjNode;
    if (typeof n.typename !== 'string' || !ALLOWED.has(n.typename)) fail(n, `{% ${String(n.typename)} %} is not supported in templates`);
    checkNode(n);
    if (n.typename === 'Add' || n.typename === 'Concat') {
      if (++concat.n > maxConcat) fail(n, `an expression may chain at most ${maxConcat} + or ~`);
    }
    const statement = STATEMENTS.has(n.typename);
    for (const c of children(n)) walk(c, statement ? { n: 0 } : concat);
  };
  walk(root, { n: 0 });
}
