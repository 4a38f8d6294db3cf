/**
 * Fixes for the process header, what a master batch record states on its first page: a first
 * version, the product type and the identifier format. Where there are two answers (autologous or
 * allogeneic), both are offered and neither is preferred: the process engineer chooses.
 */
import type { AstNode } from 'langium';
import type { Code } from '../../diagnostics/codes.js';
import { isIdentityField, isProcess, isProductField, isVersionField, type Process } from '../../generated/ast.js';
import { insertLines, linePlace, placeAfter, type LinePlace } from './placement.js';
import { editOrNone, nodeAt, type FixSite, type QuickFix } from './quick-fix.js';

interface HeaderField {
    readonly code: Code;
    /** The line to add, e.g. `product autologous`. */
    readonly line: string;
    readonly preferred: boolean;
    /** Whether the process lacks the field: the fix applies only then. */
    readonly missing: (process: Process) => boolean;
    /** The version opens the header; other fields follow the last one there. */
    readonly first?: boolean;
}

function firstInText(nodes: ReadonlyArray<AstNode | undefined>): AstNode | undefined {
    return nodes.filter((n): n is AstNode => n?.$cstNode !== undefined).sort((a, b) => a.$cstNode!.offset - b.$cstNode!.offset)[0];
}

function placeInHeader(site: FixSite, process: Process, first: boolean): LinePlace | undefined {
    const last = process.header.at(-1);
    if (last && !first) return placeAfter(site.document, last);
    return linePlace(site.document, process, firstInText([process.header[0], process.elements[0]]));
}

function addHeaderField(field: HeaderField): QuickFix {
    const missingFrom = (site: FixSite) => {
        const process = nodeAt(site, isProcess);
        return process && field.missing(process) ? process : undefined;
    };
    return {
        id: `header-${field.line.replace(/\s+/g, '-')}`,
        codes: [field.code],
        offer(site) {
            const process = missingFrom(site);
            return process ? { title: `Add '${field.line}' to the header of ${process.name}`, preferred: field.preferred } : undefined;
        },
        edit(site) {
            const process = missingFrom(site);
            const place = process && placeInHeader(site, process, field.first ?? false);
            return editOrNone(place && insertLines(site.document, place, [field.line]));
        },
    };
}

const noVersion = (p: Process) => !p.header.some(isVersionField);
const noProduct = (p: Process) => !p.header.some(isProductField);
const noIdentity = (p: Process) => !p.header.some(isIdentityField);

export const headerFixes: readonly QuickFix[] = [
    addHeaderField({ code: 'COIL-H001', line: 'version 1.0.0', preferred: true, missing: noVersion, first: true }),
    addHeaderField({ code: 'COIL-H002', line: 'product autologous', preferred: false, missing: noProduct }),
    addHeaderField({ code: 'COIL-H002', line: 'product allogeneic', preferred: false, missing: noProduct }),
    addHeaderField({ code: 'COIL-I005', line: 'identity isbt128', preferred: false, missing: noIdentity }),
    addHeaderField({ code: 'COIL-I005', line: 'identity isbt128_coi', preferred: false, missing: noIdentity }),
];
