/**
 * The Coil compiler: AST -> `coil-ir/1` workflow, the whole-process analyses, the emitters, and
 * the diagnostic report formats. The runtime imports only the IR parts (types, schema, digest).
 */
export { REPORTERS, FORMAT_NAMES, type FormatName, type Reporter, type ReportOptions } from './report/index.js';
export * from './ir/types.js';
export { canonicalJson, digestOf, serialise, sign, signAndSerialise } from './ir/digest.js';
export { anchorOf, anchorRange, locationsOf, lowerProcess, type Lowered, type Locate } from './lower/index.js';
export { compilePaths, locateInWorkspace, type CompiledProcess, type CompileResult } from './compile.js';
export { analyse, ANALYSES, ANALYSIS_CODES, scheduleOf, type Analysis, type Finding, type Schedule } from './analyses/index.js';
export { analysisModule, FindingCache, type AnalysisModuleOptions } from './analyses/module.js';
export { validateWorkflow, validateSourceMap, verifyWorkflow, IR_SCHEMA, SOURCE_MAP_SCHEMA, type SchemaError, type Validation, type Verification, type VerifyCode } from './ir/validate.js';
export { renderBatchRecord, type BatchRecordOptions } from './emit/doc/index.js';
export { graphView, type GraphView } from './emit/graph-model.js';
export { toMermaid } from './emit/mermaid.js';
export { toDot } from './emit/dot.js';
export { renderSvg } from './emit/svg.js';
