/**
 * The workflow as a Graphviz DOT digraph: a `cluster_<site>` per site, custody hand-offs as bold
 * edges through a transfer node between the clusters, holds as dotted annotation edges that do not
 * affect ranking, and the deviations as a legend cluster.
 */
import type { Workflow } from '../ir/types.js';
import { graphView, type GraphView, type ViewEdge, type ViewNode } from './graph-model.js';

/** A DOT quoted string: only `"` and `\` need escaping; newlines become centred line breaks. */
export function dotString(text: string): string {
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** A cluster's bare id: DOT treats a subgraph as a cluster only when its name starts with `cluster`. */
export function clusterId(siteName: string): string {
    return `cluster_${siteName.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

const NODE_STYLE: Record<ViewNode['kind'], string> = {
    start: 'shape=circle, style=filled, fillcolor="#555555", fontcolor=white, width=0.5, fixedsize=true',
    end: 'shape=doublecircle, style=filled, fillcolor="#f2f2f2", width=0.6, fixedsize=true',
    step: 'shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#3b6ea5"',
    transfer: 'shape=parallelogram, style=filled, fillcolor="#fffaf0", color="#b86e00"',
    decision: 'shape=diamond, style=filled, fillcolor="#fdfbe6", color="#8a7a00"',
    rejected: 'shape=doubleoctagon, style=filled, fillcolor="#fde8e8", color="#b3261e"',
    terminated: 'shape=doubleoctagon, style=filled, fillcolor="#fde8e8", color="#b3261e"',
    release: 'shape=hexagon, style="filled,bold", fillcolor="#e8f6ea", color="#1f7a36", penwidth=2.5',
};

export function writeDot(view: GraphView): string {
    const out: string[] = [
        `digraph ${dotString(view.name)} {`,
        `    graph [label=${dotString(view.heading)}, labelloc=t, fontname="Helvetica", fontsize=14, rankdir=TB, newrank=true, nodesep=0.4, ranksep=0.45];`,
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ];
    const byId = new Map(view.nodes.map(n => [n.id, n]));
    for (const site of view.sites) {
        out.push(`    subgraph ${clusterId(site.name)} {`);
        out.push(`        label=${dotString(site.title)}; style="rounded,filled"; fillcolor="#fafafa"; color="#999999"; fontsize=12;`);
        for (const id of site.nodes) out.push(`        ${node(byId.get(id)!)}`);
        out.push('    }');
    }
    for (const n of view.nodes) if (n.site === null) out.push(`    ${node(n)}`);
    for (const e of view.edges) out.push(`    ${edge(e)}`);
    for (const e of view.holds) out.push(`    ${edge(e)}`);
    out.push(...legend(view));
    out.push('}');
    return `${out.join('\n')}\n`;
}

function node(n: ViewNode): string {
    const style = n.variant === 'custody' ? `${NODE_STYLE.transfer}, penwidth=2` : NODE_STYLE[n.kind];
    const label = n.kind === 'start' ? '' : [n.label, ...n.detail].join('\n');
    return `${dotString(n.id)} [label=${dotString(label)}, tooltip=${dotString(n.hover)}, ${style}];`;
}

function edge(e: ViewEdge): string {
    const attributes: string[] = [];
    if (e.label) attributes.push(`label=${dotString(e.label)}`);
    if (e.custody) attributes.push('penwidth=2.2', 'color="#b86e00"');
    switch (e.kind) {
        case 'after': attributes.push('style=dashed'); break;
        case 'rework': attributes.push('style=dashed', 'color="#b86e00"', 'fontcolor="#b86e00"'); break;
        case 'reject':
        case 'terminate': attributes.push('color="#b3261e"', 'fontcolor="#b3261e"'); break;
        // An annotation: it must not pull the two activities onto other ranks.
        case 'hold': attributes.push('style=dotted', 'color="#6a5acd"', 'fontcolor="#6a5acd"', 'arrowhead=tee', 'constraint=false'); break;
        default: break;
    }
    // A loop back (rework) should not invert the ranks of the flow it returns into.
    if (e.backward) attributes.push('constraint=false');
    return `${dotString(e.from)} -> ${dotString(e.to)}${attributes.length > 0 ? ` [${attributes.join(', ')}]` : ''};`;
}

/**
 * One left-aligned note per severity; see mermaid.ts for why deviations are not linked to raisers.
 * The cluster's quoted name has a space, so no site cluster (`cluster_<ID>`) can take it.
 */
function legend(view: GraphView): string[] {
    if (view.deviations.length === 0) return [];
    const out = ['    subgraph "cluster legend" {', '        label="Deviations"; style=dashed; color="#999999"; fontsize=12;'];
    for (const severity of ['critical', 'major', 'minor'] as const) {
        const list = view.deviations.filter(d => d.severity === severity);
        if (list.length === 0) continue;
        const rows = list.map(d => `${d.name}: ${d.title}${d.options.length > 0 ? ` → ${d.options.join(' | ')}` : ''}`);
        // `\l` ends a left-justified line; build the escaped text line by line so it is not escaped again.
        const text = [severity.toUpperCase(), ...rows].map(r => dotString(r).slice(1, -1)).join('\\l');
        out.push(`        "legend:${severity}" [shape=note, style=filled, fillcolor=white, fontsize=9, label="${text}\\l"];`);
    }
    out.push('    }');
    return out;
}

export function toDot(workflow: Workflow): string {
    return writeDot(graphView(workflow));
}
