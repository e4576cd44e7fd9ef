/** The MachineSet spec as schemas/machine-set.schema.json defines it. */
export interface MachineSetSpec {
  template: string;
  count: number;
  hostLabels?: Record<string, string>;
  cluster?: string;
}

export type { GroupObserved as MachineSetObserved, MachineObserved, MachineState } from '../shared/machines/observe.js';
