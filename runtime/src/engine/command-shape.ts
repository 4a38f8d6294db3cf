/**
 * The shape of a command, checked before anything is decided: a command from a file, a socket or
 * a test gets a refusal naming what is wrong (COIL-RT030), never a crash. The server validates
 * requests against JSON Schemas too; this is the engine's own guard.
 */
import type { Command } from './types.js';

type Kind = 'string' | 'number' | 'boolean' | 'id' | 'value' | 'reading' | 'string|null' | 'reading|null' | 'option';

const FIELDS: Record<string, Record<string, Kind>> = {
    'start-batch': { identity: 'string' },
    'start-step': { step: 'id' },
    'complete-step': { step: 'id' },
    'fail-step': { step: 'id' },
    'record-value': { parameter: 'id', value: 'value' },
    'scan': { identity: 'string', target: 'string|null' },
    'verify-step': { step: 'id' },
    'sign-step': { step: 'id', meaning: 'string' },
    'dispatch': { transfer: 'id', reading: 'reading|null' },
    'receive': { transfer: 'id', reading: 'reading|null' },
    'take-sample': { qc: 'id' },
    'record-result': { assay: 'id', value: 'value' },
    'raise-deviation': { deviation: 'id' },
    'disposition': { deviation: 'id', option: 'option' },
    'physician-acceptance': { physician: 'string' },
    'release': { exceptional: 'boolean' },
    'notify-authority': {},
    'reject': {},
    'terminate': {},
    'fire-timer': { timer: 'string' },
};

const OPTIONS = new Set(['continue', 'rework', 'reject', 'terminate', 'release']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A text a store keeps unchanged: no NUL (PostgreSQL refuses it) and no lone surrogate (stores would replace it, breaking the hash chain). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isText = (v: unknown, max = 1000): v is string => typeof v === 'string' && v.length <= max && !v.includes('\u0000') && !LONE_SURROGATE.test(v);
const isIsoDate = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v)) && new Date(Date.parse(v)).toISOString().slice(0, 10) === v.slice(0, 10);

function valueProblem(v: unknown): string | null {
    if (!isObject(v)) return 'must be an object such as { "kind": "quantity", "value": 250, "unit": "mL" }';
    switch (v.kind) {
        case 'quantity': return typeof v.value === 'number' && Number.isFinite(v.value) && isText(v.unit, 100) ? null : 'a quantity needs a finite number "value" and a "unit"';
        case 'choice': return isText(v.choice, 200) ? null : 'a choice needs a "choice" text';
        case 'text': return isText(v.text, 10_000) ? null : 'a text needs a "text" of at most 10,000 characters';
        case 'datetime': return isText(v.datetime, 100) ? null : 'a date-time needs a "datetime" text';
        default: return '"kind" must be quantity, choice, text or datetime';
    }
}

/** What is wrong with a command's shape, or null when it is well formed. */
export function commandProblem(command: unknown): string | null {
    if (!isObject(command)) return 'a command must be an object';
    const fields = typeof command.type === 'string' && Object.hasOwn(FIELDS, command.type) ? FIELDS[command.type] : undefined;
    if (!fields) return `unknown command type ${JSON.stringify(command.type)}; known: ${Object.keys(FIELDS).join(', ')}`;
    if (!isText(command.batch, 200) || command.batch === '') return '"batch" must be a non-empty text of at most 200 characters';
    if (!isText(command.key, 200) || command.key === '') return '"key" (the idempotency key) must be a non-empty text of at most 200 characters';
    const actor = command.actor;
    if (!isObject(actor) || !isText(actor.user, 200) || actor.user === '' || !isText(actor.name, 200) || !Array.isArray(actor.roles) || !actor.roles.every(r => isText(r, 200))) {
        return '"actor" must name a "user", a printed "name" and its "roles"';
    }
    if (actor.qualifications !== undefined && (!Array.isArray(actor.qualifications) || !actor.qualifications.every(q => isObject(q) && isText(q.id, 200) && (q.expires === null || isIsoDate(q.expires))))) {
        return '"actor.qualifications" must be a list of { "id", "expires" }, with "expires" an ISO date such as "2027-06-30" or null';
    }
    if (command.reason !== undefined && command.reason !== null && !isText(command.reason, 10_000)) return '"reason" must be a text of at most 10,000 characters';
    if (command.type === 'start-batch' && command.training !== undefined && typeof command.training !== 'boolean') return 'start-batch: "training" must be true or false';
    if (command.signatures !== undefined && (!Array.isArray(command.signatures) || !command.signatures.every(s => isText(s, 500)))) return '"signatures" must be a list of meanings';
    for (const [field, kind] of Object.entries(fields)) {
        const v = command[field];
        const problem =
            kind === 'string' ? (isText(v, 1000) ? null : 'must be a text')
            : kind === 'id' ? (isText(v, 300) && v !== '' ? null : 'must be an id such as "step:Collect"')
            : kind === 'boolean' ? (typeof v === 'boolean' ? null : 'must be true or false')
            : kind === 'string|null' ? (v === null || isText(v, 300) ? null : 'must be an id or null')
            : kind === 'option' ? (typeof v === 'string' && OPTIONS.has(v) ? null : 'must be continue, rework, reject, terminate or release')
            : kind === 'value' ? valueProblem(v)
            : kind === 'reading|null' ? (v === null || (isObject(v) && typeof v.value === 'number' && Number.isFinite(v.value) && isText(v.unit, 100)) ? null : 'must be null or { "value", "unit" }')
            : null;
        if (problem) return `${command.type}: "${field}" ${problem}`;
    }
    return null;
}

export function isWellFormed(command: unknown): command is Command {
    return commandProblem(command) === null;
}
