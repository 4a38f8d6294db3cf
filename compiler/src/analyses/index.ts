/**
 * The whole-process analyses, each a pure function of the IR, run in this order. The runtime
 * and the tests call `analyse` directly; the checker and the editor through `analysisModule`.
 */
import type { Workflow } from '../ir/types.js';
import type { Analysis, Finding } from './finding.js';

export type { Analysis, Finding } from './finding.js';

export const ANALYSES: readonly Analysis[] = [];

export function analyse(workflow: Workflow): Finding[] {
    return ANALYSES.flatMap(analysis => analysis(workflow));
}
