/**
 * AST -> IR: lowers one process (with the shared declarations it uses) to a `coil-ir/1` workflow
 * and the source locations of its nodes. Tolerant of broken input, so that the editor can run the
 * analyses on what it has: `complete` says whether every reference resolved.
 */
import {
    isAssay, isDeviation, isHold, isMaterial, isQc, isQualification, isRelease, isRole, isScenario, isSite, isStep, isTransfer,
    flowInOrder, isBudgetField, isEffectiveField, isIdentityField, isProductField, isVersionField,
    type Process,
} from '@coil/language';
import type { AstNode } from 'langium';
import { IR_FORMAT, type Id, type ProcessHeader, type SourceLocation, type Workflow } from '../ir/types.js';
import { lowerStep, lowerTransfer } from './activities.js';
import { anchorRange, Lowering, type Locate } from './context.js';
import { lowerDeviation, raisers } from './deviations.js';
import { lowerGraph } from './graph.js';
import { lowerHolds } from './holds.js';
import { ids } from './ids.js';
import { lowerQc, lowerRelease } from './qc-release.js';
import { quantity } from './quantities.js';
import { lowerScenario } from './scenarios.js';
import { lowerShared } from './shared.js';
import { timersOf } from './timers.js';

export { anchorRange, type Locate } from './context.js';

export interface Lowered {
    readonly workflow: Workflow;
    /** IR node id (or `id/facet`) -> the AST node it is written as (see `locationsOf`, `anchorOf`). */
    readonly anchors: ReadonlyMap<Id, AstNode>;
    /** False when a reference did not resolve or a construct was broken: never emit such a workflow. */
    readonly complete: boolean;
}

/** The source locations of every IR node, by id in sorted order, in the terms of `locate`. */
export function locationsOf(lowered: Lowered, locate: Locate): Map<Id, SourceLocation> {
    const locations = new Map<Id, SourceLocation>();
    for (const id of [...lowered.anchors.keys()].sort()) {
        const node = lowered.anchors.get(id)!;
        const range = anchorRange(node);
        const location = range && locate(node, range);
        if (location) locations.set(id, location);
    }
    return locations;
}

/** The AST node of `step:X/duration`, else of `step:X`, else none. */
export function anchorOf(lowered: Lowered, id: Id): AstNode | undefined {
    for (let key = id; ; key = key.slice(0, key.lastIndexOf('/'))) {
        const node = lowered.anchors.get(key);
        if (node) return node;
        if (!key.includes('/')) return undefined;
    }
}

export function lowerProcess(process: Process): Lowered {
    const lowering = new Lowering();
    const header = lowerHeader(lowering, process);
    const flow = flowInOrder(process);
    const steps = flow.filter(isStep).map(s => lowerStep(lowering, s));
    const transfers = flow.filter(isTransfer).map(t => lowerTransfer(lowering, t));
    const { graph, decisions } = lowerGraph(lowering, process);
    const holds = lowerHolds(lowering, process.elements.filter(isHold));
    const qc = process.elements.filter(isQc).map(q => lowerQc(lowering, q));
    const releaseNode = process.elements.find(isRelease);
    const release = releaseNode ? lowerRelease(lowering, releaseNode) : null;
    const deviations = process.elements.filter(isDeviation).map(d => lowerDeviation(lowering, d));
    const scenarios = process.elements.filter(isScenario).map((s, i) => lowerScenario(lowering, s, i));
    const own = process.elements.filter(e => isSite(e) || isRole(e) || isQualification(e) || isMaterial(e) || isAssay(e));
    const shared = lowerShared(lowering, own);
    const partial = {
        format: IR_FORMAT, process: header, ...shared, steps, transfers, decisions, graph, holds, qc, release, scenarios,
    } as const;
    const raisedBy = raisers(partial);
    const withDeviations = { ...partial, deviations: deviations.map(d => ({ ...d, raisedBy: raisedBy.get(d.id) ?? [] })) };
    const workflow: Workflow = { ...withDeviations, timers: timersOf(withDeviations) };
    // A timer is written where its limit is: the step's duration, the transfer's `within`, the hold's limit.
    const FACETS: Record<string, string> = { 'step-max': 'duration', 'transfer-limit': 'limit', 'hold-max': 'max', 'hold-min': 'min', 'vein-to-vein': 'vein_to_vein', 'authority-notification': 'exceptional' };
    for (const timer of workflow.timers) {
        const node = lowering.anchors.get(`${timer.source}/${FACETS[timer.kind]}`) ?? lowering.anchors.get(timer.source);
        if (node) lowering.anchors.set(timer.id, node);
    }
    return { workflow, anchors: lowering.anchors, complete: lowering.complete };
}

function lowerHeader(lowering: Lowering, process: Process): ProcessHeader {
    const id = `process:${process.name}`;
    lowering.at(id, process);
    const field = <T>(guard: (x: unknown) => x is T): T | undefined => process.header.find(guard) as T | undefined;
    const budget = field(isBudgetField);
    if (budget) lowering.at(`${id}/vein_to_vein`, budget);
    const limit = quantity(budget?.budget);
    return {
        id,
        name: process.name,
        title: process.title ?? null,
        version: field(isVersionField)?.version ?? '0.0.0',
        product: (field(isProductField)?.product as ProcessHeader['product'] | undefined) ?? 'autologous',
        identityFormat: field(isIdentityField)?.format ?? '',
        effective: field(isEffectiveField)?.date ?? null,
        veinToVein: budget && limit ? { limit, deviation: lowering.ref(budget.deviation, ids.deviation) } : null,
    };
}
