/**
 * Custody continuity: a material moves between sites only by a transfer. Followed along the step
 * graph on every way through it (a goto's skipped transfer moves nothing), each branch of a
 * parallel block on its own (each may carry its own container, as doses of one lot do); a
 * material's site is known from the step that makes it or the transfer that brings it (reagents
 * drawn from stores are not followed until then). Rooms of one site share custody.
 */
import type { Id, Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';
import { completingChoices, flowModel, skippedBy, topologicalOrder, type Choices, type FlowModel } from './flow-model.js';

/** Where a material is, which activity put it there, and where it was before (to tell moves from stays at a join). */
interface Whereabout {
    readonly site: Id;
    readonly by: Id;
    readonly before?: Whereabout;
}

type Whereabouts = Map<Id, Whereabout>;

function isEarlier(a: Whereabout, b: Whereabout): boolean {
    for (let w = b.before; w; w = w.before) if (w === a) return true;
    return false;
}

/**
 * Where materials are after several predecessors (a parallel join): a branch that left a material
 * alone does not contradict one that moved it; two branches that moved it to different sites do,
 * and then the material is no longer followed.
 */
function merge(states: readonly Whereabouts[]): Whereabouts {
    if (states.length === 1) return new Map(states[0]);
    const result: Whereabouts = new Map();
    const materials = new Set(states.flatMap(s => [...s.keys()]));
    for (const material of materials) {
        const seen = [...new Set(states.map(s => s.get(material)).filter((w): w is Whereabout => w !== undefined))];
        const latest = seen.filter(w => !seen.some(other => other !== w && isEarlier(w, other)));
        if (latest.every(w => w.site === latest[0].site)) result.set(material, latest[0]);
    }
    return result;
}

const nameOf = (id: Id): string => id.replace(/^\w+:/, '');

export function custodyContinuity(workflow: Workflow): Finding[] {
    const model = flowModel(workflow);
    const findings = new Map<string, Finding>();
    for (const choices of completingChoices(model)) {
        for (const finding of followCustody(model, choices)) if (!findings.has(`${finding.code} ${finding.at}`)) findings.set(`${finding.code} ${finding.at}`, finding);
    }
    return [...findings.values()];
}

function followCustody(model: FlowModel, choices: Choices): Finding[] {
    const workflow = model.workflow;
    const steps = new Map(workflow.steps.map(s => [s.id, s]));
    const transfers = new Map(workflow.transfers.map(t => [t.id, t]));
    const sites = new Map(workflow.sites.map(s => [s.id, s]));
    const siteName = (id: Id) => sites.get(id)?.title ? `${nameOf(id)} (${sites.get(id)!.title})` : nameOf(id);
    const skipped = skippedBy(model, choices);
    const gotoInto = new Map<Id, Id[]>();
    for (const [decision, outcome] of choices) if (outcome.kind === 'goto') gotoInto.set(outcome.target, [...(gotoInto.get(outcome.target) ?? []), decision]);
    /** After each node: material -> where it is. */
    const after = new Map<Id, Whereabouts>();
    const findings: Finding[] = [];
    for (const id of topologicalOrder(model, choices)) {
        const node = model.nodes.get(id)!;
        const from = [...node.waitsFor, ...(gotoInto.get(id) ?? [])].filter(w => after.has(w)).map(w => after.get(w)!);
        const where = merge(from.length > 0 ? from : [new Map()]);
        after.set(id, where);
        if (skipped.has(id)) continue;
        const step = steps.get(id);
        if (step?.place) {
            const site = step.place.site;
            for (const use of step.consumes) {
                const at = where.get(use.material);
                if (at && at.site !== site) {
                    findings.push({
                        code: 'COIL-C006',
                        at: step.id,
                        message: `Step ${step.name} uses ${nameOf(use.material)} at ${siteName(site)}, but ${nameOf(use.material)} is at ${siteName(at.site)} after ${nameOf(at.by)}, and no transfer brings it here, so its custody breaks. Add 'transfer ... of ${nameOf(use.material)} from ${nameOf(at.site)} to ${nameOf(site)}' before ${step.name}.`,
                    });
                }
                where.set(use.material, { site, by: step.id, before: at });
            }
            for (const made of step.produces) where.set(made.material, { site, by: step.id, before: where.get(made.material) });
        }
        const transfer = transfers.get(id);
        if (transfer) {
            const at = where.get(transfer.material);
            if (at && at.site !== transfer.from.site) {
                findings.push({
                    code: 'COIL-C007',
                    at: `${transfer.id}/from`,
                    message: `Transfer ${transfer.name} sends ${nameOf(transfer.material)} from ${siteName(transfer.from.site)}, but it is at ${siteName(at.site)} after ${nameOf(at.by)}. Send it from ${nameOf(at.site)}, or add the transfer that brings it to ${nameOf(transfer.from.site)} first.`,
                });
            }
            where.set(transfer.material, { site: transfer.to.site, by: transfer.id, before: at });
        }
    }
    return findings;
}
