/**
 * Places the drawing view with ELK (layered, top to bottom, site clusters as compound nodes laid
 * out together with the rest) and returns absolute coordinates for the SVG writer. No DOM is
 * available, so text is measured by estimate: about 7 px per character at 12 px.
 */
// elkjs is CommonJS: under NodeNext its `export default` is the module's `default` property.
import elkjs from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphView, ViewEdge, ViewNode, ViewSite } from './graph-model.js';

export const FONT = { main: 12, detail: 10, site: 12, edge: 10 } as const;
/** Average advance per character, a little generous so that text stays inside its shape. */
const ADVANCE = { main: 7, detail: 6, site: 7, edge: 6 } as const;
const LINE = { main: 15, detail: 13, edge: 13 } as const;
/** Wrap titles longer than this (characters) so that long step titles do not make very wide boxes. */
const WRAP = 28;

export interface Point { readonly x: number; readonly y: number }
export interface Box { readonly x: number; readonly y: number; readonly width: number; readonly height: number }

export interface PlacedNode extends Box {
    readonly node: ViewNode;
    /** Wrapped label lines (main font) then detail lines (small font). */
    readonly main: readonly string[];
    readonly detail: readonly string[];
}

export interface PlacedSite extends Box {
    readonly site: ViewSite;
    readonly title: readonly string[];
}

export interface PlacedEdge {
    readonly edge: ViewEdge;
    /** Start, bend points, end; in drawing direction (from `edge.from` to `edge.to`). */
    readonly points: readonly Point[];
    readonly label: (Box & { readonly lines: readonly string[] }) | null;
}

export interface Layout {
    readonly width: number;
    readonly height: number;
    readonly sites: readonly PlacedSite[];
    readonly nodes: readonly PlacedNode[];
    readonly edges: readonly PlacedEdge[];
}

export function textWidth(text: string, font: keyof typeof ADVANCE): number {
    return [...text].length * ADVANCE[font];
}

/** Splits at spaces into lines of at most `width` characters (a longer word keeps its own line). */
export function wrap(text: string, width = WRAP): string[] {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/).filter(Boolean)) {
        if (line && [...line].length + 1 + [...word].length > width) {
            lines.push(line);
            line = word;
        } else {
            line = line ? `${line} ${word}` : word;
        }
    }
    if (line || lines.length === 0) lines.push(line);
    return lines;
}

interface Sized { readonly node: ViewNode; readonly main: string[]; readonly detail: string[]; readonly width: number; readonly height: number }

/** The node's size from its text and shape: diamonds and slanted shapes need room around the text. */
function size(node: ViewNode): Sized {
    const main = node.kind === 'start' ? [] : wrap(node.label);
    const detail = node.detail.flatMap(d => wrap(d, WRAP + 6));
    const textW = Math.max(0, ...main.map(l => textWidth(l, 'main')), ...detail.map(l => textWidth(l, 'detail')));
    const textH = main.length * LINE.main + detail.length * LINE.detail;
    switch (node.kind) {
        case 'start':
            return { node, main, detail, width: 24, height: 24 };
        case 'end':
        case 'rejected':
        case 'terminated':
            return { node, main, detail, width: textW + 32, height: 32 };
        case 'decision':
            // The text box fits a diamond when w/W + h/H <= 1: 1.5 and 3 times make 2/3 + 1/3.
            return { node, main, detail, width: Math.round(textW * 1.5 + 24), height: Math.max(60, textH * 3) };
        case 'transfer':
            return { node, main, detail, width: Math.max(120, textW + 24 + 2 * SKEW), height: textH + 16 };
        case 'release':
            return { node, main, detail, width: Math.max(120, textW + 24 + 2 * SKEW), height: textH + 20 };
        case 'step':
            return { node, main, detail, width: Math.max(120, textW + 24), height: textH + 16 };
    }
}

/** How far a transfer's parallelogram and the release hexagon lean in at each side. */
export const SKEW = 12;
const SITE_PADDING = { top: 18, side: 14, bottom: 14 };

/**
 * The site's title, wrapped to the width its widest node gives the cluster. (ELK's minimum size
 * for a compound node is applied transposed under INCLUDE_CHILDREN with direction DOWN in elkjs
 * 0.12, so the cluster cannot simply be made as wide as its title.)
 */
export function siteTitle(site: ViewSite, sized: ReadonlyMap<string, { readonly width: number }>): string[] {
    const inner = Math.max(...site.nodes.map(id => sized.get(id)?.width ?? 0));
    return wrap(site.title, Math.max(12, Math.floor((inner + 2 * SITE_PADDING.side - 24) / ADVANCE.site)));
}

export async function layOut(view: GraphView): Promise<Layout> {
    const sized = new Map(view.nodes.map(n => [n.id, size(n)]));
    const leaf = (id: string): ElkNode => ({ id, width: sized.get(id)!.width, height: sized.get(id)!.height });
    // Children in graph order, each site where its first node falls: ELK's model order then follows the process.
    const children: ElkNode[] = [];
    const siteIds = new Set<string>();
    for (const n of view.nodes) {
        if (n.site === null) {
            children.push(leaf(n.id));
        } else if (!siteIds.has(n.site)) {
            siteIds.add(n.site);
            const site = view.sites.find(s => s.id === n.site)!;
            const title = siteTitle(site, sized);
            children.push({
                id: site.id,
                layoutOptions: {
                    'elk.padding': `[top=${SITE_PADDING.top + title.length * LINE.main},left=${SITE_PADDING.side},bottom=${SITE_PADDING.bottom},right=${SITE_PADDING.side}]`,
                },
                children: site.nodes.map(leaf),
            });
        }
    }
    const all = [...view.edges, ...view.holds];
    const edges: ElkExtendedEdge[] = all.map((e, i) => {
        const lines = e.label ? wrap(e.label, 30) : [];
        return {
            id: `e${i}`,
            sources: [e.from],
            targets: [e.to],
            // Forward edges must point down; loops back are then the edges ELK reverses.
            layoutOptions: { 'elk.layered.priority.direction': e.backward ? '0' : '10' },
            labels: lines.length > 0 ? [{ text: lines.join('\n'), width: Math.max(...lines.map(l => textWidth(l, 'edge'))) + 6, height: lines.length * LINE.edge + 2 }] : [],
        };
    });
    const graph: ElkNode = {
        id: 'root',
        layoutOptions: {
            'elk.algorithm': 'layered',
            'elk.direction': 'DOWN',
            'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
            'elk.edgeRouting': 'ORTHOGONAL',
            'elk.padding': '[top=16,left=16,bottom=16,right=16]',
            'elk.spacing.nodeNode': '26',
            'elk.layered.spacing.nodeNodeBetweenLayers': '34',
            'elk.spacing.edgeLabel': '4',
            'elk.edgeLabels.placement': 'CENTER',
            'elk.randomSeed': '1',
        },
        children,
        edges,
    };
    const result = await new elkjs.default().layout(graph);
    return place(result, view, sized, all);
}

/** ELK gives positions relative to the parent (nodes) or to the edge's `container`: make them absolute. */
function place(result: ElkNode, view: GraphView, sized: Map<string, Sized>, all: readonly ViewEdge[]): Layout {
    const origin = new Map<string, Point>([['root', { x: 0, y: 0 }]]);
    const nodes: PlacedNode[] = [];
    const sites: PlacedSite[] = [];
    const visit = (parent: ElkNode, at: Point): void => {
        for (const child of parent.children ?? []) {
            const x = at.x + (child.x ?? 0);
            const y = at.y + (child.y ?? 0);
            origin.set(child.id, { x, y });
            const s = sized.get(child.id);
            if (s) {
                nodes.push({ node: s.node, main: s.main, detail: s.detail, x, y, width: child.width ?? s.width, height: child.height ?? s.height });
            } else {
                const site = view.sites.find(v => v.id === child.id)!;
                sites.push({ site, title: siteTitle(site, sized), x, y, width: child.width ?? 0, height: child.height ?? 0 });
                visit(child, { x, y });
            }
        }
    };
    visit(result, { x: 0, y: 0 });
    const placedEdges = (result.edges ?? []).map((e): PlacedEdge => {
        const at = origin.get(e.container ?? 'root') ?? { x: 0, y: 0 };
        const move = (p: Point): Point => ({ x: at.x + p.x, y: at.y + p.y });
        const points = (e.sections ?? []).flatMap((s, k) => [...(k === 0 ? [s.startPoint] : []), ...(s.bendPoints ?? []), s.endPoint]).map(move);
        const l = e.labels?.[0];
        const label = l ? { ...move({ x: l.x ?? 0, y: l.y ?? 0 }), width: l.width ?? 0, height: l.height ?? 0, lines: (l.text ?? '').split('\n') } : null;
        return { edge: all[Number(e.id.slice(1))], points, label };
    });
    placedEdges.sort((a, b) => all.indexOf(a.edge) - all.indexOf(b.edge));
    // Keep the IR's order of nodes so that the SVG reads (and diffs) in process order.
    const rank = new Map(view.nodes.map((n, i) => [n.id, i]));
    nodes.sort((a, b) => rank.get(a.node.id)! - rank.get(b.node.id)!);
    return { width: result.width ?? 0, height: result.height ?? 0, sites, nodes, edges: placedEdges };
}
