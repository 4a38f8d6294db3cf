/** Storage: a material is transported and held only within its own storage temperature range. */
import type { Id, Range, Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';

const TOLERANCE = 1e-9;

/** Whether every temperature `inner` allows is one `outer` allows. */
export function within(inner: Range, outer: Range): boolean {
    const lowOk = !outer.min || (inner.min !== null && inner.min.value >= outer.min.value - TOLERANCE && !(outer.minExclusive && !inner.minExclusive && inner.min.value <= outer.min.value));
    const highOk = !outer.max || (inner.max !== null && inner.max.value <= outer.max.value + TOLERANCE && !(outer.maxExclusive && !inner.maxExclusive && inner.max.value >= outer.max.value));
    return lowOk && highOk;
}

export function storageRanges(workflow: Workflow): Finding[] {
    const materials = new Map(workflow.materials.map(m => [m.id, m]));
    const findings: Finding[] = [];
    const check = (material: Id, range: Range | null | undefined, at: Id, what: string) => {
        const storage = materials.get(material)?.storage;
        if (!range || !storage || within(range, storage)) return;
        const name = material.replace(/^material:/, '');
        findings.push({
            code: 'COIL-M002',
            at,
            message: `${what} allows ${range.text}, outside the storage range of ${name} (${storage.text}). Keep ${name} within ${storage.text}, or correct the material's storage range.`,
        });
    };
    for (const t of workflow.transfers) check(t.material, t.condition?.range, `${t.id}/keep`, `Transfer ${t.name}`);
    for (const h of workflow.holds) check(h.material, h.storage, `${h.id}/storage`, `This hold of ${h.material.replace(/^material:/, '')}`);
    return findings;
}
