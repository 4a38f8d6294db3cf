/** Deviations: one that no trigger raises is probably a leftover, or a trigger was forgotten. */
import type { Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';

export function deviationUse(workflow: Workflow): Finding[] {
    return workflow.deviations.filter(d => d.raisedBy.length === 0).map(d => ({
        code: 'COIL-D007' as const,
        at: d.id,
        message: `Deviation ${d.name} is never raised: no step, transfer, hold, QC test or budget says 'raise ${d.name}', so it can only be opened by hand. Add the trigger that should raise it, or remove it.`,
    }));
}
