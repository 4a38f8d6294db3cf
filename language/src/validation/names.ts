/**
 * Names are unique where they are visible: shared declarations across the workspace, steps,
 * transfers, decisions, deviations and QC plans within a process, parameters within a step,
 * rooms, equipment and storage within a site. Singular properties are given once.
 */
import { AstUtils, UriUtils, type AstNode, type IndexManager, type ValidationAcceptor, type ValidationChecks } from 'langium';
import type { CoilAstType, Model, Process, Site, Step, Material, Assay, Transfer } from '../generated/ast.js';
import { isScenario, isTransferIdentity, isTransferSignature } from '../generated/ast.js';
import { flowInOrder, parametersOf } from '../process-model.js';
import { report } from './report.js';

type Named = AstNode & { name: string };

function reportDuplicates(nodes: Iterable<Named>, what: string, accept: ValidationAcceptor, where?: string): void {
    const seen = new Map<string, Named>();
    for (const node of nodes) {
        if (!node.name) continue;
        const first = seen.get(node.name);
        if (first) {
            const line = (first.$cstNode?.range.start.line ?? 0) + 1;
            report(accept, 'COIL-N001', `${what} '${node.name}' is declared twice${where ? ` in ${where}` : ''}; the first is on line ${line}. Rename one of them.`, { node, property: 'name' });
        } else {
            seen.set(node.name, node);
        }
    }
}

/** Properties that may be given at most once, keyed by the node type that holds them. */
function reportRepeatedProperties(owner: string, members: AstNode[], keywordOf: Record<string, string>, accept: ValidationAcceptor): void {
    const seen = new Set<string>();
    for (const member of members) {
        const keyword = keywordOf[member.$type];
        if (!keyword) continue;
        if (seen.has(member.$type)) {
            report(accept, 'COIL-N002', `${owner} gives '${keyword}' more than once; keep one.`, { node: member });
        }
        seen.add(member.$type);
    }
}

const SHARED_KINDS: Record<string, string> = {
    Site: 'Site', Role: 'Role', Qualification: 'Qualification', Material: 'Material', Assay: 'Assay', Process: 'Process',
};

const SHADOWABLE: Record<string, string> = {
    Site: 'Site', Role: 'Role', Qualification: 'Qualification', Material: 'Material', Assay: 'Assay',
};

export function nameChecks(indexManager: IndexManager): ValidationChecks<CoilAstType> {
    return {
        Model: (model: Model, accept) => {
            // Within the file, and against the other files of the workspace.
            const uri = AstUtils.getDocument(model).uri.toString();
            for (const kind of Object.keys(SHARED_KINDS)) {
                const local = model.elements.filter(e => e.$type === kind) as Named[];
                reportDuplicates(local, SHARED_KINDS[kind], accept);
                if (local.length === 0) continue;
                // The other file is named by its path relative to this file's folder.
                const here = UriUtils.dirname(AstUtils.getDocument(model).uri);
                const elsewhere = new Map<string, string>();
                for (const d of indexManager.allElements(kind)) {
                    if (d.documentUri.toString() !== uri) elsewhere.set(d.name, UriUtils.relative(here, d.documentUri));
                }
                for (const node of local) {
                    const file = elsewhere.get(node.name);
                    if (file) report(accept, 'COIL-N001', `${SHARED_KINDS[kind]} '${node.name}' is also declared in ${file}; names of shared declarations are unique in a workspace.`, { node, property: 'name' });
                }
            }
        },
        Process: (process: Process, accept) => {
            reportDuplicates(flowInOrder(process) as Named[], 'Step, transfer or decision', accept, `process ${process.name}`);
            for (const kind of ['Deviation', 'Qc', 'Site', 'Role', 'Qualification', 'Material', 'Assay']) {
                reportDuplicates(process.elements.filter(e => e.$type === kind) as Named[], kind === 'Qc' ? 'QC plan' : kind, accept, `process ${process.name}`);
            }
            // A declaration inside the process replaces a shared one of the same name for the whole
            // process, silently changing what its steps refer to (a material's origin, say).
            for (const element of process.elements) {
                const kind = SHADOWABLE[element.$type];
                if (!kind) continue;
                const name = (element as Named).name;
                if (!name) continue;
                const shared = indexManager.allElements(element.$type).find(d => d.name === name);
                if (shared) {
                    const file = UriUtils.relative(UriUtils.dirname(AstUtils.getDocument(process).uri), shared.documentUri);
                    report(accept, 'COIL-N003', `${kind} '${name}' hides the shared ${kind.toLowerCase()} of that name declared in ${file}, so this process would silently use a different one. Rename it, or delete it and use the shared declaration.`, { node: element, property: 'name' });
                }
            }
            const titles = new Map<string, AstNode>();
            for (const scenario of process.elements.filter(isScenario)) {
                if (titles.has(scenario.title)) {
                    report(accept, 'COIL-S005', `Two scenarios are titled "${scenario.title}"; titles name the tests in reports, so make them unique.`, { node: scenario, property: 'title' });
                }
                titles.set(scenario.title, scenario);
            }
            reportRepeatedProperties(`Process ${process.name}`, process.header, {
                VersionField: 'version', ProductField: 'product', IdentityField: 'identity', BudgetField: 'vein_to_vein', EffectiveField: 'effective',
            }, accept);
        },
        ChoiceParameter: (parameter, accept) => reportDuplicates(parameter.choices, 'Choice', accept),
        ChoiceResult: (result, accept) => reportDuplicates(result.choices, 'Choice', accept),
        Site: (site: Site, accept) => {
            reportDuplicates(site.members, 'Room, equipment or storage', accept, `site ${site.name}`);
        },
        Step: (step: Step, accept) => {
            reportDuplicates(parametersOf(step), 'Parameter', accept, `step ${step.name}`);
            reportRepeatedProperties(`Step ${step.name}`, step.members, { DurationSpec: 'duration' }, accept);
        },
        Transfer: (transfer: Transfer, accept) => {
            reportRepeatedProperties(`Transfer ${transfer.name}`, transfer.members, {
                TransferLimit: 'within', TransferCondition: 'keep',
            }, accept);
            // 'sign' and 'verify identity' may be split over lines, one per party or end, but each is given once.
            const ends = new Set<string>();
            for (const check of transfer.members.filter(isTransferIdentity)) {
                check.ends.forEach((end, index) => {
                    if (ends.has(end)) report(accept, 'COIL-N002', `Transfer ${transfer.name} verifies identity at ${end} more than once; keep one.`, { node: check, property: 'ends', index });
                    ends.add(end);
                });
            }
            const parties = new Set<string>();
            for (const signature of transfer.members.filter(isTransferSignature)) {
                for (const party of signature.parties) {
                    if (parties.has(party.end)) report(accept, 'COIL-N002', `Transfer ${transfer.name} names its ${party.end} more than once; keep one.`, { node: party });
                    parties.add(party.end);
                }
            }
        },
        Material: (material: Material, accept) => {
            reportRepeatedProperties(`Material ${material.name}`, material.members, {
                MaterialOrigin: 'origin', MaterialContainer: 'container', MaterialStorage: 'storage', MaterialStability: 'stability',
            }, accept);
        },
        Assay: (assay: Assay, accept) => {
            reportRepeatedProperties(`Assay ${assay.name}`, assay.members, {
                AssayMethod: 'method', AssayTurnaround: 'turnaround', AssayResult: 'result',
            }, accept);
        },
    };
}
