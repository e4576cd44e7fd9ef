/** NginxGroup is a declaration: create, noop, update from the inventory. */
import { describe, expect, it } from 'vitest';
import { nginxGroupKind } from '../../../src/kinds/nginx-group/index.js';
import { specDigest } from '../../../src/kinds/shared/declaration.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';

const g = (description: string): Resource => ({ apiVersion: API_VERSION, kind: 'NginxGroup', metadata: { name: 'shop' }, spec: { description }, source: { file: 'g.yaml', line: 1, col: 1 } });

describe('NginxGroup', () => {
  it.each([
    ['never applied', undefined, 'create'],
    ['same spec', g('shop'), 'noop'],
    ['changed spec', g('old'), 'update'],
  ] as const)('%s', (_n, recorded, action) => {
    const observed = recorded ? { spec: recorded.spec, digest: specDigest(recorded) } : undefined;
    expect(nginxGroupKind.diff(g('shop') as never, observed).action).toBe(action);
  });
});
