/**
 * The messages for names that did not resolve: which code each unresolved reference gets, and how
 * to tell the process engineer what is missing and where to declare it.
 */
import { AstUtils, type AstNode, type AstReflection } from 'langium';
import type { Code } from './codes.js';
import {
    isChoiceParameter, isDecision, isEquipment, isEquipmentUse, isLocation, isRecordAction, isSite, isStep, isStepAction,
    isStepExpectation, isTransfer, isVerifyAction,
} from '../generated/ast.js';
import { choiceOwnerOf, flowInOrder, processOf } from '../process-model.js';

const SCENARIO_TARGETS: Record<string, string> = {
    StepAction: 'step', RecordAction: 'step', ScanAction: 'target', TransferAction: 'transfer', VerifyAction: 'step', StepExpectation: 'step',
};

/** Shared declarations: a missing one is declared in the workspace, e.g. in its library. */
const SHARED_EXAMPLES: Record<string, string> = {
    Role: `role NAME "Title" requires <Qualification>`,
    Site: `site NAME "Title" { room ... }`,
    Material: `material NAME "Title" { origin patient }`,
    Qualification: `qualification NAME "Title"`,
};

export interface Unresolved {
    readonly code: Code;
    readonly message: string;
}

/**
 * The code and message for a name that did not resolve, or undefined when it is not worth a
 * diagnostic of its own: it was to be looked up in something that is itself unknown, or a
 * check reports the actual mistake (a choice compared with a quantity, for instance).
 */
export function describeUnresolved(reflection: AstReflection, container: AstNode, property: string, name: string): Unresolved | undefined {
    if (property === 'deviation') {
        return { code: 'COIL-D001', message: `No deviation named '${name}' is declared in this process. Check the spelling, or declare it in the process: deviation ${name} "What went wrong" severity major { disposition by <Role> options continue, reject }` };
    }
    if (property === 'assay') {
        return { code: 'COIL-Q001', message: `No assay named '${name}' is declared in this workspace. Check the spelling, or declare it (for example in the shared library): assay ${name} "Title" { method "..." turnaround 1 d result ... }` };
    }
    if (isEquipmentUse(container)) {
        const step = AstUtils.getContainerOfType(container, isStep);
        if (step && !step.location) {
            return { code: 'COIL-L002', message: `Step ${step.name} does not say where it happens, so its equipment '${name}' cannot be found. Add 'at <Site>' to the step: equipment is used where it is installed.` };
        }
        const site = step?.location?.site?.ref;
        if (!site) return undefined;
        return { code: 'COIL-L002', message: `Site ${site.name} has no equipment named '${name}'. Equipment is used where it is installed: check the step's 'at', or declare '${name}' in site ${site.name}.` };
    }
    if (isLocation(container) && property === 'room') {
        const site = container.site?.ref;
        return site ? { code: 'COIL-R001', message: `Site ${site.name} has no room named '${name}'. Check the spelling, or declare the room in site ${site.name}.` } : undefined;
    }
    if (isEquipment(container) && property === 'room') {
        const site = AstUtils.getContainerOfType(container, isSite);
        if (site) return { code: 'COIL-R001', message: `Site ${site.name} has no room named '${name}'. Check the spelling, or declare the room in site ${site.name}.` };
    }
    if ((isDecision(container) || isRecordAction(container)) && property === 'parameter') {
        const step = container.step?.ref;
        if (!step) return undefined;
        return { code: 'COIL-R001', message: `Step ${step.name} records no parameter named '${name}'. Check the spelling, or add 'record ${name} ...' to step ${step.name}.` };
    }
    if (property === 'choice' || (isChoiceParameter(container) && property === 'expected')) {
        return describeUnknownChoice(container, name);
    }
    if (SCENARIO_TARGETS[container.$type] === property) {
        const process = processOf(container);
        const transfer = process ? flowInOrder(process).find(a => isTransfer(a) && a.name === name) : undefined;
        if (transfer && (isStepAction(container) || isStepExpectation(container) || isVerifyAction(container))) {
            return { code: 'COIL-S001', message: `${name} is a transfer, not a step: a scenario moves it with 'dispatch ${name}' and 'receive ${name}'.` };
        }
        return { code: 'COIL-S001', message: `The scenario names '${name}', but the process has no ${container.$type === 'TransferAction' ? 'transfer' : 'step or transfer'} of that name. Check the spelling.` };
    }
    const type = reflection.getReferenceType({ container, property, reference: undefined as never });
    const example = SHARED_EXAMPLES[type];
    if (example) {
        return { code: 'COIL-R001', message: `No ${describeType(type)} named '${name}' is declared in this workspace. Check the spelling, or declare it, for example in the shared library: ${example.replace('NAME', name)}` };
    }
    return { code: 'COIL-R001', message: `No ${describeType(type)} named '${name}' is declared in this process. Check the spelling.` };
}

function describeUnknownChoice(container: AstNode, name: string): Unresolved | undefined {
    const owner = isChoiceParameter(container) ? { what: 'this parameter', choices: container.choices } : choiceOwnerOf(container);
    // Unknown parameter or assay, or one that is not a choice: reported where that is wrong.
    if (!owner) return undefined;
    return { code: 'COIL-R001', message: `'${name}' is not one of the choices of ${owner.what}: ${owner.choices.map(c => c.name).join(', ')}. Use one of those, or add '${name}' to them.` };
}

/** Puts "Did you mean ...?" right after the first sentence, where the reader looks first. */
export function withSuggestion(message: string, suggestion: string): string {
    const end = message.indexOf('. ');
    const hint = `Did you mean '${suggestion}'?`;
    return end < 0 ? `${message} ${hint}` : `${message.slice(0, end + 1)} ${hint}${message.slice(end + 1)}`;
}

function describeType(type: string): string {
    const words: Record<string, string> = {
        Activity: 'step or transfer', Qc: 'QC plan', Choice: 'choice',
    };
    return words[type] ?? type.replace(/(?<!^)([A-Z])/g, ' $1').toLowerCase();
}
