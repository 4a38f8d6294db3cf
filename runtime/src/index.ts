/**
 * The Coil runtime: executes compiled workflows batch by batch. It reads only the IR
 * (`@coil/compiler/ir`), never Coil source.
 */
export * from './engine/types.js';
export * from './engine/state.js';
export { Definition, definitionOf } from './engine/definition.js';
export { decide, TRANSFER_MEANINGS } from './engine/decide.js';
export { evolve, replay } from './engine/evolve.js';
export { REFUSALS, type RefusalCode } from './engine/codes.js';
export * from './engine/views.js';
export { Runtime, DefinitionError, type CommandOutcome, type RuntimeOptions } from './runtime.js';
export { VirtualClock, systemClock, type Clock } from './clock.js';
export { chain, eventHash, signatureHash, verifyBatch, GENESIS, AUDIT_CODES, type StoredSignature, type VerifyIssue } from './audit.js';
export { ConcurrencyError, DuplicateCommandError, type Store, type Commit, type BatchRow, type TimerRow, type StoredOutcome, type PositionedEvent } from './store/store.js';
export { MemoryStore } from './store/memory.js';
