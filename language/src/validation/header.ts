/**
 * The process header: version, product type, identifier format, vein-to-vein budget and the
 * effective date. What a master batch record states on its first page.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType, Process } from '../generated/ast.js';
import { isBudgetField, isEffectiveField, isIdentityField, isProductField, isVersionField } from '../generated/ast.js';
import { IDENTITY_FORMATS, identityFormat } from '../identity/index.js';
import { expectKind } from './quantities.js';
import { report } from './report.js';

const KNOWN_FORMATS = [...IDENTITY_FORMATS.keys()].join(', ');

export const headerChecks: ValidationChecks<CoilAstType> = {
    Process: (process: Process, accept) => {
        const header = process.header;
        const version = header.find(isVersionField);
        if (!version) {
            report(accept, 'COIL-H001', `Process ${process.name} has no version. Add 'version 1.0.0': every batch record names the master record version it was made under.`, { node: process, property: 'name' });
        } else if (version.version && !SEMVER.test(version.version)) {
            report(accept, 'COIL-H001', `'${version.version}' is not a valid version: write major.minor.patch as numbers without leading zeros (e.g. 1.2.0), optionally with a pre-release label such as 1.2.0-rc.1.`, { node: version, property: 'version' });
        }
        if (!header.some(isProductField)) {
            report(accept, 'COIL-H002', `Process ${process.name} does not say its product type. Add 'product autologous' or 'product allogeneic'.`, { node: process, property: 'name' });
        }
        const identity = header.find(isIdentityField);
        if (!identity) {
            report(accept, 'COIL-I005', `Process ${process.name} does not say how batches are identified. Add 'identity isbt128' (or one of: ${KNOWN_FORMATS}).`, { node: process, property: 'name' });
        } else if (identity.format !== undefined && !identityFormat(identity.format)) {
            report(accept, 'COIL-I001', `'${identity.format}' is not an identifier format Coil knows. Use one of: ${KNOWN_FORMATS}.`, { node: identity, property: 'format' });
        }
        const budget = header.find(isBudgetField);
        // An allogeneic lot has no single patient: its clock runs per recipient, from order to infusion.
        const allogeneic = header.find(isProductField)?.product === 'allogeneic';
        if (!budget && !allogeneic) {
            report(accept, 'COIL-H003', `Process ${process.name} has no vein-to-vein budget. Add e.g. 'vein_to_vein within 28 d' so that timing can be checked against it.`, { node: process, property: 'name' });
        } else if (budget) {
            expectKind(budget.budget, 'duration', 'The vein-to-vein budget', accept);
        }
        const effective = header.find(isEffectiveField);
        if (effective && !/^\d{4}-\d{2}-\d{2}$/.test(effective.date)) {
            report(accept, 'COIL-H004', `The effective date "${effective.date}" is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-01".`, { node: effective, property: 'date' });
        } else if (effective && !isCalendarDay(effective.date)) {
            report(accept, 'COIL-H004', `The effective date "${effective.date}" is not a day of the calendar; check the month and the day.`, { node: effective, property: 'date' });
        }
    },
};

/** Semantic versioning 2.0.0, without build metadata (the grammar has no '+'). */
const IDENTIFIER = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const SEMVER = new RegExp(`^(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-${IDENTIFIER}(?:\\.${IDENTIFIER})*)?$`);

/** A YYYY-MM-DD text that names a real day (no 30 February). */
function isCalendarDay(text: string): boolean {
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}
