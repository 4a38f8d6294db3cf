/** The Coil language package: grammar, AST, services, validation and the `check` pipeline. */
export * from './generated/ast.js';
export { CoilLanguageMetaData } from './generated/module.js';
export { createCoilServices, CoilModule, type CoilServices } from './coil-module.js';
export { addValidationModule, type ValidationModule } from './validation/index.js';
export { report } from './validation/report.js';
export { CODES, docsPath, isCode, type Code, type CodeInfo, type Severity } from './diagnostics/codes.js';
export { compareDiagnostics, type Diagnostic, type Position } from './diagnostics/diagnostic.js';
export { hasSyntaxErrors, syntaxErrorOffsets } from './diagnostics/syntax-errors.js';
export { checkPaths, buildWorkspace, toCoilDiagnostic, type CheckOptions, type CheckResult, type CheckedFile } from './workspace/check.js';
export {
    CoilInputError, findProject, INPUT_ERRORS, isInputErrorCode, listCoilFiles, readProject, PROJECT_FILE,
    type InputErrorCode, type Project,
} from './workspace/project.js';
export { flowInOrder, membersOfType, parametersOf, processOf, stepsOf } from './process-model.js';
export { canonical, formatQuantity, formatRange, parameterUnit, rangeQuantities, unitOf } from './validation/quantities.js';
