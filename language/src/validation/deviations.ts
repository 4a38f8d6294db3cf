/**
 * Deviations end in a decision by someone accountable: each has a disposition by a role (or
 * terminates the batch), critical ones always block release, and a rework option has a step to rework.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Deviation, Parameter } from '../generated/ast.js';
import {
    isBlocksRelease, isChoiceParameter, isDateTimeParameter, isDisposition, isQuantityParameter, isReworkAction, isTerminate, isTextParameter,
} from '../generated/ast.js';
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
    // `on out_of_range` fires when a value falls outside its acceptance; without one it never fires.
    Parameter: (parameter: Parameter, accept) => {
        if (!parameter.deviation) return;
        const type = parameter.type;
        let why: string | undefined;
        if (isTextParameter(type) || isDateTimeParameter(type)) {
            why = `${parameter.name} is ${isTextParameter(type) ? 'free text' : 'a date and time'}, which has no acceptable range. Remove the trigger, or record ${parameter.name} as a quantity or choice with an acceptance`;
        } else if (isQuantityParameter(type) && !type.range) {
            why = `${parameter.name} is recorded 'in ${type.unit ?? '<unit>'}' without a range. Give it one, e.g. 'record ${parameter.name} in 1 ${type.unit ?? 'unit'} .. 10 ${type.unit ?? 'unit'}', or remove the trigger`;
        } else if (isChoiceParameter(type) && type.expected.length === 0) {
            why = `${parameter.name} expects none of its choices. Say which are acceptable, e.g. 'expect ${type.choices[0]?.name ?? '<choice>'}', or remove the trigger`;
        }
        if (why) {
            report(accept, 'COIL-D005', `'on out_of_range raise ${parameter.deviation.$refText}' can never fire: ${why}.`, { node: parameter, keyword: 'out_of_range' });
        }
    },
};
