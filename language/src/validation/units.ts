/**
 * Every quantity in its place: unknown units, range ends, and the kind of quantity each
 * property needs (durations for limits and turnarounds, temperatures for storage and transport).
 */
import type { ValidationChecks } from 'langium';
import type { CoilAstType } from '../generated/ast.js';
import { checkQuantityUnit, checkTwoSidedRange, checkUnit, expectKind, expectRangeKind } from './quantities.js';

export const unitChecks: ValidationChecks<CoilAstType> = {
    Quantity: (q, accept) => checkQuantityUnit(q, accept),
    QuantityParameter: (p, accept) => checkUnit(p, p.unit, accept),
    QuantityResult: (r, accept) => checkUnit(r, r.unit, accept),
    TwoSidedRange: (range, accept) => checkTwoSidedRange(range, accept),
    DurationSpec: (d, accept) => expectRangeKind(d.range, 'duration', 'A step duration', accept),
    MaterialStability: (s, accept) => expectKind(s.limit, 'duration', 'A material stability', accept),
    MaterialStorage: (s, accept) => expectRangeKind(s.range, 'temperature', 'A storage range', accept),
    StorageLocation: (s, accept) => expectRangeKind(s.temperature, 'temperature', 'A storage location temperature', accept),
    AssayTurnaround: (t, accept) => expectKind(t.turnaround, 'duration', 'An assay turnaround', accept),
    QcTest: (t, accept) => expectKind(t.turnaround, 'duration', 'A test turnaround', accept),
    TransferLimit: (t, accept) => expectKind(t.limit, 'duration', 'A transfer time limit', accept),
    TransferCondition: (t, accept) => expectRangeKind(t.range, 'temperature', 'A transport temperature', accept),
    TransferAction: (t, accept) => expectKind(t.reading, 'temperature', 'A temperature reading', accept),
    Hold: (h, accept) => {
        expectKind(h.min, 'duration', 'A hold minimum', accept);
        expectKind(h.max, 'duration', 'A hold maximum', accept);
        expectRangeKind(h.storage, 'temperature', 'A hold storage temperature', accept);
    },
    ExceptionalRelease: (r, accept) => expectKind(r.notifyWithin, 'duration', 'The authority notification limit', accept),
    // `at 0 h` is the batch start, so zero is a valid scenario time.
    ScenarioEntry: (e, accept) => expectKind(e.time, 'duration', 'A scenario time', accept, { allowZero: true }),
};
