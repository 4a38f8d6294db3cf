/**
 * Turning the ids of a workflow into what a reader of the batch record knows them by: the title
 * the author gave (else the name), and where it helps, the name in a code font so QA can find
 * it in the source. Every result is escaped markup.
 */
import { formatDuration } from '@coil/language/units';
import type { Id, Named, Place, Quantity, Range, Workflow } from '../../ir/types.js';
import { text, type Html } from './html.js';

export interface Names {
    /** The title of anything with an id, escaped; unknown ids are shown as written. */
    title(id: Id | null | undefined): Html;
    /** The same, unescaped, for code that measures or shortens it before escaping. */
    plain(id: Id): string;
    /** Whether the id names something of this workflow. */
    has(id: Id): boolean;
    /** Title followed by the name in code font, for things QA cross-references (deviations, steps). */
    titled(id: Id | null | undefined): Html;
    /** A site, or `site / room`. */
    place(place: Place | null): Html;
    /** Who signs: `performer`, `verifier`, `sender`, `receiver`, or a role id. */
    signer(by: string, roles: { performer?: Id | null; verifier?: Id | null; sender?: Id | null; receiver?: Id | null }): Html;
}

export function namesOf(workflow: Workflow): Names {
    const byId = new Map<Id, Named>();
    const add = (n: Named): void => { byId.set(n.id, n); };
    [...workflow.sites, ...workflow.qualifications, ...workflow.roles, ...workflow.materials, ...workflow.assays, ...workflow.steps, ...workflow.transfers, ...workflow.deviations].forEach(add);
    for (const site of workflow.sites) [...site.rooms, ...site.equipment, ...site.storage].forEach(add);
    for (const d of workflow.decisions) add({ id: d.id, name: d.name, title: null });
    for (const q of workflow.qc) add({ id: q.id, name: q.name, title: `QC plan ${q.name}` });
    // A parameter is read with its step: "Leukapheresis: Collected volume".
    for (const s of workflow.steps) for (const p of s.parameters) add({ id: p.id, name: `${s.name}.${p.name}`, title: `${s.title ?? s.name}: ${p.title ?? p.name}` });

    const grades = new Map(workflow.sites.flatMap(site => site.rooms.map(r => [r.id, r.grade] as const)));
    const plain = (id: Id): string => {
        // The process raises a deviation through its vein-to-vein budget (the only process-wide limit).
        if (id === workflow.process.id || id === 'process') return 'the vein-to-vein budget';
        const n = byId.get(id);
        if (n) return n.title ?? n.name;
        if (id === 'release') return 'QA release';
        if (id.startsWith('hold:')) return holdTitle(workflow, id, byId);
        return id;
    };
    const title = (id: Id | null | undefined): Html => (id ? text(plain(id)) : '');
    const titled = (id: Id | null | undefined): Html => {
        if (!id) return '';
        const n = byId.get(id);
        if (!n) return text(plain(id));
        if (n.title === n.name) return text(n.title);
        return n.title ? `${text(n.title)} <code>${text(n.name)}</code>` : `<code>${text(n.name)}</code>`;
    };
    return {
        title,
        plain,
        has: id => byId.has(id) || id.startsWith('hold:'),
        titled,
        // The room's cleanroom grade matters to QA (aseptic work needs grade B or better around it).
        place: p => (p ? (p.room ? `${title(p.site)} / ${title(p.room)}${grades.get(p.room) ? ` (grade ${text(grades.get(p.room)!)})` : ''}` : title(p.site)) : ''),
        signer: (by, roles) => {
            const role = by === 'performer' || by === 'verifier' || by === 'sender' || by === 'receiver' ? roles[by] : by;
            const who = role ? title(role) : '';
            return by === role ? who : `${text(by)}${who ? ` (${who})` : ''}`;
        },
    };
}

/** `Apheresis: Leukapheresis end → CD4/CD8 selection start`, from a hold's id or its record. */
function holdTitle(workflow: Workflow, id: Id, byId: ReadonlyMap<Id, Named>): string {
    const hold = workflow.holds.find(h => h.id === id);
    if (!hold) return id;
    const of = (a: Id): string => byId.get(a)?.title ?? byId.get(a)?.name ?? a;
    return `hold of ${of(hold.material)}, ${of(hold.from.activity)} ${hold.from.point} → ${of(hold.to.activity)} ${hold.to.point}`;
}

/** What the author wrote, or an em dash when absent. */
export function quantity(q: Quantity | null | undefined): Html {
    return q ? text(q.text) : '—';
}

export function range(r: Range | null | undefined): Html {
    return r ? text(r.text) : '—';
}

/** A duration in seconds, as a process engineer reads it, exact to the minute: a record is not rounded. */
export function duration(seconds: number): Html {
    return text(formatDuration(seconds, 3));
}
