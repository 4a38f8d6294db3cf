/**
 * Steps and their order: who performs each step and for how long, where it happens, that no
 * activity waits on itself, that loops back are bounded (`rework ... at most N times`), and that
 * decisions compare a recorded value with something of its kind.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import type { Activity, CoilAstType, Decision, Process, Step } from '../generated/ast.js';
import {
    isChoiceCondition, isChoiceParameter, isDateTimeParameter, isDurationSpec, isGotoOutcome,
    isQuantityCondition, isQuantityParameter, isTextParameter, isTransfer,
} from '../generated/ast.js';
import { flowInOrder, stepsOf } from '../process-model.js';
import { expectCount, formatQuantity, parameterUnit, unitOf } from './quantities.js';
import { processOf } from './names.js';
import { report } from './report.js';

export const flowChecks: ValidationChecks<CoilAstType> = {
    Process: (process: Process, accept) => {
        if (stepsOf(process).length === 0) {
            report(accept, 'COIL-F007', `Process ${process.name} has no steps yet. Add one, e.g. 'step Collect at <Site> by <Role> { duration 2 h .. 4 h }'.`, { node: process, property: 'name' });
        }
    },
    Step: (step: Step, accept) => {
        if (!step.performer) {
            report(accept, 'COIL-F001', `Step ${step.name} does not say who performs it. Add 'by <Role>' after the step name, e.g. 'step ${step.name} at Plant by Operator'.`, { node: step, property: 'name' });
        }
        if (!step.members.some(isDurationSpec)) {
            report(accept, 'COIL-F002', `Step ${step.name} has no duration. Add e.g. 'duration 2 h .. 4 h' so that the schedule and late-step alarms can be derived.`, { node: step, property: 'name' });
        }
        if (!step.location) {
            report(accept, 'COIL-L003', `Step ${step.name} does not say where it happens. Add 'at <Site>' or 'at <Site>.<Room>' so that custody can be followed.`, { node: step, property: 'name' });
        }
        checkSelfDependency(step, accept);
    },
    Transfer: (transfer, accept) => checkSelfDependency(transfer, accept),
    Parallel: (parallel, accept) => {
        if (parallel.branches.length === 0) {
            report(accept, 'COIL-F008', `This parallel block has no branches, so it does nothing. Put the steps that run at the same time inside it, or remove it.`, { node: parallel });
        }
    },
    Decision: (decision: Decision, accept) => {
        checkLoops(decision, accept);
        checkConditions(decision, accept);
    },
    ReworkOutcome: (rework, accept) => expectCount(rework.limit, 'A rework limit', rework, 'limit', accept),
    ReworkAction: (rework, accept) => expectCount(rework.limit, 'A rework limit', rework, 'limit', accept),
    MaterialAmount: (amount, accept) => expectCount(amount.count, 'A container count', amount, 'count', accept),
};

/** An activity that waits for itself, directly (`A after A`) or around a cycle (`A after B`, `B after A`), never starts. */
function checkSelfDependency(activity: Activity, accept: ValidationAcceptor): void {
    const kind = isTransfer(activity) ? 'Transfer' : 'Step';
    activity.after.forEach((ref, index) => {
        const target = ref?.ref;
        if (!target) return;
        if (target === activity) {
            report(accept, 'COIL-F003', `${kind} ${activity.name} cannot run after itself. Remove it from its own 'after' list.`, { node: activity, property: 'after', index });
            return;
        }
        const path = waitsFor(target, activity);
        if (path) {
            const chain = [activity, ...path].map(a => a.name).join(' after ');
            report(accept, 'COIL-F003', `${kind} ${activity.name} waits for itself: ${chain}, so none of them can ever start. Remove one 'after' from the cycle.`, { node: activity, property: 'after', index });
        }
    });
}

/** The chain of 'after' references from `from` to `to`, both included, or undefined when there is none. */
function waitsFor(from: Activity, to: Activity): Activity[] | undefined {
    const seen = new Set<Activity>();
    const visit = (a: Activity): Activity[] | undefined => {
        if (a === to) return [a];
        if (seen.has(a)) return undefined;
        seen.add(a);
        for (const ref of a.after) {
            const next = ref?.ref;
            const rest = next && next !== a ? visit(next) : undefined;
            if (rest) return [a, ...rest];
        }
        return undefined;
    };
    return visit(from);
}

/** A `goto` to an activity written before the decision is a loop; loops must be bounded. */
function checkLoops(decision: Decision, accept: ValidationAcceptor): void {
    const process = processOf(decision);
    if (!process) return;
    const order = flowInOrder(process);
    const here = order.indexOf(decision);
    const outcomes = [...decision.branches.map(b => b.outcome), decision.otherwise].filter(o => o !== undefined);
    for (const outcome of outcomes) {
        if (isGotoOutcome(outcome) && outcome.target?.ref && order.indexOf(outcome.target.ref) <= here) {
            const target = outcome.target.ref.name;
            report(accept, 'COIL-F004', `'goto ${target}' goes back to an earlier step, which makes a loop with no limit. Write 'rework ${target} at most 1 times' to bound it.`, { node: outcome });
        }
    }
}

function checkConditions(decision: Decision, accept: ValidationAcceptor): void {
    const parameter = decision.parameter?.ref;
    if (!parameter) return;
    const type = parameter.type;
    if (isTextParameter(type) || isDateTimeParameter(type)) {
        report(accept, 'COIL-F006', `Decision ${decision.name} is on ${parameter.name}, a ${isTextParameter(type) ? 'text' : 'date-time'} value; decisions compare quantities or choices. Decide on a quantity or choice parameter instead, or record ${parameter.name} as one.`, { node: decision, property: 'parameter' });
        return;
    }
    for (const branch of decision.branches) {
        const condition = branch.condition;
        if (!condition) continue;
        if (isChoiceCondition(condition) && !isChoiceParameter(type)) {
            report(accept, 'COIL-F005', `${parameter.name} is a quantity, so compare it with a bound such as 'when < 5e9 cells', not with 'is'.`, { node: condition });
        } else if (isQuantityCondition(condition)) {
            if (isChoiceParameter(type)) {
                report(accept, 'COIL-F005', `${parameter.name} is a choice (${type.choices.map(c => c.name).join(', ')}), so test it with 'when is <choice>'.`, { node: condition });
            } else if (isQuantityParameter(type)) {
                const expected = parameterUnit(type);
                const actual = unitOf(condition.bound?.value);
                if (expected && actual && expected.key !== actual.key) {
                    report(accept, 'COIL-F005', `${parameter.name} is ${expected.description}, but this condition compares it with ${formatQuantity(condition.bound.value)}, ${actual.description}.`, { node: condition });
                }
            }
        }
    }
}
