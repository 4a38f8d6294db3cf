/**
 * Read-only views of a process that several checks share: its flow in declared order, its
 * members by kind. Pure functions of the AST.
 */
import {
    isBranch, isDecision, isParallel, isStep, isTransfer,
    type Activity, type Decision, type FlowElement, type Process, type Step, type StepMember,
} from './generated/ast.js';

/** Activities and decisions in the order they are written, branches of a parallel block included. */
export function flowInOrder(process: Process): Array<Activity | Decision> {
    const out: Array<Activity | Decision> = [];
    const visit = (element: FlowElement): void => {
        if (isParallel(element)) {
            for (const branch of element.branches) {
                if (isBranch(branch)) branch.elements.forEach(visit);
            }
        } else {
            out.push(element);
        }
    };
    for (const element of process.elements) {
        if (isStep(element) || isTransfer(element) || isParallel(element) || isDecision(element)) visit(element);
    }
    return out;
}

export function stepsOf(process: Process): Step[] {
    return flowInOrder(process).filter(isStep);
}

export function membersOfType<T extends StepMember['$type']>(step: Step, type: T): Array<Extract<StepMember, { $type: T }>> {
    return step.members.filter((m): m is Extract<StepMember, { $type: T }> => m.$type === type);
}
