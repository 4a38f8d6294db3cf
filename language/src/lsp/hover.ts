/**
 * Hover on a reference (or a declaration's name) shows what it is in the plant's terms: a role
 * with the qualifications it requires, a material with its origin, container, storage range and
 * stability, and for anything else its declaration as written. A comment above the declaration
 * comes first, as Langium's default hover shows it.
 */
import type { AstNode } from 'langium';
import { MultilineCommentHoverProvider, type LangiumServices } from 'langium/lsp';
import { isMaterial, isMaterialContainer, isMaterialOrigin, isMaterialStability, isMaterialStorage, isRole } from '../generated/ast.js';

const MAX_LINES = 12;

export class CoilHoverProvider extends MultilineCommentHoverProvider {
    constructor(services: LangiumServices) {
        super(services);
    }

    protected override async getAstNodeHoverContent(node: AstNode): Promise<string | undefined> {
        const comment = await super.getAstNodeHoverContent(node);
        const text = node.$cstNode?.text;
        if (!text) return comment;
        const named = node as AstNode & { name?: string; title?: string };
        const keyword = text.trimStart().split(/\s+/)[0];
        const parts = [`**${keyword} ${named.name ?? ''}**${named.title ? ` — ${named.title}` : ''}`];
        if (isRole(node)) {
            const required = node.qualifications.map(q => q.ref ? `${q.ref.name}${q.ref.title ? ` (${q.ref.title})` : ''}` : q.$refText);
            parts.push(required.length ? `Requires: ${required.join(', ')}` : 'Requires no qualification');
        } else if (isMaterial(node)) {
            for (const member of node.members) {
                if (isMaterialOrigin(member)) parts.push(`Origin: ${member.origin}`);
                if (isMaterialContainer(member)) parts.push(`Container: ${member.container}`);
                if (isMaterialStorage(member)) parts.push(`Storage: ${member.range.$cstNode?.text ?? ''}`);
                if (isMaterialStability(member)) parts.push(`Stable outside storage for ${member.limit.$cstNode?.text ?? ''}`);
            }
        } else {
            const lines = text.split('\n');
            const shown = lines.slice(0, MAX_LINES).join('\n') + (lines.length > MAX_LINES ? '\n  …' : '');
            parts.push(`\`\`\`coil\n${dedent(shown)}\n\`\`\``);
        }
        return [comment, parts.join('\n\n')].filter(Boolean).join('\n\n---\n\n');
    }
}

/** Removes the indentation the declaration's later lines share (its first line starts at the name). */
function dedent(text: string): string {
    const [first, ...rest] = text.split('\n');
    const indents = rest.filter(l => l.trim()).map(l => /^\s*/.exec(l)![0].length);
    const cut = Math.max(0, Math.min(...indents, Infinity) - 2);
    return [first, ...rest.map(l => l.slice(Number.isFinite(cut) ? cut : 0))].join('\n');
}
