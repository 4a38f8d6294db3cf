/**
 * Custody continuity: a material moves between sites only by a transfer. Followed along the step
 * graph, each branch of a parallel block on its own (each may carry its own container, as doses
 * of one lot do); a material's site is known from the step that makes it or the transfer that
 * brings it (reagents drawn from stores are not followed until then). Rooms of one site share custody.
 */
import type { Id, Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';
import { flowModel, topologicalOrder } from './flow-model.js';

type Whereabouts = Map<Id, { site: Id; by: Id }>;

/** Where materials are after several predecessors: where they agree; a disagreement is forgotten. */
function merge(states: readonly Whereabouts[]): Whereabouts {
    if (states.length === 1) return new Map(states[0]);
    const result: Whereabouts = new Map();
    const conflicting = new Set<Id>();
    for (const state of states) {
        for (const [material, at] of state) {
            const known = result.get(material);
            if (known && known.site !== at.site) conflicting.add(material);
            else result.set(material, at);
        }
    }
    conflicting.forEach(m => result.delete(m));
    return result;
}

const nameOf = (id: Id): string => id.replace(/^\w+:/, '');

export function custodyContinuity(workflow: Workflow): Finding[] {
    const steps = new Map(workflow.steps.map(s => [s.id, s]));
    const transfers = new Map(workflow.transfers.map(t => [t.id, t]));
    const sites = new Map(workflow.sites.map(s => [s.id, s]));
    const siteName = (id: Id) => sites.get(id)?.title ? `${nameOf(id)} (${sites.get(id)!.title})` : nameOf(id);
    const model = flowModel(workflow);
    /** After each node: material -> where it is and which activity put it there. */
    const after = new Map<Id, Whereabouts>();
    const findings: Finding[] = [];
    for (const id of topologicalOrder(model, new Map())) {
        const node = model.nodes.get(id)!;
        const where = merge(node.waitsFor.filter(w => after.has(w)).map(w => after.get(w)!).concat(node.waitsFor.length === 0 ? [new Map()] : []));
        after.set(id, where);
        const step = steps.get(node.id);
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
                where.set(use.material, { site, by: step.id });
            }
            for (const made of step.produces) where.set(made.material, { site, by: step.id });
        }
        const transfer = transfers.get(node.id);
        if (transfer) {
            const at = where.get(transfer.material);
            if (at && at.site !== transfer.from.site) {
                findings.push({
                    code: 'COIL-C007',
                    at: `${transfer.id}/from`,
                    message: `Transfer ${transfer.name} sends ${nameOf(transfer.material)} from ${siteName(transfer.from.site)}, but it is at ${siteName(at.site)} after ${nameOf(at.by)}. Send it from ${nameOf(at.site)}, or add the transfer that brings it to ${nameOf(transfer.from.site)} first.`,
                });
            }
            where.set(transfer.material, { site: transfer.to.site, by: transfer.id });
        }
    }
    return findings;
}
