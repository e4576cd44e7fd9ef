/** Pure health of an ImageProject: Healthy when the registry's tag carries the current input digest. */
import type { HealthReport } from '../../model/health.js';
import type { ImageProjectObserved } from './observe.js';

export function imageProjectHealth(observed: ImageProjectObserved | undefined): HealthReport {
  if (!observed) return { status: 'Missing', message: 'not observed' };
  if (observed.inputs.problem) return { status: 'Degraded', message: observed.inputs.problem.message };
  if (!observed.image) return { status: 'Missing', message: `${observed.inputs.ref ?? 'image'} is not in the registry` };
  if (observed.image.inputDigest !== observed.inputs.digest) {
    return { status: 'Progressing', message: `${observed.image.ref} was built from other inputs` };
  }
  return { status: 'Healthy', message: `${observed.image.ref} ${observed.image.digest}` };
}
