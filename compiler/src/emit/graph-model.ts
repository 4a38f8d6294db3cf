/**
 * The drawing view of a `coil-ir/1` workflow, shared by the three graph emitters (Mermaid, DOT,
 * SVG). The view decides, once for all formats, what a person sees:
 * which site cluster each node sits in, the text of every node and edge, the holds drawn as
 * annotations between activities, and the deviation legend. The writers only choose syntax.
 */
import type { Edge, EdgeKind, Hold, Id, NodeKind, Quantity, Range, Step, Transfer, Workflow } from '../ir/types.js';

export interface ViewNode {
    readonly id: Id;
    readonly kind: NodeKind;
    /**
     * A finer kind for transfers: `custody` for one between two sites (drawn between the site
     * clusters), `internal` for one inside a site.
     */
    readonly variant: 'custody' | 'internal' | null;
    /** The main text: a step's title, else its name. */
    readonly label: string;
    /** Smaller lines under the label (a transfer's limit and temperature range, a decision's parameter). */
    readonly detail: readonly string[];
    /** Everything else worth knowing, for hover text. */
    readonly hover: string;
    /** The site cluster it is drawn in, or null for nodes between or outside sites. */
    readonly site: Id | null;
}

export interface ViewSite {
    readonly id: Id;
    readonly name: string;
    readonly title: string;
    /** Its nodes, in graph order. */
    readonly nodes: readonly Id[];
}

export type ViewEdgeKind = EdgeKind | 'hold';

export interface ViewEdge {
    readonly from: Id;
    readonly to: Id;
    readonly kind: ViewEdgeKind;
    readonly label: string | null;
    /** A hand-over of custody: the edge enters or leaves a transfer between two sites. */
    readonly custody: boolean;
    /** Goes against the written order (a rework loop, a goto back): drawn as a loop, not a rank. */
    readonly backward: boolean;
}

export interface ViewDeviation {
    readonly id: Id;
    readonly name: string;
    readonly title: string;
    readonly severity: 'minor' | 'major' | 'critical';
    /** Short names of what raises it, in IR order, without repeats. */
    readonly raisedBy: readonly string[];
    /** The disposition options, e.g. `continue`, `reject`. */
    readonly options: readonly string[];
    readonly blocksRelease: boolean;
}

export interface GraphView {
    readonly name: string;
    /** `Autologous anti-CD19 CAR T, fresh apheresis, version 1.2.0`. */
    readonly heading: string;
    readonly sites: readonly ViewSite[];
    /** In graph order. */
    readonly nodes: readonly ViewNode[];
    /** The IR's edges, one for one, in IR order. */
    readonly edges: readonly ViewEdge[];
    /** One annotation edge per hold, from the activity that starts it to the one that ends it. */
    readonly holds: readonly ViewEdge[];
    /** Most severe first, then in IR order. */
    readonly deviations: readonly ViewDeviation[];
}

export function graphView(workflow: Workflow): GraphView {
    const steps = new Map(workflow.steps.map(s => [s.id, s]));
    const transfers = new Map(workflow.transfers.map(t => [t.id, t]));
    const sites = new Map(workflow.sites.map(s => [s.id, s]));
    const drawn = workflow.graph.nodes.map(n => viewNode(workflow, n.id, n.kind, steps, transfers));
    // The release gate is drawn in the site whose work it closes (QA releases where the lot is):
    // outside it, a site visited before and after release would make its cluster wrap the gate.
    const siteOf = new Map(drawn.map(n => [n.id, n.site]));
    const nodes = drawn.map((n, i) => {
        if (n.kind !== 'release') return n;
        const before = new Set(workflow.graph.nodes[i].waitsFor.map(w => siteOf.get(w) ?? null));
        const [only] = before;
        return before.size === 1 && only ? { ...n, site: only } : n;
    });
    const order = new Map(nodes.map((n, i) => [n.id, i]));
    const custody = new Set(nodes.filter(n => n.variant === 'custody').map(n => n.id));
    const edges = workflow.graph.edges.map(e => viewEdge(e, custody, order));
    const holds = workflow.holds
        .filter(h => order.has(h.from.activity) && order.has(h.to.activity))
        .map((h): ViewEdge => ({ from: h.from.activity, to: h.to.activity, kind: 'hold', label: holdLabel(workflow, h), custody: false, backward: false }));
    const used = new Set(nodes.map(n => n.site).filter((s): s is Id => s !== null));
    const viewSites = workflow.sites.filter(s => used.has(s.id)).map((s): ViewSite => ({
        id: s.id, name: s.name, title: s.title ?? s.name, nodes: nodes.filter(n => n.site === s.id).map(n => n.id),
    }));
    // A node placed at a site the IR does not declare would lose its cluster: draw it outside instead.
    const placed = nodes.map(n => (n.site !== null && !sites.has(n.site) ? { ...n, site: null } : n));
    const rank = { critical: 0, major: 1, minor: 2 } as const;
    const deviations = workflow.deviations
        .map((d, i) => ({ d, i }))
        .sort((a, b) => rank[a.d.severity] - rank[b.d.severity] || a.i - b.i)
        .map(({ d }): ViewDeviation => ({
            id: d.id, name: d.name, title: d.title ?? d.name, severity: d.severity,
            raisedBy: unique(d.raisedBy.map(shortName)),
            options: d.disposition?.options ?? [],
            blocksRelease: d.blocksRelease,
        }));
    const p = workflow.process;
    return { name: p.name, heading: `${p.title ?? p.name}, version ${p.version}`, sites: viewSites, nodes: placed, edges, holds, deviations };
}

function viewNode(workflow: Workflow, id: Id, kind: NodeKind, steps: Map<Id, Step>, transfers: Map<Id, Transfer>): ViewNode {
    const raises = deviationsRaisedBy(workflow, id);
    switch (kind) {
        case 'step': {
            const step = steps.get(id);
            const label = step?.title ?? step?.name ?? shortName(id);
            const place = step?.place ? placeText(workflow, step.place.site, step.place.room) : 'no place';
            return {
                id, kind, variant: null, label,
                detail: step?.title && step.title !== step.name ? [step.name] : [],
                hover: lines(`${label} (${id})`, `at ${place}`, raises),
                site: step?.place?.site ?? null,
            };
        }
        case 'transfer': {
            const t = transfers.get(id);
            if (!t) return { id, kind, variant: 'internal', label: shortName(id), detail: [], hover: id, site: null };
            const within = t.from.site === t.to.site;
            const label = t.title ?? t.name;
            return {
                id, kind, variant: within ? 'internal' : 'custody', label,
                detail: transferTerms(t) ? [transferTerms(t)] : [],
                hover: lines(`${label} (${id})`, `${materialName(workflow, t.material)}: ${placeText(workflow, t.from.site, t.from.room)} → ${placeText(workflow, t.to.site, t.to.room)}`, raises),
                site: within ? t.from.site : null,
            };
        }
        case 'decision': {
            const d = workflow.decisions.find(x => x.id === id);
            const owner = workflow.steps.find(s => s.parameters.some(p => p.id === d?.parameter));
            const tested = d ? shortName(d.parameter) : '';
            const branches = d ? [...d.branches.map(b => `${b.condition.kind === 'choice' ? `is ${b.condition.choice}` : `${b.condition.op} ${b.condition.value.text}`} → ${b.outcome.kind}`), `otherwise → ${d.otherwise.kind}`] : [];
            return {
                id, kind, variant: null, label: `${d?.name ?? shortName(id)}?`, detail: tested ? [tested] : [],
                hover: lines(`decision ${d?.name ?? id} on ${tested}`, ...branches),
                // Drawn where its parameter is recorded: the decision is taken at that bench.
                site: owner?.place?.site ?? null,
            };
        }
        case 'release': {
            const r = workflow.release;
            const detail = r ? [`${shortName(r.role)} releases ${materialName(workflow, r.material)}`] : [];
            return {
                id, kind, variant: null, label: 'Release gate', detail,
                hover: lines(`release gate (${id})`, ...detail, r ? `requires: ${r.requires.map(q => q.kind).join(', ')}` : '', r?.exceptional ? `exceptional release by ${shortName(r.exceptional.role)}` : ''),
                site: null,
            };
        }
        case 'start':
            return { id, kind, variant: null, label: 'Start', detail: [], hover: 'batch start', site: null };
        case 'end':
        case 'rejected':
        case 'terminated': {
            // Older IR gave the reject and terminate ends kind `end`: recognise them by id too.
            const end = kind !== 'end' ? kind : id.endsWith(':rejected') ? 'rejected' : id.endsWith(':terminated') ? 'terminated' : 'end';
            const label = { end: 'End', rejected: 'Rejected', terminated: 'Terminated' }[end];
            return { id, kind: end, variant: null, label, detail: [], hover: `${label.toLowerCase()} (${id})`, site: null };
        }
    }
}

function viewEdge(e: Edge, custody: ReadonlySet<Id>, order: ReadonlyMap<Id, number>): ViewEdge {
    const backward = (order.get(e.to) ?? 0) <= (order.get(e.from) ?? 0) && e.kind !== 'reject' && e.kind !== 'terminate';
    return { from: e.from, to: e.to, kind: e.kind, label: edgeLabel(e), custody: custody.has(e.from) || custody.has(e.to), backward };
}

function edgeLabel(e: Edge): string | null {
    const test = e.label ?? '';
    switch (e.kind) {
        case 'next':
        case 'after':
            return null;
        case 'branch':
            return e.label;
        case 'goto':
            return join(test, 'goto');
        case 'rework':
            return join(test, e.limit !== null ? `rework ≤ ${e.limit}×` : 'rework');
        case 'reject':
        case 'terminate':
            return join(test, e.kind);
    }
}

function join(test: string, what: string): string {
    return test ? `${test}: ${what}` : what;
}

/** `≤ 30 h, 2–8 °C`: the transfer's time limit and temperature range. */
export function transferTerms(t: Transfer): string {
    return [t.limit ? `≤ ${t.limit.max.text}` : '', t.condition ? rangeText(t.condition.range) : ''].filter(Boolean).join(', ');
}

/** `hold Apheresis ≤ 48 h, 2–8 °C`. */
function holdLabel(workflow: Workflow, h: Hold): string {
    const time = h.min && h.max ? between(h.min, h.max) : h.max ? `≤ ${h.max.text}` : h.min ? `≥ ${h.min.text}` : '';
    const terms = [time, h.storage ? rangeText(h.storage) : ''].filter(Boolean).join(', ');
    return `hold ${materialName(workflow, h.material)}${terms ? ` ${terms}` : ''}`;
}

/** `2–8 °C`, `≤ -150 °C`, `> 70 %`. */
export function rangeText(r: Range): string {
    if (r.min && r.max) return between(r.min, r.max);
    if (r.max) return `${r.maxExclusive ? '<' : '≤'} ${r.max.text}`;
    if (r.min) return `${r.minExclusive ? '>' : '≥'} ${r.min.text}`;
    return r.text;
}

/** `2–8 °C` when both ends have the same unit, else `2 d–36 h`. */
function between(min: Quantity, max: Quantity): string {
    const [a, unitA] = splitQuantity(min.text);
    const [b, unitB] = splitQuantity(max.text);
    return unitA === unitB && unitA !== '' ? `${a}–${b} ${unitA}` : `${min.text}–${max.text}`;
}

function splitQuantity(text: string): [string, string] {
    const m = /^(\S+)\s+(.*)$/.exec(text);
    return m ? [m[1], m[2]] : [text, ''];
}

/** `step:Collect` → `Collect`; `parameter:Expand.yield` → `Expand.yield`; `hold:Apheresis:…` → `hold Apheresis`. */
export function shortName(id: Id): string {
    if (id.startsWith('hold:')) return `hold ${id.split(':')[1]}`;
    if (id.startsWith('qc:')) return `QC ${id.slice(3)}`;
    if (id === 'process' || id.startsWith('process:')) return 'vein-to-vein budget';
    const colon = id.indexOf(':');
    return colon >= 0 ? id.slice(colon + 1) : id;
}

function materialName(workflow: Workflow, id: Id): string {
    return workflow.materials.find(m => m.id === id)?.name ?? shortName(id);
}

function placeText(workflow: Workflow, siteId: Id, roomId: Id | null): string {
    const site = workflow.sites.find(s => s.id === siteId);
    const room = site?.rooms.find(r => r.id === roomId);
    const siteText = site?.title ?? site?.name ?? shortName(siteId);
    return room ? `${siteText}, ${room.title ?? room.name}` : siteText;
}

/**
 * The deviations an activity can raise, itself or through its parameters (`parameter:Collect.volume`
 * belongs to step Collect): a line for hover text.
 */
function deviationsRaisedBy(workflow: Workflow, id: Id): string {
    const name = shortName(id);
    const raised = workflow.deviations.filter(d => d.raisedBy.some(r => r === id || (r.startsWith('parameter:') && r.slice(10).split('.')[0] === name && id.startsWith('step:'))));
    return raised.length > 0 ? `may raise: ${raised.map(d => `${d.name} (${d.severity})`).join(', ')}` : '';
}

function lines(...parts: string[]): string {
    return parts.filter(Boolean).join('\n');
}

function unique(values: readonly string[]): string[] {
    return [...new Set(values)];
}
