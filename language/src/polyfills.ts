/**
 * Node 20 lacks Object.groupBy and Map.groupBy, which chevrotain 13 (pinned by Langium 4.4) calls.
 * Every entry point imports this module first.
 */
import 'core-js/actual/object/group-by.js';
import 'core-js/actual/map/group-by.js';
