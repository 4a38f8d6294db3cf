/**
 * Why the runtime refuses a command: stable codes, each with a short title. Programs match on the
 * code; people read the reason that comes with it. Documented in docs/runtime.md.
 */
export const REFUSALS = {
    'COIL-RT001': 'no batch has been started',
    'COIL-RT002': 'the batch has already been started',
    'COIL-RT003': 'the identity is not valid in the process\'s format',
    'COIL-RT004': 'the batch is closed (rejected, terminated or ended)',
    'COIL-RT005': 'the batch is on hold',
    'COIL-RT006': 'unknown step, transfer, parameter, assay, QC plan, deviation or timer',
    'COIL-RT007': 'what it waits for has not completed',
    'COIL-RT008': 'not possible in the activity\'s current state',
    'COIL-RT009': 'the actor does not hold the required role',
    'COIL-RT010': 'the actor lacks a qualification the role requires, or it has expired',
    'COIL-RT011': 'second-person verification needs a different user',
    'COIL-RT012': 'a required signature is missing',
    'COIL-RT013': 'the material is quarantined',
    'COIL-RT014': 'a minimum hold has not elapsed',
    'COIL-RT015': 'the scanned identity does not match the batch',
    'COIL-RT016': 'an identity check has not been done',
    'COIL-RT017': 'values are still to be recorded',
    'COIL-RT018': 'second-person verification is missing',
    'COIL-RT019': 'the value does not fit what is recorded',
    'COIL-RT020': 'a condition reading is missing or not a temperature',
    'COIL-RT021': 'a release requirement is not met',
    'COIL-RT022': 'a deviation that blocks release is open',
    'COIL-RT023': 'no such open deviation, or the option is not allowed',
    'COIL-RT024': 'the rework limit has been reached',
    'COIL-RT025': 'a reason is required',
    'COIL-RT026': 'no sample has been taken for the assay',
    'COIL-RT027': 'release is not possible by this route',
    'COIL-RT028': 'the timer is not running or not yet due',
    'COIL-RT029': 'there is no exceptional release to notify',
    'COIL-RT030': 'the command is malformed',
    'COIL-RT031': 'the process version is not yet effective',
    'COIL-RT032': 'the batch runs on another definition',
    'COIL-RT033': 'no definition with that digest is registered',
    'COIL-RT034': 'the batch has moved on from the version the command expected',
} as const;

export type RefusalCode = keyof typeof REFUSALS;
