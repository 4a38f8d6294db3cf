/**
 * The scenario runner on its own (`@coil/runtime/scenario`): the engine on a virtual clock with the
 * in-memory store, and the reports. It never loads the SQLite or PostgreSQL stores, so that an
 * editor's language server can bundle it without native modules.
 */
export { runScenario, scenarioEpoch, type ScenarioResult, type ScenarioFailure, type ScenarioOptions } from './runner.js';
export { renderTimeline, type TimelineLine } from './timeline.js';
export { renderText, renderJunit, renderJson, SCENARIO_FORMATS, type ScenarioFormat, type ScenarioReport } from './report.js';
export { MemoryStore } from '../store/memory.js';
