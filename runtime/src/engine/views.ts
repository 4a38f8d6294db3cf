/**
 * What follows from a state and the clock without being stored: the batch's status, and whether
 * each step, transfer or the release is ready now or blocked, and by what.
 */
import type { Id } from '@coil/compiler/ir';
import type { Definition } from './definition.js';
import { nodeOf } from './evolve.js';
import type { BatchState, DeviationState } from './state.js';

export type BatchStatus = 'in_progress' | 'on_hold' | 'released' | 'rejected' | 'terminated';

export function batchStatus(s: BatchState): BatchStatus {
    if (s.outcome === 'rejected' || s.outcome === 'terminated') return s.outcome;
    if (holding(s)) return 'on_hold';
    return s.outcome === 'released' ? 'released' : 'in_progress';
}

export function openDeviations(s: BatchState): DeviationState[] {
    return Object.values(s.deviations).filter(d => d.status === 'open');
}

/** The open deviation holding the batch, if any. */
export function holding(s: BatchState): DeviationState | undefined {
    for (const d of Object.values(s.deviations)) if (d.status === 'open' && d.holdsBatch) return d;
    return undefined;
}

/** The open deviation quarantining a material, if any. */
export function quarantining(s: BatchState, material: Id): DeviationState | undefined {
    for (const d of Object.values(s.deviations)) if (d.status === 'open' && d.quarantines.includes(material)) return d;
    return undefined;
}

export function isDone(s: BatchState, id: Id): boolean {
    const status = nodeOf(s, id).status;
    return status === 'complete' || status === 'skipped';
}

/** What a node still waits for. */
export function waitingFor(def: Definition, s: BatchState, id: Id): Id[] {
    return (def.nodes.get(id)?.waitsFor ?? []).filter(w => !isDone(s, w));
}

export type NodeView = 'blocked' | 'ready' | 'running' | 'complete' | 'failed' | 'skipped';

/** A node as people see it now: done, running, or pending and then either ready or blocked. */
export function nodeView(def: Definition, s: BatchState, id: Id, now: number): { status: NodeView; blockers: string[] } {
    const node = nodeOf(s, id);
    if (node.status !== 'pending') return { status: node.status, blockers: [] };
    const blockers = blockersOf(def, s, id, now);
    return { status: blockers.length === 0 ? 'ready' : 'blocked', blockers };
}

/** Why a pending node cannot begin now, in words; empty when it can. */
export function blockersOf(def: Definition, s: BatchState, id: Id, now: number): string[] {
    const blockers: string[] = [];
    if (s.outcome === 'rejected' || s.outcome === 'terminated') return [`the batch is ${s.outcome}`];
    const waits = waitingFor(def, s, id);
    if (waits.length > 0) blockers.push(`waits for ${waits.map(w => describeNode(def, w)).join(', ')}`);
    const held = holding(s);
    if (held) blockers.push(`the batch is on hold: deviation ${def.name(held.deviation)} is open`);
    const step = def.steps.get(id);
    for (const use of step?.consumes ?? []) {
        const q = quarantining(s, use.material);
        if (q) blockers.push(`${def.name(use.material)} is quarantined by deviation ${def.name(q.deviation)}`);
    }
    if (id === 'release' && def.workflow.release) {
        const q = quarantining(s, def.workflow.release.material);
        if (q) blockers.push(`${def.name(def.workflow.release.material)} is quarantined by deviation ${def.name(q.deviation)}`);
    }
    for (const [timer, minimum] of Object.entries(s.minimums)) {
        if ((minimum.stop === `${id}/start` || minimum.stop === `${id}/dispatch`) && now < minimum.until) blockers.push(minimumMessage(def, timer));
    }
    return blockers;
}

export function minimumMessage(def: Definition, timerId: Id): string {
    const timer = def.timers.get(timerId)!;
    const from = 'activity' in timer.startsOn ? `${def.name(timer.startsOn.activity)}.${timer.startsOn.point}` : 'batch start';
    return `minimum hold of ${timer.limit.text} after ${from} not reached`;
}

export function describeNode(def: Definition, id: Id): string {
    if (id === 'release') return 'release';
    if (id === 'start') return 'batch start';
    return def.name(id);
}

