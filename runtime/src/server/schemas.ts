/**
 * The JSON Schemas of the HTTP API. Fastify validates every request body, parameter and query
 * against them (with unknown fields refused, no type coercion), and @fastify/swagger turns the same
 * schemas into `/openapi.json`. One table describes the batch commands: each becomes its own
 * operation, `POST /v1/batches/{batch}/commands/{type}`.
 */
import type { CommandType } from '../engine/types.js';

type Schema = Record<string, unknown>;

const text = (maxLength: number, description: string, extra: Schema = {}): Schema => ({ type: 'string', maxLength, description, ...extra });
const id = (description: string, example: string): Schema => ({ type: 'string', minLength: 1, maxLength: 300, description, examples: [example] });
const object = (properties: Record<string, Schema>, required: readonly string[], extra: Schema = {}): Schema => ({
    type: 'object', additionalProperties: false, required: [...required], properties, ...extra,
});

const value: Schema = {
    description: 'A value as entered: a quantity in any unit convertible to the parameter\'s (UCUM), a choice, a text or a date-time.',
    oneOf: [
        object({ kind: { const: 'quantity' }, value: { type: 'number' }, unit: text(100, 'UCUM unit, e.g. mL, Cel, 10*9') }, ['kind', 'value', 'unit']),
        object({ kind: { const: 'choice' }, choice: text(200, 'One of the declared choices') }, ['kind', 'choice']),
        object({ kind: { const: 'text' }, text: text(10_000, 'Free text') }, ['kind', 'text']),
        object({ kind: { const: 'datetime' }, datetime: text(100, 'ISO 8601 date-time') }, ['kind', 'datetime']),
    ],
};

const reading: Schema = {
    description: 'The condition reading taken with the material (a temperature), or null.',
    anyOf: [{ type: 'null' }, object({ value: { type: 'number' }, unit: text(100, 'UCUM unit, e.g. Cel') }, ['value', 'unit'])],
};

export const signatureSchema: Schema = object({
    challenge: text(200, 'The one-time challenge from POST /v1/signatures/challenges, issued for this command on this target', { minLength: 1 }),
    password: text(1000, 'The signer\'s password: signing re-authenticates (21 CFR 11.200)', { minLength: 1 }),
    user: text(64, 'The signer\'s user id: required at the first signature of a session, when both components are needed (21 CFR 11.200(a)(1)(i))', { minLength: 1 }),
}, ['challenge', 'password'], { description: 'An electronic signature: the meanings are those the challenge was issued for.' });

/** Fields every batch command takes. */
const common: Record<string, Schema> = {
    key: text(200, 'Idempotency key, unique per command and user: a retry with the same key returns the first outcome and writes nothing', { minLength: 1, examples: ['8d4c6f0e-collect-start'] }),
    reason: { anyOf: [{ type: 'null' }, text(10_000, 'Why: required for a correction, a rejection or a termination')] },
    expectedVersion: { type: 'integer', minimum: 0, description: 'The batch version the client decided on; refused with 409 (COIL-RT034) when the batch has moved on' },
    signature: signatureSchema,
};

export interface CommandOperation {
    readonly type: Exclude<CommandType, 'start-batch' | 'fire-timer'>;
    readonly operationId: string;
    readonly summary: string;
    /** The command's own fields. */
    readonly fields: Record<string, Schema>;
    readonly required: readonly string[];
    /** The field a signature challenge names as its target (the step, transfer or deviation), if any. */
    readonly target: string | null;
    /** Only a QA role may issue it (release; disposition of a deviation that blocks release). */
    readonly qa: 'always' | 'blocking-deviation' | null;
    /** A body that passes the schema (the security tests start from it). */
    readonly example: Readonly<Record<string, unknown>>;
}

const step = id('The step id, as in the compiled workflow', 'step:Collect');
const transfer = id('The transfer id', 'transfer:ShipApheresis');
const deviation = id('The deviation id', 'deviation:HoldExceeded');

export const COMMAND_OPERATIONS: readonly CommandOperation[] = [
    { type: 'start-step', operationId: 'startStep', summary: 'Start a step', fields: { step }, required: ['step'], target: 'step', qa: null, example: { step: 'step:Collect' } },
    { type: 'complete-step', operationId: 'completeStep', summary: 'Complete a step (signed where the step asks for the performer\'s signature)', fields: { step }, required: ['step'], target: 'step', qa: null, example: { step: 'step:Collect' } },
    { type: 'fail-step', operationId: 'failStep', summary: 'Record that a step failed', fields: { step }, required: ['step'], target: 'step', qa: null, example: { step: 'step:Collect' } },
    { type: 'record-value', operationId: 'recordValue', summary: 'Record a value of a step\'s parameter (a correction needs a reason and keeps the old value)', fields: { parameter: id('The parameter id', 'parameter:Collect.Volume'), value }, required: ['parameter', 'value'], target: 'parameter', qa: null, example: { parameter: 'parameter:Collect.Volume', value: { kind: 'quantity', value: 250, unit: 'mL' } } },
    { type: 'scan', operationId: 'scan', summary: 'Scan a label: verify the identity of the material at a step or transfer', fields: { identity: text(1000, 'The identity read from the label (ISBT 128 DIN or COI identifier)'), target: { anyOf: [{ type: 'null' }, id('Where the scan is made: a step or transfer id', 'step:Collect')] } }, required: ['identity', 'target'], target: 'target', qa: null, example: { identity: 'W1234 26 123456 7', target: 'step:Collect' } },
    { type: 'verify-step', operationId: 'verifyStep', summary: 'Second-person verification of a step (by a user other than its performer)', fields: { step }, required: ['step'], target: 'step', qa: null, example: { step: 'step:Collect' } },
    { type: 'sign-step', operationId: 'signStep', summary: 'Sign a step with the meaning a role is asked for (sign Supervisor "Reviewed")', fields: { step, meaning: text(500, 'The meaning of the signature, as declared', { minLength: 1 }) }, required: ['step', 'meaning'], target: 'step', qa: null, example: { step: 'step:Collect', meaning: 'Reviewed' } },
    { type: 'dispatch', operationId: 'dispatch', summary: 'Dispatch a transfer, with the condition reading', fields: { transfer, reading }, required: ['transfer', 'reading'], target: 'transfer', qa: null, example: { transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } } },
    { type: 'receive', operationId: 'receive', summary: 'Receive a transfer, with the condition reading', fields: { transfer, reading }, required: ['transfer', 'reading'], target: 'transfer', qa: null, example: { transfer: 'transfer:ShipApheresis', reading: { value: 5, unit: 'Cel' } } },
    { type: 'take-sample', operationId: 'takeSample', summary: 'Take a QC sample', fields: { qc: id('The QC plan id', 'qc:Release') }, required: ['qc'], target: 'qc', qa: null, example: { qc: 'qc:Release' } },
    { type: 'record-result', operationId: 'recordResult', summary: 'Record an assay result', fields: { assay: id('The assay id', 'assay:Sterility'), value }, required: ['assay', 'value'], target: 'assay', qa: null, example: { assay: 'assay:Sterility', value: { kind: 'choice', choice: 'no growth' } } },
    { type: 'raise-deviation', operationId: 'raiseDeviation', summary: 'Raise a declared deviation by hand', fields: { deviation }, required: ['deviation'], target: 'deviation', qa: null, example: { deviation: 'deviation:HoldExceeded' } },
    { type: 'disposition', operationId: 'disposition', summary: 'Disposition an open deviation (a QA role for a deviation that blocks release)', fields: { deviation, option: { enum: ['continue', 'rework', 'reject', 'terminate', 'release'], description: 'One of the options the deviation declares' } }, required: ['deviation', 'option'], target: 'deviation', qa: 'blocking-deviation', example: { deviation: 'deviation:HoldExceeded', option: 'continue' } },
    { type: 'physician-acceptance', operationId: 'physicianAcceptance', summary: 'Record the treating physician\'s acceptance of an out-of-specification product', fields: { physician: text(1000, 'The physician\'s name', { minLength: 1 }) }, required: ['physician'], target: null, qa: null, example: { physician: 'Dr Ada Osei' } },
    { type: 'release', operationId: 'release', summary: 'Release the batch (QA), normally or by the exceptional route', fields: { exceptional: { type: 'boolean', description: 'The exceptional route (physician acceptance of an out-of-specification product)' } }, required: ['exceptional'], target: null, qa: 'always', example: { exceptional: false } },
    { type: 'notify-authority', operationId: 'notifyAuthority', summary: 'Record the notification of the authority after an exceptional release', fields: {}, required: [], target: null, qa: null, example: {} },
    { type: 'reject', operationId: 'reject', summary: 'Reject the batch', fields: {}, required: [], target: null, qa: null, example: { reason: 'Sterility positive' } },
    { type: 'terminate', operationId: 'terminate', summary: 'Terminate the batch', fields: {}, required: [], target: null, qa: null, example: { reason: 'Patient withdrawn' } },
];

export function commandBodySchema(op: CommandOperation): Schema {
    return object({ ...op.fields, ...common }, [...op.required, 'key'], { examples: [{ ...op.example, key: `${op.type}-1` }] });
}

export const startBatchSchema: Schema = object({
    batch: text(200, 'The new batch\'s id', { minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', examples: ['AF-2027-0001'] }),
    identity: text(1000, 'The patient\'s chain-of-identity identifier, in the format the process declares', { minLength: 1 }),
    definition: text(100, 'The digest of the approved definition to run it on, for life', { pattern: '^sha256:[0-9a-f]{64}$' }),
    training: { type: 'boolean', description: 'A training or development batch, not for a patient' },
    key: common.key,
    reason: common.reason,
}, ['batch', 'identity', 'definition', 'key']);

export const loginSchema: Schema = object({
    user: text(64, 'User id', { minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' }),
    password: text(1000, 'Password', { minLength: 1 }),
}, ['user', 'password']);

export const challengeSchema: Schema = object({
    command: text(40, 'What is to be signed: a batch command type, or approve-definition', { enum: [...COMMAND_OPERATIONS.map(o => o.type), 'approve-definition'] }),
    batch: { anyOf: [{ type: 'null' }, text(200, 'The batch, for a batch command')] },
    target: { anyOf: [{ type: 'null' }, text(300, 'The step, transfer, deviation… the command names; the definition digest for an approval')] },
    meanings: { type: 'array', minItems: 1, maxItems: 10, items: text(500, 'A meaning, e.g. Performed, Released for infusion', { minLength: 1 }) },
}, ['command', 'meanings']);

export const approvalSchema: Schema = object({
    meaning: text(500, 'The meaning of the approval', { minLength: 1, default: 'Approved for GMP use' }),
    signature: signatureSchema,
}, ['signature']);

export const errorSchema: Schema = {
    type: 'object',
    properties: {
        error: {
            type: 'object',
            properties: {
                code: { type: 'string', description: 'Stable: COIL-SVnnn (the server), COIL-RTnnn (the engine)' },
                message: { type: 'string', description: 'What is wrong, for people' },
                requestId: { type: 'string', description: 'The request\'s id, as in the server log' },
                title: { type: ['string', 'null'], description: 'For an engine refusal, the code\'s title' },
            },
        },
    },
    additionalProperties: true,
};

export const anyObject: Schema = { type: 'object', additionalProperties: true };
export const batchParams: Schema = object({ batch: text(200, 'The batch id', { minLength: 1 }) }, ['batch']);
export const digestParams: Schema = object({ digest: text(100, 'A definition digest', { pattern: '^sha256:[0-9a-f]{64}$' }) }, ['digest']);
