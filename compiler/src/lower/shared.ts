/** The shared declarations a process uses (sites, roles, materials, assays), lowered once each. */
import type { AstNode } from 'langium';
import {
    isAssay, isAssayMethod, isAssayResult, isAssayTurnaround, isChoiceResult, isEquipment, isMaterial, isMaterialContainer,
    isMaterialOrigin, isMaterialStability, isMaterialStorage, isQualification, isQuantityResult, isRole, isRoom, isSite,
    isStorageLocation, isTextResult,
    type Assay as AstAssay, type Material as AstMaterial, type Site as AstSite,
} from '@coil/language';
import type { Assay, Material, Named, Role, Site } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { canonicalUnit, quantity, range } from './quantities.js';

export interface SharedDeclarations {
    sites: Site[];
    qualifications: Named[];
    roles: Role[];
    materials: Material[];
    assays: Assay[];
}

const named = (lowering: Lowering, id: string, node: AstNode & { name: string; title?: string }): Named => {
    lowering.at(id, node);
    return { id, name: node.name, title: node.title ?? null };
};

/**
 * Lowers what `lowering.used` collected, plus the process's own declarations. A role brings its
 * qualifications; a room, equipment or storage location brings its whole site.
 */
export function lowerShared(lowering: Lowering, own: readonly AstNode[]): SharedDeclarations {
    const sites = new Map<string, AstSite>();
    const out: SharedDeclarations = { sites: [], qualifications: [], roles: [], materials: [], assays: [] };
    const roles = new Map<string, Role>();
    const qualifications = new Map<string, Named>();
    const materials = new Map<string, Material>();
    const assays = new Map<string, Assay>();
    const visit = (node: AstNode): void => {
        if (isSite(node)) sites.set(ids.site(node), node);
        else if ((isRoom(node) || isEquipment(node) || isStorageLocation(node)) && isSite(node.$container)) sites.set(ids.site(node.$container), node.$container);
        else if (isQualification(node)) qualifications.set(ids.qualification(node), named(lowering, ids.qualification(node), node));
        else if (isRole(node) && !roles.has(ids.role(node))) {
            roles.set(ids.role(node), { ...named(lowering, ids.role(node), node), qualifications: node.qualifications.map(q => lowering.required(q, ids.qualification)) });
            node.qualifications.forEach(q => q.ref && visit(q.ref));
        } else if (isMaterial(node)) materials.set(ids.material(node), lowerMaterial(lowering, node));
        else if (isAssay(node)) assays.set(ids.assay(node), lowerAssay(lowering, node));
    };
    own.forEach(visit);
    [...lowering.used.values()].forEach(visit);
    out.sites = [...sites.values()].map(site => lowerSite(lowering, site));
    out.qualifications = [...qualifications.values()];
    out.roles = [...roles.values()];
    out.materials = [...materials.values()];
    out.assays = [...assays.values()];
    // Sorted by id: the order files are read in must not change the IR.
    for (const list of Object.values(out) as Array<Array<{ id: string }>>) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
}

function lowerSite(lowering: Lowering, site: AstSite): Site {
    return {
        ...named(lowering, ids.site(site), site),
        rooms: site.members.filter(isRoom).map(r => ({ ...named(lowering, ids.room(r), r), grade: r.grade ?? null })),
        equipment: site.members.filter(isEquipment).map(e => ({ ...named(lowering, ids.equipment(e), e), room: lowering.ref(e.room, ids.room) })),
        storage: site.members.filter(isStorageLocation).map(s => ({
            ...named(lowering, ids.storage(s), s),
            temperature: range(s.temperature) ?? { min: null, max: null, minExclusive: false, maxExclusive: false, text: '' },
        })),
    };
}

function lowerMaterial(lowering: Lowering, material: AstMaterial): Material {
    const storage = material.members.find(isMaterialStorage);
    if (storage) lowering.at(`${ids.material(material)}/storage`, storage);
    return {
        ...named(lowering, ids.material(material), material),
        origin: (material.members.find(isMaterialOrigin)?.origin as Material['origin'] | undefined) ?? null,
        container: material.members.find(isMaterialContainer)?.container ?? null,
        storage: range(storage?.range),
        stability: quantity(material.members.find(isMaterialStability)?.limit),
    };
}

function lowerAssay(lowering: Lowering, assay: AstAssay): Assay {
    const result = assay.members.find(isAssayResult)?.type;
    return {
        ...named(lowering, ids.assay(assay), assay),
        method: assay.members.find(isAssayMethod)?.method ?? null,
        turnaround: quantity(assay.members.find(isAssayTurnaround)?.turnaround),
        result: isQuantityResult(result) ? { kind: 'quantity', unit: canonicalUnit(result.unit), display: result.unit }
            : isChoiceResult(result) ? { kind: 'choice', choices: result.choices.map(c => c.name) }
            : isTextResult(result) ? { kind: 'text' }
            : null,
    };
}
