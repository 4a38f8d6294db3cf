/**
 * Validation of compiled workflows against `coil-ir-1.schema.json`, and what a runtime does before
 * loading one: check the format, the schema, then the digest. The schemas are read once, from
 * `compiler/schema/` (beside `dist/` and `src/`), and compiled on first use.
 */
import { readFileSync } from 'node:fs';
import ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { digestOf } from './digest.js';
import { IR_FORMAT, type SignedWorkflow, type SourceMap } from './types.js';

const Ajv2020 = ajv2020.default;

function readSchema(name: string): Readonly<Record<string, unknown>> {
    return JSON.parse(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** The JSON Schema (draft 2020-12) of a `coil-ir/1` workflow file. */
export const IR_SCHEMA = readSchema('coil-ir-1.schema.json');
/** The JSON Schema (draft 2020-12) of a `coil-sourcemap/1` file. */
export const SOURCE_MAP_SCHEMA = readSchema('coil-sourcemap-1.schema.json');

export interface SchemaError {
    /** JSON pointer to the offending value (`/steps/0/duration`), empty for the whole document. */
    readonly path: string;
    /** `/steps/0/duration: must have required property 'min'`. */
    readonly message: string;
}

export type Validation<T> = { readonly ok: true; readonly workflow: T } | { readonly ok: false; readonly errors: SchemaError[] };

export type VerifyCode = 'COIL-IR001' | 'COIL-IR002' | 'COIL-IR003';

export type Verification =
    | { readonly ok: true; readonly workflow: SignedWorkflow }
    | { readonly ok: false; readonly code: VerifyCode; readonly message: string };

let compiled: { workflow: ValidateFunction; sourceMap: ValidateFunction } | undefined;
function validators(): { workflow: ValidateFunction; sourceMap: ValidateFunction } {
    if (!compiled) {
        const ajv = new Ajv2020({ allErrors: true, strict: true, discriminator: true });
        compiled = { workflow: ajv.compile(IR_SCHEMA), sourceMap: ajv.compile(SOURCE_MAP_SCHEMA) };
    }
    return compiled;
}

/** Checks a parsed workflow file against the schema; never throws. */
export function validateWorkflow(value: unknown): Validation<SignedWorkflow> {
    const validate = validators().workflow;
    return validate(value) ? { ok: true, workflow: value as SignedWorkflow } : { ok: false, errors: describe(validate.errors ?? []) };
}

/** Checks a parsed source map file against its schema; never throws. */
export function validateSourceMap(value: unknown): { readonly ok: true; readonly sourceMap: SourceMap } | { readonly ok: false; readonly errors: SchemaError[] } {
    const validate = validators().sourceMap;
    return validate(value) ? { ok: true, sourceMap: value as SourceMap } : { ok: false, errors: describe(validate.errors ?? []) };
}

const SHOWN = 3;

/**
 * What a runtime does before loading a workflow: `COIL-IR001` if it is not `coil-ir/1` (checked
 * first, so that a newer format is reported as such and not as a schema error), `COIL-IR002` if
 * it does not match the schema, `COIL-IR003` if its digest is not that of its content. Never throws.
 */
export function verifyWorkflow(value: unknown): Verification {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const format = (value as { format?: unknown }).format;
        if (format !== IR_FORMAT) {
            const what = format === undefined ? 'it has no "format"' : `its format is ${JSON.stringify(format)}`;
            return { ok: false, code: 'COIL-IR001', message: `Not a ${IR_FORMAT} workflow: ${what}. This runtime reads ${IR_FORMAT} only; compile the process with a matching compiler.` };
        }
    }
    const validation = validateWorkflow(value);
    if (!validation.ok) {
        const { errors } = validation;
        const more = errors.length > SHOWN ? ` (and ${errors.length - SHOWN} more)` : '';
        return {
            ok: false,
            code: 'COIL-IR002',
            message: `The workflow does not match the ${IR_FORMAT} schema: ${errors.slice(0, SHOWN).map(e => e.message).join('; ')}${more}.`,
        };
    }
    const { workflow } = validation;
    const actual = digestOf(workflow);
    if (actual !== workflow.digest) {
        return {
            ok: false,
            code: 'COIL-IR003',
            message: `The digest does not match the content: the file says ${workflow.digest} but its content hashes to ${actual}. It was changed after it was compiled; compile it again from its source.`,
        };
    }
    return { ok: true, workflow };
}

/**
 * Human-readable errors. A value that fails a nullable or a union also fails "must be null" and
 * "must match a schema in anyOf/oneOf" next to the real reason: those are dropped when a more
 * specific error at or below the same place explains it.
 */
function describe(errors: readonly ErrorObject[]): SchemaError[] {
    const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);
    const isSummary = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || (e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null');
    const specific = errors.filter(e => !isSummary(e));
    const kept = errors.filter(e => !isSummary(e) || !specific.some(s => within(s.instancePath, e.instancePath)));
    const out: SchemaError[] = [];
    const seen = new Set<string>();
    for (const e of kept) {
        const message = `${e.instancePath || '/'}: ${e.message ?? e.keyword}${detail(e)}`;
        if (seen.has(message)) continue;
        seen.add(message);
        out.push({ path: e.instancePath, message });
    }
    return out;
}

function detail(e: ErrorObject): string {
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
        case 'additionalProperties': return ` '${String(params.additionalProperty)}'`;
        case 'enum': return ` (${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')})`;
        case 'const': return ` (${JSON.stringify(params.allowedValue)})`;
        case 'discriminator': return params.tagValue === undefined ? '' : ` (got ${JSON.stringify(params.tagValue)})`;
        default: return '';
    }
}
