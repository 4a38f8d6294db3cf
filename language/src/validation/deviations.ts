/**
 * Deviations end in a decision by someone accountable: each has a disposition by a role (or
 * terminates the batch), critical ones always block release, and a rework option has a step to rework.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Deviation } from '../generated/ast.js';
import { isBlocksRelease, isDisposition, isReworkAction, isTerminate } from '../generated/ast.js';
import { report } from './report.js';

export const deviationChecks: ValidationChecks<CoilAstType> = {
    Deviation: (deviation: Deviation, accept) => {
        const disposition = deviation.actions.find(isDisposition);
        if (!disposition && !deviation.actions.some(isTerminate)) {
            report(accept, 'COIL-D002', `Deviation ${deviation.name} never ends: say who decides what happens next, e.g. 'disposition by QAReviewer options continue, reject', or end the batch with 'terminate'.`, { node: deviation, property: 'name' });
        }
        const blocks = deviation.actions.find(isBlocksRelease);
        if (deviation.severity === 'critical' && blocks?.doesNot) {
            report(accept, 'COIL-D003', `Deviation ${deviation.name} is critical, and critical deviations always block release until dispositioned. Remove 'does not block release' or lower the severity.`, { node: blocks });
        }
        if (disposition?.options.includes('rework') && !deviation.actions.some(isReworkAction)) {
            report(accept, 'COIL-D004', `Deviation ${deviation.name} offers 'rework' but does not say what to rework. Add e.g. 'rework Expand at most 1 times'.`, { node: disposition, property: 'options' });
        }
    },
};
