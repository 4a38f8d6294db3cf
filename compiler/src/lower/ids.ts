/**
 * Stable ids of IR nodes: derived from names, never from positions that an unrelated edit could
 * shift, so that a source map, a diagram and a batch record agree on what they point at.
 */
import type { AstNode } from 'langium';
import type { Id } from '../ir/types.js';

const ownerName = (node: AstNode): string => (node.$container as { name?: string } | undefined)?.name ?? '?';

export const ids = {
    site: (n: { name: string }): Id => `site:${n.name}`,
    room: (n: AstNode & { name: string }): Id => `room:${ownerName(n)}.${n.name}`,
    equipment: (n: AstNode & { name: string }): Id => `equipment:${ownerName(n)}.${n.name}`,
    storage: (n: AstNode & { name: string }): Id => `storage:${ownerName(n)}.${n.name}`,
    qualification: (n: { name: string }): Id => `qualification:${n.name}`,
    role: (n: { name: string }): Id => `role:${n.name}`,
    material: (n: { name: string }): Id => `material:${n.name}`,
    assay: (n: { name: string }): Id => `assay:${n.name}`,
    step: (n: { name: string }): Id => `step:${n.name}`,
    transfer: (n: { name: string }): Id => `transfer:${n.name}`,
    activity: (n: AstNode & { name: string }): Id => `${n.$type === 'Transfer' ? 'transfer' : 'step'}:${n.name}`,
    decision: (n: { name: string }): Id => `decision:${n.name}`,
    parameter: (step: { name: string }, n: { name: string }): Id => `parameter:${step.name}.${n.name}`,
    deviation: (n: { name: string }): Id => `deviation:${n.name}`,
    qc: (n: { name: string }): Id => `qc:${n.name}`,
    choice: (n: { name: string }): string => n.name,
};
