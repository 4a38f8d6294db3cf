/**
 * Fixes for deviations: declare the deviation a trigger raises, say who dispositions a deviation,
 * and let a critical one block release.
 */
import type { LangiumSharedServices } from 'langium/lsp';
import { isBlocksRelease, isDeviation, isDisposition, isProcess, isRelease, isScenario, type Process } from '../../generated/ast.js';
import { appendLine, INDENT, insertLines, linePlace, removeWithLine } from './placement.js';
import { editOrNone, nodeAt, titleFromName, unresolvedName, type QuickFix } from './quick-fix.js';

/**
 * Who decides on a new deviation: the role that dispositions most of the process's deviations,
 * else the releasing role, else any role of the workspace. With no role anywhere, QAReviewer is
 * written, and reported as unknown until the library declares it.
 */
function accountableRole(process: Process, shared: LangiumSharedServices): string {
    const uses = new Map<string, number>();
    for (const action of process.elements.filter(isDeviation).flatMap(d => d.actions)) {
        const role = isDisposition(action) ? action.role?.ref?.name : undefined;
        if (role) uses.set(role, (uses.get(role) ?? 0) + 1);
    }
    const mostUsed = [...uses].sort((a, b) => b[1] - a[1])[0]?.[0];
    return mostUsed ?? process.elements.find(isRelease)?.role?.ref?.name ?? shared.workspace.IndexManager.allElements('Role').head()?.name ?? 'QAReviewer';
}

function disposition(process: Process, shared: LangiumSharedServices): string {
    return `disposition by ${accountableRole(process, shared)} options continue, reject`;
}

/** COIL-D001: declares the deviation after the process's other deviations (or before its scenarios), major until reviewed. */
const declareDeviation: QuickFix = {
    id: 'declare-deviation',
    codes: ['COIL-D001'],
    offer(site) {
        const name = unresolvedName(site.diagnostic);
        const process = nodeAt(site, isProcess);
        return name && process ? { title: `Declare deviation ${name.refText} in process ${process.name}`, preferred: !name.suggestion } : undefined;
    },
    edit(site, shared) {
        const name = unresolvedName(site.diagnostic)?.refText;
        const process = nodeAt(site, isProcess);
        if (!name || !process) return undefined;
        const last = process.elements.filter(isDeviation).at(-1);
        const before = last ? process.elements[process.elements.indexOf(last) + 1] : process.elements.find(isScenario);
        const place = linePlace(site.document, process, before);
        const lines = [`deviation ${name} "${titleFromName(name)}" severity major {`, `${INDENT}${disposition(process, shared)}`, '}'];
        return editOrNone(place && insertLines(site.document, place, lines, true));
    },
};

/** COIL-D002: a deviation that never ends gets a disposition by the process's accountable role. */
const addDisposition: QuickFix = {
    id: 'add-disposition',
    codes: ['COIL-D002'],
    offer(site) {
        const deviation = nodeAt(site, isDeviation);
        return deviation ? { title: `Say who decides on ${deviation.name}: add a disposition (continue or reject)`, preferred: true } : undefined;
    },
    edit(site, shared) {
        const deviation = nodeAt(site, isDeviation);
        const process = nodeAt(site, isProcess);
        return deviation && process && editOrNone(appendLine(site.document, deviation, disposition(process, shared)));
    },
};

/** COIL-D003: critical deviations always block release, so `does not block release` goes. */
const letCriticalBlockRelease: QuickFix = {
    id: 'let-critical-block-release',
    codes: ['COIL-D003'],
    offer(site) {
        const deviation = nodeAt(site, isBlocksRelease) && nodeAt(site, isDeviation);
        return deviation ? { title: `Let critical deviation ${deviation.name} block release: remove 'does not block release'`, preferred: true } : undefined;
    },
    edit(site) {
        const blocks = nodeAt(site, isBlocksRelease)?.$cstNode;
        return blocks && [removeWithLine(site.document, blocks)];
    },
};

export const deviationFixes: readonly QuickFix[] = [declareDeviation, addDisposition, letCriticalBlockRelease];
