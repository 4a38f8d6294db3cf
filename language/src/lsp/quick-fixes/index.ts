/** Every quick fix Coil offers, found by the code of the diagnostic it fixes or by its id. */
import type { QuickFix } from './quick-fix.js';
import { custodyFixes } from './custody-fixes.js';
import { deviationFixes } from './deviation-fixes.js';
import { headerFixes } from './header-fixes.js';
import { nameFixes } from './name-fixes.js';
import { quantityFixes } from './quantity-fixes.js';

export type { FixEdit, FixSite, Offer, QuickFix } from './quick-fix.js';
export { nodeOfDiagnostic } from './quick-fix.js';

const ALL: readonly QuickFix[] = [...nameFixes, ...custodyFixes, ...quantityFixes, ...deviationFixes, ...headerFixes];

const BY_CODE = new Map<string, QuickFix[]>();
for (const fix of ALL) {
    for (const code of fix.codes) BY_CODE.set(code, [...(BY_CODE.get(code) ?? []), fix]);
}

const BY_ID = new Map(ALL.map(fix => [fix.id, fix]));

/** The fixes for a diagnostic's code, in the order the editor lists them. */
export function fixesFor(code: unknown): readonly QuickFix[] {
    return typeof code === 'string' ? BY_CODE.get(code) ?? [] : [];
}

export function fixById(id: unknown): QuickFix | undefined {
    return typeof id === 'string' ? BY_ID.get(id) : undefined;
}
