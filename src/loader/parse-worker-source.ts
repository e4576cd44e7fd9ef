/**
 * The parse worker's code (run by yaml-worker.ts with `new Worker(PARSE_WORKER_SOURCE, { eval: true })`): plain
 * CommonJS requiring only `yaml`, from the path the main thread resolved. A string rather than a file beside the
 * sources, so that it runs the same under vitest (TypeScript sources) and from the esbuild bundle bin/driftless.js
 * builds (in node_modules/.cache, possibly behind a symlink): there is no file to find at run time. No backticks or
 * template placeholders below (the string is a template literal).
 *
 * One message per file in (`{ id, text }` on parentPort), one reply per file out, in order, on the port handed over
 * in workerData. The reply is plain data, so the main thread never holds a yaml Document: per document its problems
 * (syntax errors and warnings, duplicate keys, alias bombs) with positions, whether it is empty, its value, and a
 * positions index (JSON pointer -> value and key line/col, see positions.ts) for locating later problems.
 *
 * Duplicate keys are checked here in one pass per mapping (a Set of its keys): yaml's own `uniqueKeys` compares
 * every key with every earlier one, and a 738 KB file took 38 s.
 */
export const PARSE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } = require(workerData.yamlPath);

function lowerFirst(s) {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** RFC 6901 escaping of one pointer segment. */
function escape(seg) {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** 'port:' with nothing after it: located at its key (as when locating walked the Document). */
function isEmptyScalar(node) {
  return isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1];
}

/** Identity of a mapping key for the duplicate check: yaml compares scalar keys by value (1 and "1" differ). */
function keyId(key) {
  return isScalar(key) ? typeof key.value + ':' + String(key.value) : undefined;
}

/** Walks one document: duplicate keys, the positions index, the first alias (where an alias bomb is reported). */
function indexDocument(doc, counter, report) {
  const pointers = [];
  const pos = [];
  const aliasFrom = [];
  const aliasTo = [];
  const anchors = new Map();
  let firstAlias;
  const add = (pointer, node, key) => {
    const v = counter.linePos(node.range[0]);
    const k = key && key.range ? counter.linePos(key.range[0]) : { line: 0, col: 0 };
    pointers.push(pointer);
    pos.push(v.line, v.col, k.line, k.col);
  };
  // An explicit stack, not recursion: deep nesting never overflows here. Children are pushed in reverse so nodes
  // are visited in document order (an anchor before the aliases that use it).
  const stack = [{ node: doc.contents, pointer: '', key: undefined }];
  while (stack.length > 0) {
    const { node, pointer, key } = stack.pop();
    if (isAlias(node)) {
      if (!firstAlias) firstAlias = node;
      const target = anchors.get(node.source);
      if (target !== undefined) {
        aliasFrom.push(pointer);
        aliasTo.push(target);
      }
      if (node.range) add(pointer, node, key);
      continue;
    }
    if (!node || !node.range) continue;
    // an empty value is located at its key (an empty sequence item at its sequence: no entry)
    if (isEmptyScalar(node) && pointer !== '') {
      if (key) add(pointer, key, key);
      continue;
    }
    add(pointer, node, key);
    if (node.anchor) anchors.set(node.anchor, pointer);
    const children = [];
    if (isMap(node)) {
      const ids = new Set();
      const segments = new Set();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const id = keyId(pair.key);
        if (id !== undefined) {
          if (ids.has(id)) report(pair.key.range ? pair.key.range[0] : node.range[0], 'Map keys must be unique');
          ids.add(id);
        }
        if (!isScalar(pair.key)) continue;
        const seg = String(pair.key.value);
        if (segments.has(seg)) continue; // of duplicate keys, a pointer names the first
        segments.add(seg);
        const child = pointer + '/' + escape(seg);
        if (pair.value === null || pair.value === undefined) add(child, pair.key, pair.key);
        else children.push({ node: pair.value, pointer: child, key: pair.key });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, pointer: pointer + '/' + i, key: undefined }));
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return { index: { pointers, pos: Int32Array.from(pos), aliasFrom, aliasTo }, firstAlias };
}

/**
 * True when the value, expanded as its consumers walk it (each alias in full), has more than 'cap' values. yaml's
 * maxAliasCount still lets 100 aliases of a large anchor through, and validation and copying on the main thread
 * would walk every copy: a 1 MiB file could cost them a hundred times its size.
 */
function expandsPast(value, cap) {
  let seen = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > cap) return true;
    if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) stack.push(v[k]);
  }
  return false;
}

function readDocument(doc, counter, maxAliasCount) {
  const problems = [];
  const seen = new Set();
  const report = (offset, message) => {
    const { line, col } = counter.linePos(offset);
    // only the first per position: the parser's errors cascade
    if (seen.has(line + ':' + col)) return;
    seen.add(line + ':' + col);
    problems.push({ line, col, message: lowerFirst(message.split('\n')[0]) });
  };
  for (const e of doc.errors.concat(doc.warnings)) report(e.pos[0], e.message);
  const { index, firstAlias } = indexDocument(doc, counter, report);
  const c = doc.contents;
  const empty = c === null || (isScalar(c) && c.value === null);
  if (problems.length > 0 || empty) return { problems, empty, index };
  const aliasAt = firstAlias && firstAlias.range ? firstAlias.range[0] : c && c.range ? c.range[0] : 0;
  let value;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (err) {
    // e.g. "excessive alias count indicates a resource exhaustion attack" (billion laughs)
    report(aliasAt, err instanceof Error ? err.message : String(err));
    return { problems, empty, index };
  }
  const cap = 2 * index.pointers.length + 1000;
  if (firstAlias && expandsPast(value, cap)) {
    report(aliasAt, 'aliases expand this document past ' + cap + ' values (about twice its own size): write the repeated parts out');
    return { problems, empty, index };
  }
  return { problems, empty, index, value };
}

function parseFile(text, maxAliasCount) {
  try {
    const counter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
    return { docs: Array.isArray(docs) ? docs.map((d) => readDocument(d, counter, maxAliasCount)) : [] };
  } catch (err) {
    return { failure: 'cannot be parsed: ' + (err instanceof Error ? err.message : String(err)) };
  }
}

parentPort.on('message', ({ id, text }) => {
  const out = parseFile(text, workerData.maxAliasCount);
  workerData.replies.postMessage(Object.assign({ id }, out), out.docs ? out.docs.map((d) => d.index.pos.buffer) : []);
});
`;
