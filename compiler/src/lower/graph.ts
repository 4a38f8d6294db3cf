/**
 * The step graph, made explicit: the written order, `after`, parallel blocks, decisions and the
 * release gate become nodes that wait for other nodes, plus labelled edges for each decision
 * branch, goto, bounded rework loop and end.
 */
import {
    isBranch, isChoiceCondition, isContinueOutcome, isDecision, isEndOutcome, isGotoOutcome, isParallel, isQuantityCondition,
    isRelease, isReworkOutcome, isStep, isTransfer,
    type Decision as AstDecision, type FlowElement, type Outcome as AstOutcome, type Process,
} from '@coil/language';
import type { Condition, Decision, Edge, Graph, GraphNode, Id, NodeKind, Outcome } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { quantity } from './quantities.js';

export const START = 'start';
export const END = 'end';
export const REJECTED = 'end:rejected';
export const TERMINATED = 'end:terminated';
export const RELEASE = 'release';

export function lowerGraph(lowering: Lowering, process: Process): { graph: Graph; decisions: Decision[] } {
    const nodes: GraphNode[] = [];
    const edges: Edge[] = [];
    const decisions: Decision[] = [];
    /**
     * Nodes nothing waits for yet. The release gate and the end wait for all of them, not only for
     * the node written last: a step that says `after` an earlier one leaves the node before it open,
     * and that node must still finish before release.
     */
    const open = new Set<Id>();
    const add = (id: Id, kind: NodeKind, waitsFor: Id[], lane: string[], explicit: boolean): void => {
        nodes.push({ id, kind, waitsFor, lane });
        for (const w of waitsFor) {
            edges.push({ from: w, to: id, kind: explicit ? 'after' : 'next', label: null, limit: null });
            open.delete(w);
        }
        open.add(id);
    };
    /** What a gate waits for: the given tails and every node left open, in written order. */
    const gate = (tails: readonly Id[]): Id[] => {
        const waiting = new Set([...tails, ...open]);
        return nodes.filter(n => waiting.has(n.id)).map(n => n.id);
    };
    let parallels = 0;
    const sequence = (elements: readonly FlowElement[], entry: Id[], lane: string[]): Id[] => {
        let tails = entry;
        for (const element of elements) {
            if (isStep(element) || isTransfer(element)) {
                const id = ids.activity(element);
                const after = [...new Set(element.after.map(r => lowering.ref(r, ids.activity)).filter((x): x is Id => x !== null))];
                add(id, isStep(element) ? 'step' : 'transfer', after.length > 0 ? after : tails, lane, after.length > 0);
                tails = [id];
            } else if (isDecision(element)) {
                const decision = lowerDecision(lowering, element);
                decisions.push(decision);
                add(decision.id, 'decision', tails, lane, false);
                tails = [decision.id];
            } else if (isParallel(element)) {
                const block = `parallel:${++parallels}`;
                lowering.at(block, element);
                const exits: Id[] = [];
                element.branches.forEach((branch, i) => {
                    const name = isBranch(branch) && branch.name ? branch.name : String(i + 1);
                    exits.push(...sequence(branch.elements, tails, [...lane, `${block}/branch:${name}`]));
                });
                if (element.branches.length > 0) tails = exits;
            }
        }
        return tails;
    };
    add(START, 'start', [], [], false);
    // The release gate stands where it is written among the flow elements.
    let tails = [START];
    let run: FlowElement[] = [];
    for (const element of process.elements) {
        if (isStep(element) || isTransfer(element) || isParallel(element) || isDecision(element)) {
            run.push(element);
        } else if (isRelease(element)) {
            tails = sequence(run, tails, []);
            run = [];
            add(RELEASE, 'release', gate(tails), [], false);
            lowering.at(RELEASE, element);
            tails = [RELEASE];
        }
    }
    tails = sequence(run, tails, []);
    add(END, 'end', gate(tails), [], false);
    addDecisionEdges(decisions, nodes, edges);
    return { graph: { nodes, edges }, decisions };
}

/** Replaces the plain edges out of each decision by one edge per branch, to where it leads. */
function addDecisionEdges(decisions: readonly Decision[], nodes: GraphNode[], edges: Edge[]): void {
    for (const decision of decisions) {
        const next = edges.filter(e => e.from === decision.id && e.kind === 'next').map(e => e.to);
        const keep = edges.filter(e => !(e.from === decision.id && e.kind === 'next'));
        edges.length = 0;
        edges.push(...keep);
        const branches = [
            ...decision.branches.map(b => ({ label: conditionText(b.condition), outcome: b.outcome })),
            { label: 'otherwise', outcome: decision.otherwise },
        ];
        for (const { label, outcome } of branches) {
            switch (outcome.kind) {
                case 'continue':
                    for (const to of next) edges.push({ from: decision.id, to, kind: 'branch', label, limit: null });
                    break;
                case 'goto':
                    edges.push({ from: decision.id, to: outcome.target, kind: 'goto', label, limit: null });
                    break;
                case 'rework':
                    edges.push({ from: decision.id, to: outcome.target, kind: 'rework', label, limit: outcome.limit });
                    break;
                case 'reject':
                case 'terminate': {
                    const to = outcome.kind === 'reject' ? REJECTED : TERMINATED;
                    if (!nodes.some(n => n.id === to)) nodes.push({ id: to, kind: outcome.kind === 'reject' ? 'rejected' : 'terminated', waitsFor: [], lane: [] });
                    edges.push({ from: decision.id, to, kind: outcome.kind, label, limit: null });
                    break;
                }
            }
        }
    }
}

function conditionText(condition: Condition): string {
    return condition.kind === 'choice' ? `is ${condition.choice}` : `${condition.op} ${condition.value.text}`;
}

function lowerDecision(lowering: Lowering, decision: AstDecision): Decision {
    const id = ids.decision(decision);
    lowering.at(id, decision);
    const step = decision.step?.ref;
    const parameter = decision.parameter?.ref;
    if (!step || !parameter) lowering.complete = false;
    return {
        id,
        name: decision.name,
        parameter: step && parameter ? ids.parameter(step, parameter) : '?',
        branches: decision.branches.map((branch, i) => {
            lowering.at(`${id}/branch:${i + 1}`, branch);
            return { condition: lowerCondition(lowering, branch.condition), outcome: lowerOutcome(lowering, branch.outcome) };
        }),
        otherwise: decision.otherwise ? (lowering.at(`${id}/otherwise`, decision.otherwise), lowerOutcome(lowering, decision.otherwise)) : { kind: 'continue' },
    };
}

function lowerCondition(lowering: Lowering, condition: AstDecision['branches'][number]['condition']): Condition {
    if (isChoiceCondition(condition)) return { kind: 'choice', choice: condition.choice?.ref?.name ?? condition.choice?.$refText ?? '?' };
    if (isQuantityCondition(condition)) {
        const value = quantity(condition.bound?.value);
        if (value) return { kind: 'quantity', op: condition.bound.op as '<' | '<=' | '>' | '>=', value };
    }
    lowering.complete = false;
    return { kind: 'choice', choice: '?' };
}

function lowerOutcome(lowering: Lowering, outcome: AstOutcome | undefined): Outcome {
    if (isGotoOutcome(outcome)) return { kind: 'goto', target: lowering.required(outcome.target, ids.activity) };
    if (isReworkOutcome(outcome)) return { kind: 'rework', target: lowering.required(outcome.target, ids.activity), limit: outcome.limit };
    if (isEndOutcome(outcome)) return { kind: outcome.end as 'reject' | 'terminate' };
    if (isContinueOutcome(outcome)) return { kind: 'continue' };
    lowering.complete = false;
    return { kind: 'continue' };
}
