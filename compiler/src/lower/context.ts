/**
 * What every part of the lowering shares: stable ids for declarations, the shared declarations a
 * process uses (collected as they are referenced), and the AST node each IR node comes from.
 */
import { GrammarUtils, type AstNode, type CstNode, type Reference } from 'langium';
import type { Id, SourceLocation } from '../ir/types.js';

/**
 * Where a range of a node's document is, given by the caller (the CLI knows workspace roots, the
 * editor document URIs); undefined to leave it out.
 */
export type Locate = (node: AstNode, range: CstNode['range']) => SourceLocation | undefined;

/**
 * The range an IR node marks in its document: a named declaration by its name, so that a
 * diagnostic about a whole step marks the step's name, not its block; other nodes whole.
 */
export function anchorRange(node: AstNode): CstNode['range'] | undefined {
    if (!node.$cstNode) return undefined;
    const named = typeof (node as { name?: unknown }).name === 'string' ? GrammarUtils.findNodeForProperty(node.$cstNode, 'name') : undefined;
    return (named ?? node.$cstNode).range;
}

export class Lowering {
    /** Shared declarations the process refers to, by id: lowered once, at the end. */
    readonly used = new Map<Id, AstNode>();
    /** IR node id (or `id/facet`) -> the AST node it comes from; ranges are found only when asked for. */
    readonly anchors = new Map<Id, AstNode>();
    /** False once a reference did not resolve: the IR is then incomplete and must not be emitted. */
    complete = true;

    /** Records which AST node the IR node `id` (or a facet of it, `id/facet`) comes from. */
    at(id: Id, node: AstNode | undefined): void {
        if (node?.$cstNode && !this.anchors.has(id)) this.anchors.set(id, node);
    }

    /** The id of a resolved reference, noting the shared declaration it uses; null when unresolved. */
    ref<T extends AstNode & { name: string }>(reference: Reference<T> | undefined, id: (target: T) => Id): Id | null {
        const target = reference?.ref;
        if (!target) {
            if (reference) this.complete = false;
            return null;
        }
        const result = id(target);
        if (!this.used.has(result)) this.used.set(result, target);
        return result;
    }

    /** Like `ref`, for references that must resolve: an unresolved one marks the IR incomplete. */
    required<T extends AstNode & { name: string }>(reference: Reference<T> | undefined, id: (target: T) => Id): Id {
        const result = this.ref(reference, id);
        if (result === null) this.complete = false;
        return result ?? '?';
    }
}
