/**
 * The whole-process analyses, each a pure function of the IR, run in this order. The runtime
 * and the tests call `analyse` directly; the checker and the editor through `analysisModule`.
 */
import type { Code } from '@coil/language';
import type { Workflow } from '../ir/types.js';
import type { Analysis, Finding } from './finding.js';
import { custodyContinuity } from './custody.js';
import { deviationUse } from './deviations.js';
import { graphShape } from './graph.js';
import { qcBeforeRelease } from './qc-release.js';
import { storageRanges } from './storage.js';
import { timingFeasibility } from './timing.js';

export type { Analysis, Finding } from './finding.js';
export { scheduleOf, type Schedule } from './schedule.js';

export const ANALYSES: readonly Analysis[] = [graphShape, custodyContinuity, timingFeasibility, storageRanges, qcBeforeRelease, deviationUse];

/** The codes the analyses report (the language reports all others). */
export const ANALYSIS_CODES: ReadonlySet<Code> = new Set<Code>([
    'COIL-F011', 'COIL-F012', 'COIL-F013', 'COIL-F014', 'COIL-C006', 'COIL-C007', 'COIL-T006', 'COIL-T007', 'COIL-T008', 'COIL-T009',
    'COIL-M002', 'COIL-Q010', 'COIL-Q011', 'COIL-Q012', 'COIL-D007',
]);

export function analyse(workflow: Workflow): Finding[] {
    return ANALYSES.flatMap(analysis => analysis(workflow));
}
