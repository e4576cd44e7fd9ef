import { describe, expect, it } from 'vitest';
import { StalledError } from '../../src/errors.js';
import { buildGraph, transitiveDependents } from '../../src/engine/graph.js';
import { createWorld, createWorldRegistry, res } from './world-kind.js';

const registry = createWorldRegistry(createWorld());

describe('buildGraph waves', () => {
  it.each([
    { name: 'independent resources share wave 0', specs: { 'A/a': [], 'B/b': [] }, waves: [['A/a', 'B/b']] },
    { name: 'a chain gets one wave per link', specs: { 'A/a': [], 'B/b': ['A/a'], 'B/c': ['B/b'] }, waves: [['A/a'], ['B/b'], ['B/c']] },
    {
      name: 'longest path wins over the shortest',
      specs: { 'A/a': [], 'A/b': ['A/a'], 'B/c': ['A/a', 'A/b'] },
      waves: [['A/a'], ['A/b'], ['B/c']],
    },
    {
      name: 'references to undeclared resources are ignored',
      specs: { 'A/a': ['A/ghost'], 'B/b': ['A/a', 'B/missing'] },
      waves: [['A/a'], ['B/b']],
    },
    { name: 'duplicate references count once', specs: { 'A/a': [], 'B/b': ['A/a', 'A/a'] }, waves: [['A/a'], ['B/b']] },
  ])('$name', ({ specs, waves }) => {
    const graph = buildGraph(Object.entries(specs).map(([k, needs]) => res(k, { needs })), registry);
    expect(graph.waves).toEqual(waves);
  });

  it('lists transitive dependents only along edges', () => {
    const graph = buildGraph(
      [res('A/a'), res('B/b', { needs: ['A/a'] }), res('B/c', { needs: ['B/b'] }), res('B/d'), res('B/e', { needs: ['B/d'] })],
      registry,
    );
    expect([...transitiveDependents(graph, 'A/a')].sort()).toEqual(['B/b', 'B/c']);
  });
});

describe('buildGraph cycles', () => {
  it.each([
    { name: 'self reference', specs: { 'A/a': ['A/a'] }, path: 'A/a -> A/a' },
    { name: 'two nodes', specs: { 'A/a': ['B/b'], 'B/b': ['A/a'] }, path: 'A/a -> B/b -> A/a' },
    {
      name: 'three nodes behind a root',
      specs: { 'A/root': ['B/x'], 'B/x': ['B/y'], 'B/y': ['B/z'], 'B/z': ['B/x'] },
      path: 'B/x -> B/y -> B/z -> B/x',
    },
  ])('names the path: $name', ({ specs, path }) => {
    const build = () => buildGraph(Object.entries(specs).map(([k, needs]) => res(k, { needs })), registry);
    expect(build).toThrow(StalledError);
    try {
      build();
    } catch (err) {
      expect((err as StalledError).reason).toBe('DependencyCycle');
      expect((err as StalledError).message).toContain(path);
    }
  });

  it('rejects an unregistered kind as stalled', () => {
    expect(() => buildGraph([res('Nope/x')], registry)).toThrow(/no kind module is registered for kind Nope/);
  });
});
