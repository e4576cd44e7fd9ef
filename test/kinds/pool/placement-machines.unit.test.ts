/** Placement when a pool makes machines: new machines named after their nodes, empty machines adopted or returned. */
import { describe, expect, it } from 'vitest';
import { placeNodes, type PlacementInput } from '../../../src/kinds/pool/placement.js';
import type { NodeObserved } from '../../../src/kinds/pool/spec.js';
import { machineTemplateOf } from '../../../src/kinds/pool/hosts.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { API_VERSION } from '../../../src/model/resource.js';

const node = (ordinal: number, host: string): NodeObserved => ({
  id: `id${ordinal}`, name: `web-${ordinal}`, host, ordinal, state: 'running', specDigest: 'D', createdAt: `2026-01-01T00:00:0${ordinal}Z`, healthy: true,
});
const input = (replicas: number, eligible: string[], nodes: NodeObserved[], machines: string[], grow = true): PlacementInput => ({
  spec: { replicas }, pool: 'web', eligible, nodes, specDigest: 'D', grow, machines,
});
const at = (s: { name: string; host: string }) => `${s.name}@${s.host}`;

describe('placement with machines', () => {
  it('makes one machine per missing node, named like the node', () => {
    const p = placeNodes(input(2, [], [], []));
    expect(p.create.map(at)).toEqual(['web-0@web-0', 'web-1@web-1']);
    expect(p.create.every((c) => c.newMachine)).toBe(true);
    expect(p.release).toEqual([]);
  });

  it('uses declared hosts first, then makes machines', () => {
    const p = placeNodes(input(3, ['a'], [], []));
    expect(p.create.map(at)).toEqual(['web-0@a', 'web-1@web-1', 'web-2@web-2']);
  });

  it('adopts an empty machine left by a crash with its own ordinal instead of making another', () => {
    const p = placeNodes(input(2, ['a', 'web-1'], [node(0, 'a')], ['web-1']));
    expect(p.create.map(at)).toEqual(['web-1@web-1']);
    expect(p.create[0]?.newMachine).toBeUndefined();
  });

  it('returns the machines no node is left on after a shrink, never declared hosts', () => {
    const p = placeNodes(input(1, ['a', 'web-0', 'web-1'], [node(0, 'web-0'), node(1, 'web-1'), node(2, 'a')], ['web-0', 'web-1']));
    expect(p.remove.map(at)).toEqual(['web-2@a', 'web-1@web-1']);
    expect(p.release).toEqual(['web-1']);
  });

  it('does not grow while a machine cannot be read', () => {
    const p = placeNodes(input(2, [], [], [], false));
    expect(p.create).toEqual([]);
  });

  it('takes the template from machines.template, else from the expand create_vm step (OpenDCP vm_type_id)', () => {
    const doc = <S>(kind: string, name: string, spec: S) => ({ apiVersion: API_VERSION, kind, metadata: { name }, spec, source: { file: 'x.yaml', line: 1, col: 1 } });
    const spec: PoolSpec = { service: 's', container: { image: 'i' }, tasks: { expand: 'grow' } };
    const index = createResourceIndex([doc('TaskTemplate', 'grow', { steps: [{ name: 'create_vm', params: { vm_type_id: 'small' } }, { name: 'start_service' }] })]);
    expect(machineTemplateOf(spec, index)).toBe('small');
    expect(machineTemplateOf({ ...spec, machines: { template: 'big' } }, index)).toBe('big');
    expect(machineTemplateOf({ service: 's', container: { image: 'i' } }, index)).toBeUndefined();
  });
});
