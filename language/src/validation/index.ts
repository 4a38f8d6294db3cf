/**
 * The language's validation modules, one per concern. Other packages (the compiler's analyses)
 * join the same reporting path with `addValidationModule`.
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType } from '../generated/ast.js';
import type { CoilServices } from '../coil-module.js';
import { deviationChecks } from './deviations.js';
import { flowChecks } from './flow.js';
import { headerChecks } from './header.js';
import { holdChecks } from './holds.js';
import { identityChecks } from './identity.js';
import { nameChecks } from './names.js';
import { qcReleaseChecks } from './qc-release.js';
import { scenarioChecks } from './scenarios.js';
import { signatureChecks } from './signatures.js';
import { siteChecks } from './sites.js';
import { transferChecks } from './transfers.js';
import { unitChecks } from './units.js';

export interface ValidationModule {
    readonly name: string;
    readonly checks: ValidationChecks<CoilAstType>;
}

export function addValidationModule(services: CoilServices, module: ValidationModule): void {
    services.validation.ValidationRegistry.register(module.checks);
    services.validation.modules.push(module);
}

export function registerValidationChecks(services: CoilServices): void {
    const modules: ValidationModule[] = [
        { name: 'names', checks: nameChecks(services.shared.workspace.IndexManager) },
        { name: 'header', checks: headerChecks },
        { name: 'units', checks: unitChecks },
        { name: 'identity', checks: identityChecks },
        { name: 'flow', checks: flowChecks },
        { name: 'holds', checks: holdChecks },
        { name: 'transfers', checks: transferChecks },
        { name: 'qc-release', checks: qcReleaseChecks },
        { name: 'deviations', checks: deviationChecks },
        { name: 'signatures', checks: signatureChecks },
        { name: 'sites', checks: siteChecks },
        { name: 'scenarios', checks: scenarioChecks },
    ];
    modules.forEach(m => addValidationModule(services, m));
}
