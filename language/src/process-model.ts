/**
 * Read-only views of a process that several checks share: its flow in declared order, its
 * members by kind. Pure functions of the AST.
 */
import { AstUtils, type AstNode } from 'langium';
import {
    isAssay, isAssayResult, isBranch, isChoiceCondition, isChoiceParameter, isChoiceResult, isChoiceSpec, isChoiceValue,
    isDecision, isParallel, isProcess, isQcTest, isRecordAction, isResultAction, isStep, isTransfer,
    type Activity, type Assay, type Choice, type Decision, type FlowElement, type Parameter, type Process, type Step, type StepMember,
} from './generated/ast.js';

/** The process a node belongs to, if any. */
export function processOf(node: AstNode): Process | undefined {
    return AstUtils.getContainerOfType(node, isProcess);
}

/**
 * Whose choices a choice reference (in a decision, a QC specification or a scenario value) names,
 * or undefined when the owner is unknown or not a choice: one lookup for scoping and for messages.
 */
export function choiceOwnerOf(container: AstNode): { what: string; choices: Choice[] } | undefined {
    const ofParameter = (p: Parameter | undefined) => p && isChoiceParameter(p.type) ? { what: p.name, choices: p.type.choices } : undefined;
    const ofAssay = (a: Assay | undefined) => {
        const result = isAssay(a) ? a.members.find(isAssayResult)?.type : undefined;
        return a && isChoiceResult(result) ? { what: `assay ${a.name}`, choices: result.choices } : undefined;
    };
    if (isChoiceCondition(container)) return ofParameter(AstUtils.getContainerOfType(container, isDecision)?.parameter?.ref);
    if (isChoiceSpec(container)) return ofAssay(AstUtils.getContainerOfType(container, isQcTest)?.assay?.ref);
    if (isChoiceValue(container)) {
        const action = container.$container;
        if (isRecordAction(action)) return ofParameter(action.parameter?.ref);
        if (isResultAction(action)) return ofAssay(action.assay?.ref);
    }
    return undefined;
}

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

/** The values a step records. */
export function parametersOf(step: Step | undefined): Parameter[] {
    return step ? membersOfType(step, 'Parameter') : [];
}

/** Whether two nodes are in different branches of one parallel block: they run side by side, in no order. */
export function concurrent(a: AstNode, b: AstNode): boolean {
    const branches = (n: AstNode): AstNode[] => {
        const out: AstNode[] = [];
        for (let c = n.$container; c; c = c.$container) if (isBranch(c)) out.push(c);
        return out;
    };
    const ofB = branches(b);
    return branches(a).some(branch => !ofB.includes(branch) && isParallel(branch.$container) && ofB.some(other => other.$container === branch.$container));
}
