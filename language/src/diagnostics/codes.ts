/**
 * Every diagnostic Coil reports has a stable code from this table. Codes never change meaning;
 * retired codes are not reused. docs/diagnostics.md documents each one (a test keeps them in step).
 */

export type Severity = 'error' | 'warning' | 'info';

export interface CodeInfo {
    readonly severity: Severity;
    /** A short title, as in the documentation's heading. */
    readonly title: string;
}

export const CODES = {
    // Parsing
    'COIL-P001': { severity: 'error', title: 'Syntax error' },
    'COIL-P002': { severity: 'error', title: 'Unexpected character' },
    // Names and references
    'COIL-N001': { severity: 'error', title: 'Duplicate name' },
    'COIL-N002': { severity: 'error', title: 'Property given twice' },
    'COIL-N003': { severity: 'error', title: 'Declaration hides a shared one' },
    'COIL-R001': { severity: 'error', title: 'Unknown name' },
    // Process header
    'COIL-H001': { severity: 'error', title: 'Missing or invalid version' },
    'COIL-H002': { severity: 'error', title: 'Missing product type' },
    'COIL-H003': { severity: 'warning', title: 'No vein-to-vein budget' },
    'COIL-H004': { severity: 'error', title: 'Invalid effective date' },
    // Identity (chain of identity)
    'COIL-I001': { severity: 'error', title: 'Unknown identifier format' },
    'COIL-I002': { severity: 'error', title: 'Transfer end without identity verification' },
    'COIL-I003': { severity: 'error', title: 'Identifier does not match the declared format' },
    'COIL-I004': { severity: 'warning', title: 'Patient material handled without identity verification' },
    'COIL-I005': { severity: 'error', title: 'Missing identifier format' },
    'COIL-I006': { severity: 'error', title: 'Identity not verified, without a reason' },
    // Units and quantities
    'COIL-U001': { severity: 'error', title: 'Unknown unit' },
    'COIL-U002': { severity: 'error', title: 'Wrong kind of quantity' },
    'COIL-U003': { severity: 'error', title: 'Minimum above maximum' },
    'COIL-U004': { severity: 'error', title: 'Range ends measure different things' },
    'COIL-U005': { severity: 'error', title: 'Duration not positive' },
    'COIL-U006': { severity: 'error', title: 'Count not a positive whole number' },
    'COIL-U007': { severity: 'error', title: 'Number too large' },
    // Sites and locations
    'COIL-L001': { severity: 'error', title: 'Unknown room grade' },
    'COIL-L002': { severity: 'error', title: 'Equipment not at the step\'s site' },
    'COIL-L003': { severity: 'warning', title: 'Step without a location' },
    // Materials
    'COIL-M001': { severity: 'warning', title: 'Material without origin' },
    'COIL-M002': { severity: 'error', title: 'Temperature outside the material\'s storage range' },
    // Steps and flow
    'COIL-F001': { severity: 'error', title: 'Step without a performing role' },
    'COIL-F002': { severity: 'warning', title: 'Step without a duration' },
    'COIL-F003': { severity: 'error', title: 'Activity depends on itself' },
    'COIL-F004': { severity: 'error', title: 'Unbounded loop' },
    'COIL-F005': { severity: 'error', title: 'Decision condition does not fit the parameter' },
    'COIL-F006': { severity: 'error', title: 'Decision on a value that cannot be compared' },
    'COIL-F007': { severity: 'warning', title: 'Process without steps' },
    'COIL-F008': { severity: 'warning', title: 'Empty parallel block' },
    'COIL-F009': { severity: 'error', title: 'Decision before the value it reads' },
    'COIL-F010': { severity: 'warning', title: 'Decision branch that can never be taken' },
    'COIL-F011': { severity: 'error', title: 'Activity that can never be reached' },
    'COIL-F012': { severity: 'error', title: 'Way through the process that skips release' },
    'COIL-F013': { severity: 'error', title: 'Activities that wait for each other' },
    'COIL-F014': { severity: 'warning', title: 'Process without a release' },
    // Holds and timing
    'COIL-T001': { severity: 'error', title: 'Hold without a limit' },
    'COIL-T002': { severity: 'error', title: 'Hold minimum above maximum' },
    'COIL-T003': { severity: 'warning', title: 'Hold on a material its activities do not handle' },
    'COIL-T004': { severity: 'error', title: 'Event does not belong to the activity' },
    'COIL-T005': { severity: 'error', title: 'Hold ends before it starts' },
    'COIL-T006': { severity: 'error', title: 'Fastest path exceeds the vein-to-vein budget' },
    'COIL-T007': { severity: 'warning', title: 'Slowest path exceeds the vein-to-vein budget' },
    'COIL-T008': { severity: 'error', title: 'Hold shorter than the work between its events' },
    'COIL-T009': { severity: 'error', title: 'Transfer longer than the material is stable' },
    // Transfers (chain of custody)
    'COIL-C001': { severity: 'warning', title: 'Transfer without a time limit' },
    'COIL-C002': { severity: 'error', title: 'Transfer to where the material already is' },
    'COIL-C003': { severity: 'warning', title: 'Transfer without temperature limits' },
    'COIL-C004': { severity: 'error', title: 'Transfer without sender and receiver signatures' },
    'COIL-C005': { severity: 'error', title: 'Sender and receiver are the same role' },
    'COIL-C006': { severity: 'error', title: 'Material changes site without a transfer' },
    'COIL-C007': { severity: 'error', title: 'Transfer from where the material is not' },
    // QC and release
    'COIL-Q001': { severity: 'error', title: 'Unknown assay' },
    'COIL-Q002': { severity: 'error', title: 'Released on an assay no QC plan tests' },
    'COIL-Q003': { severity: 'error', title: 'Specification does not fit the assay result' },
    'COIL-Q004': { severity: 'error', title: 'Assay without a result type' },
    'COIL-Q005': { severity: 'error', title: 'Release without a signature' },
    'COIL-Q006': { severity: 'error', title: 'Exceptional release without physician acceptance' },
    'COIL-Q007': { severity: 'warning', title: 'Release with no conditions' },
    'COIL-Q008': { severity: 'warning', title: 'Assay without a turnaround' },
    'COIL-Q009': { severity: 'error', title: 'Release requires QC, but no QC plan exists' },
    'COIL-Q010': { severity: 'error', title: 'QC sampled after release' },
    'COIL-Q011': { severity: 'warning', title: 'Assay pending at release with no deviation on failure' },
    'COIL-Q012': { severity: 'error', title: 'Goto skips the step a required QC plan samples' },
    // Deviations
    'COIL-D001': { severity: 'error', title: 'Unknown deviation' },
    'COIL-D002': { severity: 'error', title: 'Deviation without a disposition' },
    'COIL-D003': { severity: 'error', title: 'Critical deviation that does not block release' },
    'COIL-D004': { severity: 'error', title: 'Rework option without a rework action' },
    'COIL-D005': { severity: 'error', title: 'Deviation trigger that can never fire' },
    'COIL-D006': { severity: 'warning', title: 'Limit that raises no deviation' },
    'COIL-D007': { severity: 'warning', title: 'Deviation that nothing raises' },
    // Signatures and verification (Part 11)
    'COIL-V001': { severity: 'error', title: 'Verifier signature without a verifier' },
    'COIL-V002': { severity: 'error', title: 'Role verifies its own work' },
    'COIL-V003': { severity: 'warning', title: 'Verifier who does not sign' },
    'COIL-V004': { severity: 'error', title: 'Signature party not valid here' },
    // Scenarios
    'COIL-S001': { severity: 'error', title: 'Scenario names an unknown step' },
    'COIL-S002': { severity: 'error', title: 'Scenario does not start a batch' },
    'COIL-S003': { severity: 'error', title: 'Scenario time goes backwards' },
    'COIL-S004': { severity: 'error', title: 'Scenario value does not fit' },
    'COIL-S005': { severity: 'error', title: 'Duplicate scenario title' },
    // Coil itself
    'COIL-X001': { severity: 'error', title: 'Internal error in a check' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function isCode(code: unknown): code is Code {
    return typeof code === 'string' && Object.hasOwn(CODES, code);
}

/** Where a code is documented, relative to the repository root: `docs/diagnostics.md#coil-h001`. */
export function docsPath(code: Code): string {
    return `docs/diagnostics.md#${code.toLowerCase()}`;
}
