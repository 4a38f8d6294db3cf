// Loaded with `node --import` before langium-cli: chevrotain 13 calls Object.groupBy, which Node 20 lacks.
import 'core-js/actual/object/group-by.js';
import 'core-js/actual/map/group-by.js';
