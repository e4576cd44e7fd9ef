import { describe, expect, it } from 'vitest';
import { applyOrder, pruneOrder } from '../../src/engine/order.js';
import { createWorld, createWorldRegistry } from './world-kind.js';

const registry = createWorldRegistry(createWorld());
const item = (key: string, wave: number) => ({ key, kind: key.split('/')[0] ?? '', wave });

describe('apply order: wave, then kind order, then key', () => {
  it.each([
    { name: 'wave first', items: [item('A/z', 1), item('B/a', 0)], expected: ['B/a', 'A/z'] },
    { name: 'kind order inside a wave', items: [item('B/a', 0), item('A/z', 0)], expected: ['A/z', 'B/a'] },
    { name: 'key last', items: [item('A/b', 0), item('A/a', 0)], expected: ['A/a', 'A/b'] },
    { name: 'unknown kinds after known ones', items: [item('Zed/a', 0), item('Fixed/a', 0)], expected: ['Fixed/a', 'Zed/a'] },
    {
      name: 'all three keys together',
      items: [item('B/b', 1), item('A/c', 1), item('B/a', 0), item('A/b', 1), item('A/a', 0)],
      expected: ['A/a', 'B/a', 'A/b', 'A/c', 'B/b'],
    },
  ])('$name', ({ items, expected }) => {
    expect(applyOrder(items, registry).map((i) => i.key)).toEqual(expected);
    expect(pruneOrder(items, registry).map((i) => i.key)).toEqual([...expected].reverse());
  });
});
