/**
 * The workflow as a standalone SVG, written from ELK's layout: self-contained (embedded style, no
 * fonts, scripts or links) and deterministic, so that the HTML batch record can inline it and the
 * same workflow always gives the same bytes. Its style is scoped under `svg.coil-graph` because
 * an inlined `<style>` applies to the whole page.
 */
import type { Workflow } from '../ir/types.js';
import { graphView, type GraphView, type ViewDeviation, type ViewEdge } from './graph-model.js';
import { FONT, layOut, SKEW, textWidth, wrap, type PlacedEdge, type PlacedNode, type PlacedSite, type Point } from './layout.js';

const STYLE = `
svg.coil-graph { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; background: #ffffff; }
svg.coil-graph text { fill: #1d1d1d; }
svg.coil-graph .heading { font-size: 15px; font-weight: 600; }
svg.coil-graph .site > rect { fill: #f7f7f7; stroke: #9a9a9a; stroke-width: 1; }
svg.coil-graph .site > text { font-size: ${FONT.site}px; font-weight: 600; fill: #444444; paint-order: stroke; stroke: #f7f7f7; stroke-width: 4px; }
svg.coil-graph .node > rect, svg.coil-graph .node > polygon, svg.coil-graph .node > ellipse { stroke-width: 1.2; }
svg.coil-graph .node text { font-size: ${FONT.main}px; text-anchor: middle; dominant-baseline: central; }
svg.coil-graph .node text.detail { font-size: ${FONT.detail}px; fill: #555555; }
svg.coil-graph .step > rect { fill: #eef4fb; stroke: #3b6ea5; }
svg.coil-graph .transfer > polygon { fill: #fffaf0; stroke: #b86e00; }
svg.coil-graph .transfer.custody > polygon { fill: #fff1d6; stroke-width: 2.4; }
svg.coil-graph .decision > polygon { fill: #fdfbe6; stroke: #8a7a00; }
svg.coil-graph .release > polygon { fill: #e8f6ea; stroke: #1f7a36; stroke-width: 2.6; }
svg.coil-graph .release text { font-weight: 600; }
svg.coil-graph .start > ellipse { fill: #555555; stroke: #555555; }
svg.coil-graph .end > ellipse { fill: #f2f2f2; stroke: #555555; stroke-width: 2.4; }
svg.coil-graph .rejected > ellipse, svg.coil-graph .terminated > ellipse { fill: #fde8e8; stroke: #b3261e; }
svg.coil-graph .edge path { fill: none; stroke: #555555; stroke-width: 1.3; }
svg.coil-graph .edge.custody path { stroke: #b86e00; stroke-width: 2.6; }
svg.coil-graph .edge.after path { stroke-dasharray: 6 3; }
svg.coil-graph .edge.rework path { stroke: #b86e00; stroke-dasharray: 6 3; }
svg.coil-graph .edge.reject path, svg.coil-graph .edge.terminate path { stroke: #b3261e; }
svg.coil-graph .edge.hold path { stroke: #6a5acd; stroke-dasharray: 2 3; }
svg.coil-graph .edge text { font-size: ${FONT.edge}px; }
svg.coil-graph .edge.rework text { fill: #8a5200; }
svg.coil-graph .edge.reject text, svg.coil-graph .edge.terminate text { fill: #b3261e; }
svg.coil-graph .edge.hold text { fill: #4b3fa8; }
svg.coil-graph .edge rect { fill: #ffffff; fill-opacity: 0.9; stroke: none; }
svg.coil-graph .legend text { font-size: 11px; }
svg.coil-graph .legend text.raised { font-size: 10px; fill: #555555; }
svg.coil-graph .legend .severity.critical { fill: #b3261e; }
svg.coil-graph .legend .severity.major { fill: #d9822b; }
svg.coil-graph .legend .severity.minor { fill: #e8c547; }
svg.coil-graph .legend .title { font-size: 12px; font-weight: 600; }
`;

/** The arrowheads, one per colour: `context-stroke` is not understood everywhere yet. */
const MARKERS: ReadonlyArray<[string, string]> = [
    ['coil-arrow', '#555555'],
    ['coil-arrow-custody', '#b86e00'],
    ['coil-arrow-reject', '#b3261e'],
    ['coil-arrow-hold', '#6a5acd'],
];

const HEADING = 30;

export function escapeXml(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
        // Characters XML 1.0 forbids even escaped; they can only come from a mistyped title.
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

/** Coordinates rounded to a tenth of a pixel: smaller files, and no `-0` or float noise in the bytes. */
function n(value: number): string {
    const r = Math.round(value * 10) / 10;
    return Object.is(r, -0) ? '0' : String(r);
}

export async function writeSvg(view: GraphView): Promise<string> {
    const layout = await layOut(view);
    const legend = legendOf(view.deviations, layout.width, HEADING + layout.height);
    const width = Math.max(layout.width, legend.width, textWidth(view.heading, 'main') * 1.25 + 32);
    const height = HEADING + layout.height + legend.height;
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" class="coil-graph" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-label="${escapeXml(view.heading)}">`,
        `<title>${escapeXml(view.heading)}</title>`,
        `<style>${STYLE}</style>`,
        `<defs>${MARKERS.map(([id, colour]) => `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`).join('')}</defs>`,
        `<text class="heading" x="16" y="22">${escapeXml(view.heading)}</text>`,
        `<g transform="translate(0,${HEADING})">`,
        ...layout.sites.map(site),
        ...layout.edges.map(edge),
        ...layout.nodes.map(node),
        '</g>',
        ...legend.lines,
        '</svg>',
    ];
    return `${out.join('\n')}\n`;
}

function site(s: PlacedSite): string {
    return `<g class="site" id="${escapeXml(s.site.id)}" data-id="${escapeXml(s.site.id)}"><title>${escapeXml(s.site.title)}</title>`
        + `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.width)}" height="${n(s.height)}" rx="8"/>`
        + s.title.map((line, i) => `<text x="${n(s.x + 12)}" y="${n(s.y + 20 + i * 15)}">${escapeXml(line)}</text>`).join('') + '</g>';
}

function edgeClass(e: ViewEdge): string {
    return ['edge', e.kind, ...(e.custody ? ['custody'] : [])].join(' ');
}

function markerOf(e: ViewEdge): string {
    if (e.kind === 'hold') return 'coil-arrow-hold';
    if (e.kind === 'reject' || e.kind === 'terminate') return 'coil-arrow-reject';
    if (e.kind === 'rework' || e.custody) return 'coil-arrow-custody';
    return 'coil-arrow';
}

function edge(p: PlacedEdge): string {
    const e = p.edge;
    const d = p.points.map((pt: Point, i) => `${i === 0 ? 'M' : 'L'}${n(pt.x)},${n(pt.y)}`).join(' ');
    const parts = [`<g class="${edgeClass(e)}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">`];
    if (e.label) parts.push(`<title>${escapeXml(e.label)}</title>`);
    parts.push(`<path d="${d}" marker-end="url(#${markerOf(e)})"/>`);
    if (p.label) {
        const l = p.label;
        parts.push(`<rect x="${n(l.x)}" y="${n(l.y)}" width="${n(l.width)}" height="${n(l.height)}"/>`);
        l.lines.forEach((line, i) => parts.push(`<text x="${n(l.x + 3)}" y="${n(l.y + 11 + i * 13)}">${escapeXml(line)}</text>`));
    }
    parts.push('</g>');
    return parts.join('');
}

function node(p: PlacedNode): string {
    const v = p.node;
    const classes = ['node', v.kind, ...(v.variant ? [v.variant] : [])].join(' ');
    const id = escapeXml(v.id);
    return `<g class="${classes}" id="${id}" data-id="${id}"><title>${escapeXml(v.hover)}</title>${shape(p)}${texts(p)}</g>`;
}

function shape(p: PlacedNode): string {
    const { x, y, width: w, height: h } = p;
    const polygon = (points: Array<[number, number]>): string => `<polygon points="${points.map(([px, py]) => `${n(px)},${n(py)}`).join(' ')}"/>`;
    switch (p.node.kind) {
        case 'step':
            return `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="5"/>`;
        case 'transfer':
            return polygon([[x + SKEW, y], [x + w, y], [x + w - SKEW, y + h], [x, y + h]]);
        case 'decision':
            return polygon([[x + w / 2, y], [x + w, y + h / 2], [x + w / 2, y + h], [x, y + h / 2]]);
        case 'release':
            return polygon([[x + SKEW, y], [x + w - SKEW, y], [x + w, y + h / 2], [x + w - SKEW, y + h], [x + SKEW, y + h], [x, y + h / 2]]);
        case 'start':
        case 'end':
        case 'rejected':
        case 'terminated':
            return `<ellipse cx="${n(x + w / 2)}" cy="${n(y + h / 2)}" rx="${n(w / 2)}" ry="${n(h / 2)}"/>`;
    }
}

/** The label lines, centred in the node, main font first then the smaller detail lines. */
function texts(p: PlacedNode): string {
    const rows = [...p.main.map(t => ({ t, cls: '', h: 15 })), ...p.detail.map(t => ({ t, cls: ' class="detail"', h: 13 }))];
    const total = rows.reduce((s, r) => s + r.h, 0);
    let y = p.y + p.height / 2 - total / 2;
    const cx = n(p.x + p.width / 2);
    return rows.map(r => {
        const line = `<text${r.cls} x="${cx}" y="${n(y + r.h / 2)}">${escapeXml(r.t)}</text>`;
        y += r.h;
        return line;
    }).join('');
}

/**
 * The deviation legend, below the flow: severity, name, title, what raises it and the disposition
 * options. A dashed edge from every raiser would bury a 15-step flow (a label mismatch alone is
 * raised by every activity), so raisers are listed here and in each node's hover text instead.
 */
function legendOf(deviations: readonly ViewDeviation[], flowWidth: number, top: number): { lines: string[]; width: number; height: number } {
    if (deviations.length === 0) return { lines: [], width: 0, height: 0 };
    const wrapAt = Math.max(60, Math.floor((Math.max(flowWidth, 640) - 60) / 6));
    const lines: string[] = [`<g class="legend" transform="translate(0,${n(top)})">`, '<text class="title" x="16" y="18">Deviations</text>'];
    let y = 30;
    let width = 0;
    for (const d of deviations) {
        const head = `${d.name} (${d.severity}${d.blocksRelease ? ', blocks release' : ''}): ${d.title}`;
        const raised = wrap(`raised by ${d.raisedBy.join(', ') || 'nothing'}${d.options.length > 0 ? ` → ${d.options.join(' | ')}` : ''}`, wrapAt);
        lines.push(`<g class="deviation ${d.severity}" data-id="${escapeXml(d.id)}">`
            + `<circle class="severity ${d.severity}" cx="22" cy="${n(y + 7)}" r="5"/>`
            + `<text x="34" y="${n(y + 11)}">${escapeXml(head)}</text>`
            + raised.map((r, i) => `<text class="raised" x="34" y="${n(y + 25 + i * 13)}">${escapeXml(r)}</text>`).join('')
            + '</g>');
        width = Math.max(width, 40 + textWidth(head, 'main') * 0.95, 40 + Math.max(...raised.map(r => textWidth(r, 'detail'))));
        y += 18 + raised.length * 13 + 6;
    }
    lines.push('</g>');
    return { lines, width: width + 16, height: y + 10 };
}

/** A standalone, deterministic SVG laid out by ELK; inlinable in the HTML batch record. */
export async function renderSvg(workflow: Workflow): Promise<string> {
    return writeSvg(graphView(workflow));
}
