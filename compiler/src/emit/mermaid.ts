/**
 * The workflow as a Mermaid flowchart, for Markdown (GitHub, GitLab and docs sites render it):
 * a subgraph per site, custody hand-offs as bold links, holds as dotted links, the deviations as
 * a legend beside the flow.
 */
import type { Workflow } from '../ir/types.js';
import { graphView, type GraphView, type ViewEdge, type ViewNode } from './graph-model.js';

/** Mermaid node ids must avoid its keywords (`end` breaks a flowchart) and punctuation. */
export function mermaidId(id: string): string {
    return `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * Text for a quoted label (`["..."]`, `|"..."|`): Mermaid has no backslash escapes, only its
 * entity codes; `#` itself starts one, and `<`/`>` would be read as HTML.
 */
export function mermaidText(text: string): string {
    return text
        .replace(/#/g, '#35;')
        .replace(/&/g, '#amp;')
        .replace(/"/g, '#quot;')
        .replace(/</g, '#lt;')
        .replace(/>/g, '#gt;')
        .replace(/\r?\n/g, '<br/>');
}

const SHAPES: Record<ViewNode['kind'], [string, string]> = {
    start: ['(["', '"])'],
    end: ['(["', '"])'],
    rejected: ['(["', '"])'],
    terminated: ['(["', '"])'],
    step: ['["', '"]'],
    transfer: ['[/"', '"/]'],
    decision: ['{"', '"}'],
    release: ['{{"', '"}}'],
};

const CLASSES = [
    'classDef step fill:#eef4fb,stroke:#3b6ea5',
    'classDef custody fill:#fff4e0,stroke:#b86e00,stroke-width:2px',
    'classDef internal fill:#fffaf0,stroke:#b86e00',
    'classDef decision fill:#fdfbe6,stroke:#8a7a00',
    'classDef release fill:#e8f6ea,stroke:#1f7a36,stroke-width:3px',
    'classDef terminal fill:#f2f2f2,stroke:#555',
    'classDef rejected fill:#fde8e8,stroke:#b3261e,stroke-width:2px',
    'classDef legend fill:#ffffff,stroke:#999,text-align:left',
];

export function writeMermaid(view: GraphView): string {
    const out: string[] = [`%% ${view.heading.replace(/\r?\n/g, ' ')}`, 'flowchart TD'];
    const node = (n: ViewNode, indent: string): string => {
        const [open, close] = SHAPES[n.kind];
        const text = [n.label, ...n.detail].map(mermaidText).join('<br/>');
        return `${indent}${mermaidId(n.id)}${open}${text}${close}`;
    };
    for (const site of view.sites) {
        out.push(`    subgraph ${mermaidId(site.id)}["${mermaidText(site.title)}"]`);
        for (const id of site.nodes) out.push(node(view.nodes.find(n => n.id === id)!, '        '));
        out.push('    end');
    }
    for (const n of view.nodes) if (n.site === null) out.push(node(n, '    '));
    // Links are styled by their index (linkStyle), so their order here is the IR's.
    const styles: string[] = [];
    const link = (e: ViewEdge, index: number): string => {
        const arrow = e.kind === 'hold' ? '-.->' : e.custody ? '==>' : '-->';
        const style = linkStyle(e);
        if (style) styles.push(`    linkStyle ${index} ${style}`);
        return `    ${mermaidId(e.from)} ${arrow}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${mermaidId(e.to)}`;
    };
    view.edges.forEach((e, i) => out.push(link(e, i)));
    view.holds.forEach((e, i) => out.push(link(e, view.edges.length + i)));
    out.push(...legend(view));
    out.push(...CLASSES.map(c => `    ${c}`));
    for (const [cls, members] of classMembers(view)) if (members.length > 0) out.push(`    class ${members.map(mermaidId).join(',')} ${cls}`);
    out.push(...styles);
    return `${out.join('\n')}\n`;
}

function linkStyle(e: ViewEdge): string | null {
    switch (e.kind) {
        case 'rework': return 'stroke:#b86e00,stroke-dasharray:6 3';
        case 'reject':
        case 'terminate': return 'stroke:#b3261e';
        case 'hold': return 'stroke:#6a5acd';
        default: return null;
    }
}

/**
 * The deviations, one legend box per severity: who raises what is in the SVG's hover text and
 * legend; here a dashed link from every raiser would bury the flow (a label mismatch alone is
 * raised by every activity).
 */
function legend(view: GraphView): string[] {
    const boxes = (['critical', 'major', 'minor'] as const)
        .map(severity => ({ severity, list: view.deviations.filter(d => d.severity === severity) }))
        .filter(b => b.list.length > 0);
    if (boxes.length === 0) return [];
    const out = ['    subgraph legend_deviations["Deviations"]', '        direction TB'];
    for (const { severity, list } of boxes) {
        const rows = list.map(d => `${d.name}: ${d.title}${d.options.length > 0 ? ` → ${d.options.join(' | ')}` : ''}`);
        out.push(`        legend_${severity}["${[`${severity.toUpperCase()}`, ...rows].map(mermaidText).join('<br/>')}"]`);
    }
    out.push('    end');
    out.push(`    class ${boxes.map(b => `legend_${b.severity}`).join(',')} legend`);
    return out;
}

function classMembers(view: GraphView): Array<[string, string[]]> {
    const of = (test: (n: ViewNode) => boolean): string[] => view.nodes.filter(test).map(n => n.id);
    return [
        ['step', of(n => n.kind === 'step')],
        ['custody', of(n => n.variant === 'custody')],
        ['internal', of(n => n.variant === 'internal')],
        ['decision', of(n => n.kind === 'decision')],
        ['release', of(n => n.kind === 'release')],
        ['terminal', of(n => n.kind === 'start' || n.kind === 'end')],
        ['rejected', of(n => n.kind === 'rejected' || n.kind === 'terminated')],
    ];
}

export function toMermaid(workflow: Workflow): string {
    return writeMermaid(graphView(workflow));
}
