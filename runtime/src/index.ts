/**
 * The Coil runtime: executes compiled workflows batch by batch. It reads only the IR
 * (`@coil/compiler/ir`), never Coil source.
 */
export * from './engine/types.js';
export * from './engine/state.js';
export { Definition, definitionOf } from './engine/definition.js';
export { decide, decideWithState, TRANSFER_MEANINGS } from './engine/decide.js';
export { evolve, replay } from './engine/evolve.js';
export { REFUSALS, type RefusalCode } from './engine/codes.js';
export { commandProblem, isWellFormed } from './engine/command-shape.js';
export * from './engine/views.js';
export { Runtime, DefinitionError, fireCommand, type CommandOutcome, type RuntimeOptions, type ExecuteOptions } from './runtime.js';
export { VirtualClock, systemClock, type Clock } from './clock.js';
export { chain, eventHash, signatureHash, verifyBatch, GENESIS, AUDIT_CODES, type StoredSignature, type VerifyIssue } from './audit.js';
export { ConcurrencyError, DuplicateCommandError, SchemaVersionError, type Store, type Commit, type BatchRow, type TimerRow, type StoredOutcome, type PositionedEvent } from './store/store.js';
export { MemoryStore } from './store/memory.js';
export { runScenario, scenarioEpoch, refusalMatches, type ScenarioResult, type ScenarioFailure, type ScenarioOptions } from './scenario/runner.js';
export { runAutopilot, nominalReading, type AutopilotOptions, type AutopilotResult } from './scenario/autopilot.js';
export { Plant, nominalValue, nominalResult, inside, outside, type Issued, type Executor } from './scenario/plant.js';
export { Cast } from './scenario/cast.js';
export { renderTimeline, eventLine, describeEvent, offsetText, type TimelineLine } from './scenario/timeline.js';
export { renderText, renderJunit, renderJson, SCENARIO_FORMATS, type ScenarioFormat, type ScenarioReport } from './scenario/report.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export { PostgresStore } from './store/postgres.js';
