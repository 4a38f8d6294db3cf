/**
 * Snippets for the declarations a batch record is made of: a step, a custody transfer, a hold and
 * a deviation, each with the members a reviewer expects (duration and signature; time limit,
 * temperature, identity checks at both ends and both signatures; limit and storage; notification
 * and disposition). Their placeholders default to names in scope, so that accepting a snippet as it
 * stands gives a declaration that parses and links.
 */
import type { GrammarAST } from 'langium';

/** The names a snippet can offer, each list in scope at the place of insertion. */
export interface SnippetNames {
    /** `Site` or `Site.Room`. */
    readonly locations: readonly string[];
    readonly roles: readonly string[];
    readonly materials: readonly string[];
    readonly steps: readonly string[];
}

export interface Snippet {
    /** The keyword that starts the declaration, which is also the item's label. */
    readonly keyword: string;
    /** What the declaration is, for the item's detail. */
    readonly detail: string;
    /** The snippet text (LSP snippet syntax). */
    body(names: SnippetNames): string;
}

/** The snippets by the grammar rule whose first keyword starts the declaration. */
export const SNIPPETS: Record<string, Snippet> = {
    Step: {
        keyword: 'step',
        detail: 'Step: where, who, how long, and the performer\'s signature',
        body: names => [
            `step \${1:NewStep} "\${2:What is done}" at ${choice(3, names.locations, 'Site')} by ${choice(4, names.roles, 'Role')} {`,
            '  duration ${5:1} h .. ${6:4} h',
            '  sign performer "${7:Performed}"',
            '}$0',
        ].join('\n'),
    },
    Transfer: {
        keyword: 'transfer',
        detail: 'Custody transfer: time limit, temperature, identity at both ends, both signatures',
        body: names => [
            `transfer \${1:NewTransfer} "\${2:What travels, and how}" of ${choice(3, names.materials, 'Material')}`
                + ` from ${choice(4, names.locations, 'Site')} to ${choice(5, rotated(names.locations), 'Site')} by ${choice(6, names.roles, 'Role')} {`,
            '  within ${7:30} h',
            '  keep ${8:2} °C .. ${9:8} °C',
            '  verify identity at dispatch, receipt',
            `  sign sender ${choice(10, names.roles, 'Role')}, receiver ${choice(11, rotated(names.roles), 'Role')}`,
            '}$0',
        ].join('\n'),
    },
    Hold: {
        keyword: 'hold',
        detail: 'Hold time: how long material may wait between two events, and where',
        body: names => `hold ${choice(1, names.materials, 'Material')} from ${choice(2, names.steps, 'Step')}.end`
            + ` to ${choice(3, rotated(names.steps), 'Step')}.start max \${4:48} h at \${5:2} °C .. \${6:8} °C$0`,
    },
    Deviation: {
        keyword: 'deviation',
        detail: 'Deviation: severity, who is notified, and who dispositions it',
        body: names => [
            'deviation ${1:NewDeviation} "${2:What went wrong}" severity ${3|major,minor,critical|} {',
            `  notify ${choice(4, names.roles, 'Role')}`,
            `  disposition by ${choice(5, names.roles, 'Role')} options \${6:continue, reject}`,
            '}$0',
        ].join('\n'),
    },
};

/** The snippet a keyword starts, when it is the first keyword of a snippet's declaration. */
export function snippetStartedBy(keyword: GrammarAST.Keyword, rule: GrammarAST.ParserRule | undefined): Snippet | undefined {
    const snippet = rule ? SNIPPETS[rule.name] : undefined;
    return snippet?.keyword === keyword.value ? snippet : undefined;
}

/** At most this many names in a choice: a menu, not the whole workspace. */
const MAX_CHOICES = 12;

/** A choice placeholder of the names (the first is the default), or a plain one when there are none. */
function choice(index: number, names: readonly string[], fallback: string): string {
    const usable = names.filter(n => /^[\w.]+$/.test(n)).slice(0, MAX_CHOICES);
    return usable.length > 0 ? `\${${index}|${usable.join(',')}|}` : `\${${index}:${fallback}}`;
}

/** The names with the first moved last, so that a second choice defaults to a different name. */
function rotated(names: readonly string[]): string[] {
    return [...names.slice(1), ...names.slice(0, 1)];
}
