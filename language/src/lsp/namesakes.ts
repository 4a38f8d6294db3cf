/**
 * Which declarations a declaration's name must differ from: those of its kind visible where it is,
 * by the rules of docs/language.md §3 (which validation/names.ts enforces). A rename that would
 * give a declaration one of these names is refused before anything is edited.
 */
import type { AstNode } from 'langium';
import {
    isBranch, isChoice, isDecision, isDeviation, isEquipment, isParameter, isProcess, isQc, isRoom, isStep, isStorageLocation, isTransfer,
    type ChoiceParameter, type ChoiceResult, type Model, type Parallel, type Site, type Step,
} from '../generated/ast.js';
import { flowInOrder, parametersOf, processOf } from '../process-model.js';

export type Named = AstNode & { name?: string };

/** Shared declarations: unique in the workspace, or visible in one process when declared inside it. */
const SHARED_KINDS = new Set(['Site', 'Role', 'Qualification', 'Material', 'Assay']);

/** The declarations that share a name space with `node` (`node` itself excluded), in the workspace's `models`. */
export function namesakesOf(node: AstNode, models: readonly Model[]): Named[] {
    return candidatesFor(node, models).filter(other => other !== node) as Named[];
}

function candidatesFor(node: AstNode, models: readonly Model[]): AstNode[] {
    const container = node.$container;
    if (isParameter(node)) return parametersOf(container as Step);
    if (isChoice(node)) return (container as ChoiceParameter | ChoiceResult).choices;
    if (isRoom(node) || isEquipment(node) || isStorageLocation(node)) return (container as Site).members;
    if (isBranch(node)) return (container as Parallel).branches;
    const process = processOf(node);
    // Steps, transfers and decisions share one name space, `parallel` blocks included.
    if (process && (isStep(node) || isTransfer(node) || isDecision(node))) return flowInOrder(process);
    if (process && (isDeviation(node) || isQc(node))) return ofType(process.elements, node.$type);
    if (isProcess(node)) return models.flatMap(m => m.elements.filter(isProcess));
    if (SHARED_KINDS.has(node.$type)) return sharedNamesakes(node, models);
    return [];
}

/**
 * A shared declaration clashes with the others of its kind in the workspace; inside a process it
 * also clashes with those of the process, and at the top of a file with those inside any process
 * (which would hide it there).
 */
function sharedNamesakes(node: AstNode, models: readonly Model[]): AstNode[] {
    const topLevel = models.flatMap(m => ofType(m.elements, node.$type));
    const process = processOf(node);
    const local = process ? [process] : models.flatMap(m => m.elements.filter(isProcess));
    return [...topLevel, ...local.flatMap(p => ofType(p.elements, node.$type))];
}

function ofType(nodes: readonly AstNode[], type: string): AstNode[] {
    return nodes.filter(n => n.$type === type);
}
