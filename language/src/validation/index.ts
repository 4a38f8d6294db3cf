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

/** A set of checks registered together; the compiler's analyses add theirs as one. */
export interface ValidationModule {
    readonly checks: ValidationChecks<CoilAstType>;
}

export function addValidationModule(services: CoilServices, module: ValidationModule): void {
    services.validation.ValidationRegistry.register(module.checks);
}

export function registerValidationChecks(services: CoilServices): void {
    const modules: ValidationModule[] = [
        { checks: nameChecks(services.shared.workspace.IndexManager) },
        { checks: headerChecks },
        { checks: unitChecks },
        { checks: identityChecks },
        { checks: flowChecks },
        { checks: holdChecks },
        { checks: transferChecks },
        { checks: qcReleaseChecks },
        { checks: deviationChecks },
        { checks: signatureChecks },
        { checks: siteChecks },
        { checks: scenarioChecks },
    ];
    modules.forEach(m => addValidationModule(services, m));
}
