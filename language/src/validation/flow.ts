/**
 * Steps and their order: who performs each step and for how long, where it happens, that no
 * activity waits on itself, that loops back are bounded (`rework ... at most N times`), and that
 * decisions compare a recorded value with something of its kind.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import type { Activity, CoilAstType, Decision, Process, Step } from '../generated/ast.js';
import {
    isChoiceCondition, isChoiceParameter, isDateTimeParameter, isDecision, isDurationSpec, isGotoOutcome,
    isQuantityCondition, isQuantityParameter, isReworkOutcome, isTextParameter, isTransfer,
} from '../generated/ast.js';
import { flowInOrder, stepsOf } from '../process-model.js';
import { canonical, expectCount, formatQuantity, parameterUnit, unitOf } from './quantities.js';
import { concurrent, processOf } from '../process-model.js';
import { report } from './report.js';

export const flowChecks: ValidationChecks<CoilAstType> = {
    Process: (process: Process, accept) => {
        if (stepsOf(process).length === 0) {
            report(accept, 'COIL-F007', `Process ${process.name} has no steps yet. Add one, e.g. 'step Collect at <Site> by <Role> { duration 2 h .. 4 h }'.`, { node: process, property: 'name' });
        }
        checkAfterCycles(process, accept);
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
    },
    Parallel: (parallel, accept) => {
        if (parallel.branches.length === 0) {
            report(accept, 'COIL-F008', `This parallel block has no branches, so it does nothing. Put the steps that run at the same time inside it, or remove it.`, { node: parallel });
        }
    },
    Decision: (decision: Decision, accept) => {
        checkLoops(decision, accept);
        checkOrder(decision, accept);
        checkConditions(decision, accept);
        checkRepeatedBranches(decision, accept);
    },
    ReworkOutcome: (rework, accept) => expectCount(rework.limit, 'A rework limit', rework, 'limit', accept),
    ReworkAction: (rework, accept) => expectCount(rework.limit, 'A rework limit', rework, 'limit', accept),
    MaterialAmount: (amount, accept) => expectCount(amount.count, 'A container count', amount, 'count', accept),
};

/**
 * An activity that waits for itself, directly (`A after A`) or around a cycle (`A after B`,
 * `B after A`), never starts. The cycles are the strongly connected components of the 'after'
 * graph (Tarjan's algorithm, iterative, linear in the size of the process); each is reported once,
 * on its first member in the order written.
 */
function checkAfterCycles(process: Process, accept: ValidationAcceptor): void {
    const activities = flowInOrder(process).filter((a): a is Activity => !isDecision(a));
    const index = new Map<Activity, number>();
    activities.forEach((a, i) => index.set(a, i));
    const successors = activities.map(a => a.after.map(r => r?.ref).filter((t): t is Activity => t !== undefined && index.has(t)).map(t => index.get(t)!));
    const n = activities.length;
    const order = new Array<number>(n).fill(-1);
    const low = new Array<number>(n).fill(0);
    const onStack = new Array<boolean>(n).fill(false);
    const component = new Array<number>(n).fill(-1);
    const stack: number[] = [];
    const components: number[][] = [];
    let counter = 0;
    for (let root = 0; root < n; root++) {
        if (order[root] >= 0) continue;
        const work: Array<[number, number]> = [[root, 0]];
        order[root] = low[root] = counter++;
        stack.push(root);
        onStack[root] = true;
        while (work.length > 0) {
            const frame = work[work.length - 1];
            const [v, next] = frame;
            if (next < successors[v].length) {
                frame[1]++;
                const w = successors[v][next];
                if (order[w] < 0) {
                    order[w] = low[w] = counter++;
                    stack.push(w);
                    onStack[w] = true;
                    work.push([w, 0]);
                } else if (onStack[w]) {
                    low[v] = Math.min(low[v], order[w]);
                }
                continue;
            }
            work.pop();
            if (work.length > 0) {
                const parent = work[work.length - 1][0];
                low[parent] = Math.min(low[parent], low[v]);
            }
            if (low[v] === order[v]) {
                const members: number[] = [];
                let w: number;
                do {
                    w = stack.pop()!;
                    onStack[w] = false;
                    component[w] = components.length;
                    members.push(w);
                } while (w !== v);
                components.push(members);
            }
        }
    }
    // Direct self-references, each on its own 'after' entry.
    activities.forEach(activity => activity.after.forEach((ref, i) => {
        if (ref?.ref === activity) {
            report(accept, 'COIL-F003', `${kindOf(activity)} ${activity.name} cannot run after itself. Remove it from its own 'after' list.`, { node: activity, property: 'after', index: i });
        }
    }));
    for (const members of components) {
        if (members.length < 2) continue;
        const first = Math.min(...members);
        const activity = activities[first];
        const id = component[first];
        const entry = activity.after.findIndex(r => r?.ref !== undefined && r.ref !== activity && component[index.get(r.ref) ?? -1] === id);
        const chain = [activity, ...cycleBack(activities[successors[first].find(w => w !== first && component[w] === id)!], activity, a => a.after.map(r => r?.ref).filter((t): t is Activity => t !== undefined && component[index.get(t) ?? -1] === id))];
        report(accept, 'COIL-F003', `${kindOf(activity)} ${activity.name} waits for itself: ${describeChain(chain)}, so none of them can ever start. Remove one 'after' from the cycle.`, { node: activity, property: 'after', index: entry });
    }
}

/** A long cycle is shortened in the middle; its ends say where it starts and closes. */
function describeChain(chain: Activity[]): string {
    const names = chain.map(a => a.name);
    return (names.length > 8 ? [...names.slice(0, 4), '...', ...names.slice(-3)] : names).join(' after ');
}

function kindOf(activity: Activity): string {
    return isTransfer(activity) ? 'Transfer' : 'Step';
}

/** The shortest chain of 'after' references from `from` to `to`, both included (breadth-first, within one cycle). */
function cycleBack(from: Activity, to: Activity, next: (a: Activity) => Activity[]): Activity[] {
    const previous = new Map<Activity, Activity | undefined>([[from, undefined]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
        const a = queue[i];
        if (a === to) break;
        for (const b of next(a)) {
            if (!previous.has(b)) {
                previous.set(b, a);
                queue.push(b);
            }
        }
    }
    const path: Activity[] = [];
    for (let a: Activity | undefined = to; a !== undefined; a = previous.get(a)) path.unshift(a);
    return path;
}

/**
 * A decision reads a value recorded by a step written before it, and reworks a step written
 * before it: the flow runs in the order it is written.
 */
function checkOrder(decision: Decision, accept: ValidationAcceptor): void {
    const process = processOf(decision);
    if (!process) return;
    const order = flowInOrder(process);
    const here = order.indexOf(decision);
    const step = decision.step?.ref;
    if (step && order.indexOf(step) > here) {
        report(accept, 'COIL-F009', `Decision ${decision.name} reads ${step.name}.${decision.parameter?.$refText ?? '?'}, but step ${step.name} comes after it, so the value is not recorded yet when the decision is taken. Move the decision after step ${step.name}.`, { node: decision, property: 'step' });
    } else if (step && concurrent(step, decision)) {
        report(accept, 'COIL-F009', `Decision ${decision.name} reads ${step.name}.${decision.parameter?.$refText ?? '?'}, but step ${step.name} runs in another branch of the same parallel block, so the value may not be recorded yet when the decision is taken. Move the decision after the parallel block, or into the branch of ${step.name}.`, { node: decision, property: 'step' });
    }
    const outcomes = [...decision.branches.map(b => b.outcome), decision.otherwise];
    for (const outcome of outcomes) {
        if (isReworkOutcome(outcome) && outcome.target?.ref && order.indexOf(outcome.target.ref) > here) {
            const target = outcome.target.ref.name;
            report(accept, 'COIL-F009', `'rework ${target}' goes forward: ${target} comes after decision ${decision.name}, and rework repeats a step already done. Use 'goto ${target}' to skip ahead, or rework a step written before the decision.`, { node: outcome, property: 'target' });
        }
    }
}

/** The first branch whose condition holds is taken, so a branch repeating an earlier condition is never taken. */
function checkRepeatedBranches(decision: Decision, accept: ValidationAcceptor): void {
    const seen: Array<{ key: string; line: number }> = [];
    for (const branch of decision.branches) {
        const condition = branch.condition;
        let key: string | undefined;
        if (isChoiceCondition(condition) && condition.choice) {
            key = `is ${condition.choice.ref?.name ?? condition.choice.$refText}`;
        } else if (isQuantityCondition(condition) && condition.bound?.value) {
            const value = canonical(condition.bound.value);
            const unit = unitOf(condition.bound.value);
            if (value !== undefined && unit) key = `${condition.bound.op} ${value} ${unit.key}`;
        }
        if (!key) continue;
        const earlier = seen.find(s => s.key === key);
        if (earlier) {
            report(accept, 'COIL-F010', `This branch repeats the condition of the branch on line ${earlier.line}, which is tested first, so it is never taken. Remove it, or change its condition.`, { node: branch, property: 'condition' });
        } else {
            seen.push({ key, line: (branch.$cstNode?.range.start.line ?? 0) + 1 });
        }
    }
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
