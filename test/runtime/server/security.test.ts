/**
 * The security suite of the runtime server, over real HTTP on loopback with the SQLite store and
 * no mocks. The operations under test are read from the server's own `/openapi.json`, so that a
 * route added later is covered (or, when it is public, makes the test of the public set fail):
 *
 * - authentication: no token, a forged token, an expired (15 minutes idle, 12 hours at most), a
 *   signed-out and a disabled account's token;
 * - authorisation: a role no process declares, and the targeted cases (release, dispositions that
 *   block release, approvals, step roles and qualifications);
 * - request bodies derived from each operation's published schema: a missing field, an unknown
 *   field, a wrong type; malformed JSON, other media types, oversized bodies, bad path parameters;
 * - injection strings in every text field: nothing answers 5xx, every batch record still verifies,
 *   and what was accepted is stored literally;
 * - e-signatures: a wrong password, a replayed, a transplanted, a one-component first signature;
 * - rate limiting of failed logins and signatures, in the hash-chained security log.
 *
 * Every refusal is checked to have written nothing to the batch record (the store's event count).
 * The main server raises the lockout thresholds, so that the many deliberate failures here do not
 * lock its users out; the lockout itself is tested on servers with the default limits.
 */
import ajvModule from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBatch } from '@coil/runtime';
import { COMMAND_OPERATIONS, tokenId } from '@coil/runtime/server';
import { goldenWorkflow, PASSWORD, request, startServer, targetOf, type Client, type Response, type TestServer } from './harness.js';

type Json = any;
type Schema = Record<string, any>;

const flagship = goldenWorkflow('AutologousFresh');
const IDENTITY = 'W1234 26 123456 7';
const MINUTE = 60_000;
/** The batch every path `{batch}` names, started in beforeAll: refusals are about auth and validation, not a missing batch. */
const BATCH = 'SEC-1';
const OTHER_BATCH = 'SEC-2';
const WRONG_PASSWORD = 'not the password at all';
const GMP = { id: 'qualification:GMPBasics', expires: '2027-12-31' };
const ajv = new ajvModule.default({ strict: false, allErrors: false });

// ---- The server and its API description ------------------------------------------------------

const server = await startServer({ workflows: [flagship], maxFailures: 1000, maxFailuresPerAddress: 1000 });
afterAll(async () => server.close());
const doc = (await request(server.url, 'GET', '/openapi.json')).body as Json;

interface Operation {
    readonly id: string;
    readonly method: string;
    readonly path: string;
    readonly isPublic: boolean;
    /** The request body's schema, or null. */
    readonly schema: Schema | null;
    /** The body example the document gives, if any (each batch command has one). */
    readonly example: Json | null;
    /** The body takes an e-signature. */
    readonly signed: boolean;
    /** The batch command type (`/commands/{type}`), or null. */
    readonly command: string | null;
    readonly label: string;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;
const operations: Operation[] = [];
for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
        const o = item[method];
        if (!o) continue;
        const media = o.requestBody?.content?.['application/json'];
        const schema = media?.schema ?? null;
        operations.push({
            id: o.operationId, method: method.toUpperCase(), path, isPublic: Array.isArray(o.security) && o.security.length === 0, schema,
            example: media?.example ?? media?.schema?.examples?.[0] ?? null, signed: Boolean(schema?.properties?.signature),
            command: /\/commands\/([a-z-]+)$/.exec(path)?.[1] ?? null, label: `${method.toUpperCase()} ${path} (${o.operationId})`,
        });
    }
}
const protectedOps = operations.filter(op => !op.isPublic);
const bodyOps = operations.filter(op => op.schema !== null);
const signedOps = operations.filter(op => op.signed);
const paramOps = operations.filter(op => op.path.includes('{'));

function routeOf(op: Operation, where: { batch?: string; digest?: string } = {}): string {
    const route = op.path.replace('{batch}', encodeURIComponent(where.batch ?? BATCH)).replace('{digest}', encodeURIComponent(where.digest ?? flagship.digest));
    if (route.includes('{')) throw new Error(`${op.label}: a path parameter this suite does not know how to fill`);
    return route;
}

interface SendOptions {
    readonly token?: string;
    readonly body?: unknown;
    readonly batch?: string;
    readonly digest?: string;
    readonly headers?: Record<string, string>;
    readonly method?: string;
}

function send(op: Operation, o: SendOptions = {}, on: TestServer = server): Promise<Response<Json>> {
    return request(on.url, o.method ?? op.method, routeOf(op, o), o.body, o.token, o.headers);
}

const show = (r: Response<Json>) => `${r.status} ${typeof r.body === 'string' ? r.body.slice(0, 300) : JSON.stringify(r.body)?.slice(0, 600)}`;

/** Sends a request that must be refused with `status` and `code`, and checks that it wrote nothing to any batch record. */
async function refused(sending: () => Promise<Response<Json>>, status: number, code: string | readonly string[], on: TestServer = server): Promise<Response<Json>> {
    const before = on.eventCount();
    const r = await sending();
    expect(r.status, show(r)).toBe(status);
    if (typeof code === 'string') expect(r.body?.error?.code, show(r)).toBe(code);
    else expect(code, show(r)).toContain(r.body?.error?.code);
    expect(r.body.error.requestId, 'the error names its request id').toBe(r.headers.get('x-request-id'));
    expect(on.eventCount(), 'a refused request wrote to the batch record').toBe(before);
    return r;
}

// ---- Bodies from the published schemas -------------------------------------------------------

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);
const branches = (s: Schema): Schema[] => [...(s.anyOf ?? []), ...(s.oneOf ?? [])];

/** A value the schema accepts: its example or default, or the simplest value of its type. */
function sample(s: Schema): Json {
    if (s.examples?.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if ('const' in s) return s.const;
    if (s.enum) return s.enum[0];
    if (s.anyOf || s.oneOf) return sample(branches(s).find(b => b.type !== 'null') ?? branches(s)[0]);
    switch (s.type) {
        case 'string': return 'x'.repeat(Math.max(1, s.minLength ?? 1));
        case 'number': case 'integer': return Math.max(1, s.minimum ?? 1);
        case 'boolean': return false;
        case 'array': return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(s.items ?? {}));
        case 'object': return Object.fromEntries((s.required ?? []).map((k: string) => [k, sample(s.properties?.[k] ?? {})]));
        default: return null;
    }
}

/** Values of fields whose schema alone cannot give a meaningful one (patterns, ids of this server's data). */
const REAL: Record<string, Record<string, () => unknown>> = {
    signIn: { user: () => 'nobody', password: () => WRONG_PASSWORD },
    createChallenge: { command: () => 'start-step', batch: () => BATCH, target: () => 'step:Collect', meanings: () => ['Performed'] },
    startBatch: { batch: () => BATCH, identity: () => IDENTITY, definition: () => flagship.digest },
    approveDefinition: { meaning: () => 'Approved for GMP use' },
};

/** A signature that passes the schema but names a challenge never issued: the server refuses it without writing. */
const bogusSignature = () => ({ challenge: 'sig_never_issued', password: WRONG_PASSWORD, user: 'alice' });

/** A body that passes the operation's schema; with a bogus signature where one is taken, so that sending it writes nothing. */
function validBody(op: Operation, withSignature = true): Json {
    const body: Json = op.example ? { ...op.example } : sample(op.schema!);
    for (const [field, value] of Object.entries(REAL[op.id] ?? {})) if (op.schema!.properties?.[field]) body[field] = value();
    if (op.schema!.properties?.key) body.key = unique(`${op.id}-key`);
    if (op.signed && withSignature) body.signature = bogusSignature();
    return body;
}

const CANDIDATES: unknown[] = [12345, 'not the right type', true, ['x'], { x: 1 }, null];

/** Types a schema allows, by JSON type. */
function allowedTypes(s: Schema): Set<string> {
    const out = new Set<string>();
    for (const t of [s.type].flat()) if (typeof t === 'string') out.add(t);
    for (const b of branches(s)) for (const t of allowedTypes(b)) out.add(t);
    for (const v of [...(s.enum ?? []), ...('const' in s ? [s.const] : [])]) out.add(jsonType(v));
    if (out.has('number')) out.add('integer');
    return out;
}

const wrongValueFor = (s: Schema) => CANDIDATES.find(v => !allowedTypes(s).has(jsonType(v)))!;

/** The object branch of a property that the given value takes (a plain object schema, or one of anyOf/oneOf). */
function objectSchemaOf(s: Schema, value: unknown): Schema | null {
    if (s.type === 'object' && s.properties) return s;
    return branches(s).find(b => b.type === 'object' && b.properties && ajv.validate(b, value)) ?? null;
}

interface Mutation {
    readonly name: string;
    /** The top-level field the refusal is about (the message must name it). */
    readonly field: string;
    readonly body: Json;
}

/** Every single-fault variant of a valid body: each required field missing, an unknown field, each field of a wrong type, at every depth. */
function mutations(schema: Schema, body: Json): Mutation[] {
    const out: Mutation[] = [];
    const walk = (s: Schema, value: Json, path: string[], set: (v: Json) => Json) => {
        const at = (key: string) => [...path, key].join('.');
        for (const key of s.required ?? []) {
            if (!(key in value)) continue;
            const { [key]: _dropped, ...rest } = value;
            out.push({ name: `missing "${at(key)}"`, field: path[0] ?? key, body: set(rest) });
        }
        out.push({ name: `unknown field "${at('unexpected')}"`, field: path[0] ?? 'unexpected', body: set({ ...value, unexpected: 'x' }) });
        for (const [key, p] of Object.entries(s.properties ?? {}) as Array<[string, Schema]>) {
            const wrong = wrongValueFor(p);
            out.push({ name: `wrong type of "${at(key)}" (${jsonType(wrong)})`, field: path[0] ?? key, body: set({ ...value, [key]: wrong }) });
            const inner = value[key];
            if (p.type === 'array' && Array.isArray(inner) && p.items) {
                const wrongItem = wrongValueFor(p.items);
                out.push({ name: `wrong type of "${at(key)}[0]" (${jsonType(wrongItem)})`, field: path[0] ?? key, body: set({ ...value, [key]: [wrongItem] }) });
            }
            if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
                const objectSchema = objectSchemaOf(p, inner);
                if (objectSchema) walk(objectSchema, inner, [...path, key], v => set({ ...value, [key]: v }));
            }
        }
    };
    walk(schema, body, [], v => v);
    return out;
}

interface TextSlot {
    readonly name: string;
    /** The body with `text` in this field (and the other fields valid). */
    make(base: Json, text: string): Json;
}

/** Every field of a body schema that takes a text, at every depth and in every branch (each kind of value). */
function textSlots(schema: Schema): TextSlot[] {
    const out = new Map<string, TextSlot>();
    const walk = (s: Schema, prefix: string, place: (base: Json, inner: (v: Json) => Json) => Json, baseOf: (base: Json) => Json) => {
        for (const [key, p] of Object.entries(s.properties ?? {}) as Array<[string, Schema]>) {
            const name = `${prefix}${key}`;
            for (const b of [p, ...branches(p)]) {
                if (b.type === 'string' && !out.has(name)) {
                    out.set(name, { name, make: (base, text) => place(base, v => ({ ...v, [key]: text })) });
                } else if (b.type === 'array' && b.items?.type === 'string' && !out.has(name)) {
                    out.set(`${name}[]`, { name: `${name}[]`, make: (base, text) => place(base, v => ({ ...v, [key]: [text] })) });
                } else if (b.type === 'object' && b.properties) {
                    const kind = b.properties.kind?.enum?.[0] ?? b.properties.kind?.const;
                    const innerBase = (base: Json) => {
                        const current = baseOf(base)?.[key];
                        return current && typeof current === 'object' && ajv.validate(b, current) ? current : sample(b);
                    };
                    walk(b, `${name}${kind ? `{${kind}}` : ''}.`, (base, inner) => place(base, v => ({ ...v, [key]: inner(innerBase(base)) })), innerBase);
                }
            }
        }
    };
    walk(schema, '', (base, inner) => inner(base), base => base);
    return [...out.values()];
}

/** Whether `text` occurs, exactly, as a string anywhere in `value`. */
function holdsText(value: unknown, text: string): boolean {
    if (typeof value === 'string') return value === text;
    if (Array.isArray(value)) return value.some(v => holdsText(v, text));
    if (value && typeof value === 'object') return Object.values(value).some(v => holdsText(v, text));
    return false;
}

// ---- People ----------------------------------------------------------------------------------

let alice: Client; // QAReviewer, qualified
let bob: Client; // QAReviewer, qualified
let olga: Client; // Operator, qualified
let nina: Client; // ApheresisNurse without any qualification
let nora: Client; // ApheresisNurse whose qualifications have expired
let vic: Client; // Visitor: a role no process declares

const challenge = async (client: Client, subject: { batch: string | null; command: string; target: string | null }, meanings: readonly string[] = ['Performed']) => {
    const r = await client.post('/v1/signatures/challenges', { ...subject, meanings });
    expect(r.status, show(r)).toBe(201);
    return r.body.challenge as string;
};

async function startBatch(batch: string, by: Client = olga, extra: Record<string, unknown> = {}) {
    const r = await by.post('/v1/batches', { batch, identity: IDENTITY, definition: flagship.digest, key: unique(`start-${batch}`), ...extra });
    expect(r.status, show(r)).toBe(201);
    return r;
}

beforeAll(async () => {
    const qa = [GMP, { id: 'qualification:QAReleaser', expires: null }];
    await server.addUser('alice', ['QAReviewer'], { name: 'Alice Ng', qualifications: qa });
    await server.addUser('bob', ['QAReviewer'], { name: 'Bob Quinn', qualifications: qa });
    await server.addUser('olga', ['Operator'], { name: 'Olga Petrova', qualifications: [GMP, { id: 'qualification:AsepticProcessing', expires: null }] });
    await server.addUser('nina', ['ApheresisNurse'], { name: 'Nina Novak' });
    await server.addUser('nora', ['ApheresisNurse'], { name: 'Nora Old', qualifications: [{ id: 'qualification:GMPBasics', expires: '2026-06-30' }, { id: 'qualification:ApheresisCertified', expires: '2026-06-30' }] });
    await server.addUser('vic', ['Visitor'], { name: 'Vic Itor' });
    [alice, bob, olga, nina, nora, vic] = await Promise.all(['alice', 'bob', 'olga', 'nina', 'nora', 'vic'].map(u => server.login(u)));
    const approved = await alice.approve(flagship.digest);
    expect(approved.status, show(approved)).toBe(201);
    await startBatch(BATCH);
    await startBatch(OTHER_BATCH);
});

// ---- The API description ---------------------------------------------------------------------

describe('the OpenAPI document', () => {
    it('describes every batch command and every other operation of the server', () => {
        expect(operations.length).toBeGreaterThanOrEqual(30);
        for (const c of COMMAND_OPERATIONS) expect(operations.find(op => op.command === c.type)?.id, c.type).toBe(c.operationId);
        // The generic tests below need each operation's body schema, and each command's example.
        for (const op of operations.filter(o => o.command)) expect(op.example, op.label).not.toBeNull();
        expect(new Set(operations.map(op => op.id)).size).toBe(operations.length);
    });

    it('makes exactly sign-in and health public: every other operation needs a bearer token', () => {
        expect(doc.security).toEqual([{ bearer: [] }]);
        expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
        expect(operations.filter(op => op.isPublic).map(op => `${op.method} ${op.path}`).sort()).toEqual(['GET /v1/health', 'POST /v1/sessions']);
        // No operation narrows or replaces the bearer requirement with something else.
        for (const op of protectedOps) {
            const security = doc.paths[op.path][op.method.toLowerCase()].security;
            expect(security === undefined || JSON.stringify(security) === JSON.stringify([{ bearer: [] }]), op.label).toBe(true);
        }
    });

    it('serves itself without a token, and does not list itself', async () => {
        const r = await request(server.url, 'GET', '/openapi.json');
        expect(r.status).toBe(200);
        expect(r.body.paths['/openapi.json']).toBeUndefined();
    });

    it('gives every body a schema that refuses unknown fields, at every depth', () => {
        const open: string[] = [];
        const walk = (s: Schema, where: string) => {
            if (s.type === 'object' && s.additionalProperties !== false) open.push(where);
            for (const [k, p] of Object.entries(s.properties ?? {}) as Array<[string, Schema]>) walk(p, `${where}.${k}`);
            for (const b of branches(s)) walk(b, where);
            if (s.items) walk(s.items, `${where}[]`);
        };
        for (const op of bodyOps) walk(op.schema!, op.id);
        expect(open).toEqual([]);
    });
});

// ---- Authentication --------------------------------------------------------------------------

describe('authentication', () => {
    for (const op of protectedOps) it(`${op.label} refuses a request without a token (401 COIL-SV010)`, async () => {
        const body = op.schema ? validBody(op) : undefined;
        const r = await refused(() => send(op, { body }), 401, 'COIL-SV010');
        expect(r.body.error.message).toMatch(/sign in/i);
        // Nor with a token in another scheme, or one that is not a token at all.
        await refused(() => send(op, { body, headers: { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` } }), 401, 'COIL-SV010');
        await refused(() => send(op, { body, headers: { authorization: 'Bearer ../../etc/passwd' } }), 401, 'COIL-SV010');
        if (op.method === 'GET') {
            // The HEAD route fastify adds beside every GET is behind the same door.
            const head = await send(op, { method: 'HEAD' });
            expect(head.status).toBe(401);
        }
    });

    for (const op of protectedOps) it(`${op.label} refuses a forged token (401 COIL-SV011)`, async () => {
        const body = op.schema ? validBody(op) : undefined;
        const forged = `coil_${Buffer.alloc(32, 7).toString('base64url')}`;
        const r = await refused(() => send(op, { body, token: forged }), 401, 'COIL-SV011');
        expect(r.body.error.message).toMatch(/not known/);
        // A real token with one character changed is just as unknown.
        const tampered = `${alice.token.slice(0, -1)}${alice.token.endsWith('A') ? 'B' : 'A'}`;
        await refused(() => send(op, { body, token: tampered }), 401, 'COIL-SV011');
    });

    it('answers the public operations without a token', async () => {
        const health = await request(server.url, 'GET', '/v1/health');
        expect(health.status).toBe(200);
        expect(health.body.ok).toBe(true);
        const signIn = await refused(() => request(server.url, 'POST', '/v1/sessions', { user: 'alice', password: WRONG_PASSWORD }), 401, 'COIL-SV012');
        expect(signIn.body.token).toBeUndefined();
    });

    it('gives the same answer for an unknown user as for a wrong password (no user enumeration)', async () => {
        const unknown = await refused(() => request(server.url, 'POST', '/v1/sessions', { user: 'nobody-at-all', password: PASSWORD }), 401, 'COIL-SV012');
        const wrong = await refused(() => request(server.url, 'POST', '/v1/sessions', { user: 'alice', password: WRONG_PASSWORD }), 401, 'COIL-SV012');
        expect(unknown.body.error.message).toBe(wrong.body.error.message);
    });
});

// ---- Authorisation ---------------------------------------------------------------------------

describe('authorisation', () => {
    for (const op of protectedOps) it(`${op.label} refuses a user whose only role no process declares (403 COIL-SV020)`, async () => {
        const body = op.schema ? validBody(op) : undefined;
        const r = await refused(() => send(op, { body, token: vic.token }), 403, 'COIL-SV020');
        expect(r.body.error.message).toContain('Visitor');
        expect(r.body.missingRoles).toEqual(expect.arrayContaining(['QAReviewer']));
        expect(r.body.missingRoles).not.toContain('Visitor');
        for (const role of r.body.missingRoles) expect(r.body.error.message).toContain(role);
    });

    it('refuses an Operator the release of a batch (QAReviewer)', async () => {
        const r = await refused(() => olga.post(`/v1/batches/${BATCH}/commands/release`, { exceptional: false, key: unique('release') }), 403, 'COIL-SV020');
        expect(r.body.error.message).toContain('QAReviewer');
        expect(r.body.missingRoles).toEqual(['QAReviewer']);
        const exceptional = await refused(() => olga.post(`/v1/batches/${BATCH}/commands/release`, { exceptional: true, key: unique('release') }), 403, 'COIL-SV020');
        expect(exceptional.body.error.message).toContain('QAReviewer');
    });

    it('refuses an Operator the disposition of a deviation that blocks release (QAReviewer), before anything else is looked at', async () => {
        for (const deviation of ['deviation:HoldExceeded', 'deviation:IdentityMismatch', 'deviation:SterilityPositive']) {
            const r = await refused(() => olga.post(`/v1/batches/${BATCH}/commands/disposition`, { deviation, option: 'continue', key: unique('dispo') }), 403, 'COIL-SV020');
            expect(r.body.error.message).toContain('QAReviewer');
            expect(r.body.missingRoles).toEqual(['QAReviewer']);
        }
    });

    it('refuses an Operator the disposition of an open deviation that does not block release but needs a Supervisor (COIL-RT009)', async () => {
        await startBatch('SEC-DISPO');
        const raised = await olga.post('/v1/batches/SEC-DISPO/commands/raise-deviation', { deviation: 'deviation:LowPurity', key: unique('raise') });
        expect(raised.status, show(raised)).toBe(200);
        const r = await refused(() => olga.post('/v1/batches/SEC-DISPO/commands/disposition', { deviation: 'deviation:LowPurity', option: 'continue', key: unique('dispo') }), 403, 'COIL-RT009');
        expect(r.body.error.message).toContain('Supervisor');
    });

    it('refuses an Operator the approval of a definition (QAReviewer)', async () => {
        const r = await refused(() => olga.post(`/v1/definitions/${flagship.digest}/approvals`, { meaning: 'Approved for GMP use', signature: { challenge: 'sig_x', password: PASSWORD, user: 'olga' } }), 403, 'COIL-SV020');
        expect(r.body.error.message).toContain('QAReviewer');
        expect(server.directory.approvals(flagship.digest).map(a => a.user)).not.toContain('olga');
    });

    it('refuses a step to a user without its role, QA included (COIL-RT009, the role named)', async () => {
        for (const who of [olga, alice]) {
            const r = await refused(() => who.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('collect') }), 403, 'COIL-RT009');
            expect(r.body.error.message).toContain('ApheresisNurse');
        }
    });

    it('refuses a step to a user with its role but not its qualifications, or expired ones (COIL-RT010, the qualification named)', async () => {
        const missing = await refused(() => nina.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('collect') }), 403, 'COIL-RT010');
        expect(missing.body.error.message).toMatch(/GMPBasics|ApheresisCertified/);
        const expired = await refused(() => nora.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('collect') }), 403, 'COIL-RT010');
        expect(expired.body.error.message).toContain('expired');
    });

    it('refuses a signature made in another user\'s name, even with that user\'s password (COIL-SV031)', async () => {
        const id = await challenge(olga, { batch: BATCH, command: 'start-step', target: 'step:Select' });
        await refused(() => olga.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Select', key: unique('select'), signature: { challenge: id, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV031');
        expect(server.directory.challenge(id)?.used).toBeNull();
    });
});

// ---- Request bodies and parameters -----------------------------------------------------------

describe('request bodies', () => {
    for (const op of bodyOps) describe(op.label, () => {
        const base = validBody(op);

        it('starts from a body that passes the published schema and gets past validation, writing nothing', async () => {
            expect(ajv.validate(op.schema!, base), JSON.stringify(ajv.errors)).toBe(true);
            const before = server.eventCount();
            const r = await send(op, { token: alice.token, body: { ...base, ...(op.schema!.properties?.key ? { key: unique('control') } : {}) } });
            expect(r.status, show(r)).not.toBe(400);
            expect(r.status, show(r)).toBeLessThan(500);
            // A signed body gets as far as its signature, which names a challenge never issued.
            if (op.signed) expect(r.body.error?.code, show(r)).toBe('COIL-SV030');
            expect(server.eventCount()).toBe(before);
        });

        for (const m of mutations(op.schema!, base)) it(`refuses a body with ${m.name} (400 COIL-SV001)`, async () => {
            expect(ajv.validate(op.schema!, m.body), 'the mutation must break the published schema').toBe(false);
            const r = await refused(() => send(op, { token: alice.token, body: m.body }), 400, 'COIL-SV001');
            expect(r.body.error.message).toContain(m.field);
        });

        it('refuses malformed JSON and an empty JSON body (400 COIL-SV002)', async () => {
            const json = JSON.stringify(base);
            for (const raw of [json.slice(0, -1), `${json}}`, `{'key': 'single quotes'}`, '{"key": "k",}', 'null x', '']) {
                await refused(() => send(op, { token: alice.token, body: raw }), 400, 'COIL-SV002');
            }
        });

        it('refuses a body that is not application/json (415 COIL-SV004)', async () => {
            for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
                await refused(() => send(op, { token: alice.token, body: JSON.stringify(base), headers: { 'content-type': type } }), 415, 'COIL-SV004');
            }
        });

        it('refuses a body larger than the limit (413 COIL-SV003)', async () => {
            const big = JSON.stringify({ ...base, padding: 'A'.repeat(70 * 1024) });
            await refused(() => send(op, { token: alice.token, body: big }), 413, 'COIL-SV003');
        });

        it('refuses __proto__ and constructor.prototype keys, and pollutes no prototype (400)', async () => {
            const json = JSON.stringify(base);
            const nested = op.signed ? JSON.stringify({ ...base, signature: { ...base.signature, marker: 1 } }).replace('"marker":1', '"__proto__":{"polluted":"yes"}') : null;
            for (const raw of [
                json.replace(/^\{/, '{"__proto__":{"polluted":"yes"},'),
                json.replace(/^\{/, '{"constructor":{"prototype":{"polluted":"yes"}},'),
                ...(nested ? [nested] : []),
            ]) {
                await refused(() => send(op, { token: alice.token, body: raw }), 400, ['COIL-SV001', 'COIL-SV002']);
                expect(({} as Json).polluted).toBeUndefined();
                expect(Object.prototype).not.toHaveProperty('polluted');
            }
        });
    });

    it('refuses text/plain like every other body that is not application/json, on every operation with a body (415 COIL-SV004)', async () => {
        const answers: string[] = [];
        for (const op of bodyOps) {
            const before = server.eventCount();
            const r = await send(op, { token: alice.token, body: JSON.stringify(validBody(op)), headers: { 'content-type': 'text/plain' } });
            expect(server.eventCount()).toBe(before);
            expect(r.status, show(r)).toBeLessThan(500);
            if (r.status !== 415 || r.body?.error?.code !== 'COIL-SV004') answers.push(`${op.id}: ${r.status} ${r.body?.error?.code}`);
        }
        expect(answers).toEqual([]);
    });

    for (const op of paramOps) it(`${op.label} refuses a path parameter outside its schema (400 COIL-SV001)`, async () => {
        const body = op.schema ? validBody(op) : undefined;
        const bad = op.path.includes('{digest}') ? { digest: 'sha256:not-hex' } : { batch: '' };
        const r = await refused(() => send(op, { token: alice.token, body, ...bad }), 400, 'COIL-SV001');
        expect(r.body.error.message).toMatch(/^params/);
    });

    it('addresses a batch by any id its start accepts (up to 200 characters), and refuses a longer one with its own error, on every {batch} operation', async () => {
        const id = `LONG-${'x'.repeat(145)}`;
        expect(ajv.validate(operations.find(op => op.id === 'startBatch')!.schema!.properties.batch, id)).toBe(true);
        await startBatch(id);
        const wrong: string[] = [];
        for (const op of paramOps.filter(o => o.path.includes('{batch}'))) {
            const body = op.schema ? validBody(op) : undefined;
            // Found: a read answers 200, a command reaches its (bogus) signature.
            const found = await send(op, { token: alice.token, body, batch: id });
            if (!(found.status === 200 || found.body?.error?.code === 'COIL-SV030')) wrong.push(`${op.id} on a ${id.length}-character id: ${show(found).slice(0, 120)}`);
            const before = server.eventCount();
            const tooLong = await send(op, { token: alice.token, body, batch: 'B'.repeat(201) });
            if (tooLong.status !== 400 || tooLong.body?.error?.code !== 'COIL-SV001') wrong.push(`${op.id} on a 201-character id: ${show(tooLong).slice(0, 120)}`);
            expect(server.eventCount()).toBe(before);
        }
        expect(wrong).toEqual([]);
    });
});

// ---- Injection -------------------------------------------------------------------------------

const INJECTIONS: ReadonlyArray<readonly [string, string]> = [
    ['SQL (quote)', "'; DROP TABLE events; --"],
    ['SQL (double quote)', '" OR 1=1 --'],
    ['HTML/JS', '<script>alert(1)</script>'],
    ['path traversal', '../../etc/passwd'],
    ['NUL', 'before\u0000after'],
    ['lone high surrogate', 'lone \ud800 high'],
    ['lone low surrogate', 'lone \udc00 low'],
    ['unicode', 'Zoë Ødegård 患者 🧬 \u202eRTL\u200b مرحبا'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['format string', '%s%s%n%x ${7*7} {{7*7}} {0} %(x)s'],
    ['CRLF', 'line\r\nSet-Cookie: a=b'],
    ['long (9 000)', 'L'.repeat(9_000)],
    ['very long (50 000)', 'V'.repeat(50_000)],
];
/** What no store keeps unchanged: the engine refuses these in the batch record's texts (COIL-RT030). */
const UNSTORABLE = ['NUL', 'lone high surrogate', 'lone low surrogate'];

describe('injection strings in every text field', () => {
    const cases = bodyOps.flatMap(op => textSlots(op.schema!).map(slot => ({ op, slot, label: `${op.label} ${slot.name}` })));
    /** Texts that some batch operation accepted, to be found again in the audit trail once every injection has run. */
    const accepted: Array<{ batch: string; text: string; where: string }> = [];
    const countEvents = server.store.connection.prepare('SELECT count(*) FROM events WHERE batch = ?').pluck();
    const eventsOf = (batch: string) => countEvents.get(batch) as number;

    /** A body for the operation with the text in one field, valid otherwise; a signature only where the schema requires one (a bogus one). */
    function injected(op: Operation, slot: TextSlot, text: string): Json {
        const body = slot.make(validBody(op, op.schema!.required?.includes('signature')), text);
        if (op.id === 'startBatch' && slot.name !== 'batch') body.batch = unique('INJ-START');
        if (op.id === 'signIn' && slot.name === 'password') body.user = 'alice';
        return body;
    }

    /**
     * Sends one injection and checks the answer: never 5xx, always the JSON envelope; a refusal writes
     * nothing (but the events an engine refusal reports, such as a mismatched scan); an acceptance
     * writes exactly the events it reports, and keeps the text as sent.
     */
    async function inject(op: Operation, slot: TextSlot, name: string, text: string, batch: string | null): Promise<void> {
        const body = injected(op, slot, text);
        const counted = op.id === 'startBatch' ? String(body.batch) : batch;
        const before = counted !== null ? eventsOf(counted) : 0;
        const r = await send(op, { token: alice.token, body, ...(batch ? { batch } : {}) });
        const what = `${name}: ${show(r)}`;
        expect(r.status, what).toBeLessThan(500);
        expect(r.body, `${name}: every answer is JSON`).toBeTypeOf('object');
        const written = counted !== null ? eventsOf(counted) - before : 0;
        expect(written, what).toBe(r.body.events?.length ?? 0);
        if (r.status >= 300) {
            expect(r.body.error?.code, what).toMatch(/^COIL-(SV|RT)\d{3}$/);
            return;
        }
        if (op.id === 'createChallenge') {
            expect(holdsText(server.directory.challenge(r.body.challenge), text), `${name}: the challenge keeps the text as sent`).toBe(true);
            return;
        }
        expect(written, what).toBeGreaterThan(0);
        const where = `${op.id} ${slot.name} ${name}`;
        if (slot.name === 'key') {
            const seqs = new Set(r.body.events.map((e: Json) => e.seq));
            const events = (await server.store.events(r.body.batch)).filter(e => seqs.has(e.seq));
            expect(events.every(e => e.command === `alice/${text}`), `${where}: the idempotency key is stored as sent`).toBe(true);
        } else {
            accepted.push({ batch: r.body.batch, text, where });
        }
    }

    it('finds the text fields of every operation with a body', () => {
        for (const op of bodyOps) expect(cases.some(c => c.op === op), op.label).toBe(true);
        expect(cases.map(c => c.slot.name)).toEqual(expect.arrayContaining(['reason', 'key', 'signature.password', 'value{text}.text', 'value{quantity}.unit', 'reading.unit', 'identity', 'physician', 'meanings[]']));
    });

    describe('outside a batch', () => {
        // One at a time, so that the store's event count may be checked around each request.
        for (const { op, slot, label } of cases.filter(c => !c.op.path.includes('{batch}') && c.op.id !== 'startBatch')) {
            it(`${label} survives every injection string`, async () => {
                const before = server.eventCount();
                // A sign-in checks a password (scrypt, on the thread pool): those are sent together.
                if (op.id === 'signIn') await Promise.all(INJECTIONS.map(([name, text]) => inject(op, slot, name, text, null)));
                else for (const [name, text] of INJECTIONS) await inject(op, slot, name, text, null);
                expect(server.eventCount()).toBe(before);
            });
        }
    });

    describe('on batches', () => {
        // Each case on a batch of its own, so that the cases can run side by side.
        for (const { op, slot, label } of cases.filter(c => c.op.path.includes('{batch}') || c.op.id === 'startBatch')) {
            it.concurrent(`${label} survives every injection string`, async () => {
                const batch = op.path.includes('{batch}') ? unique(`INJ-${op.id}`) : null;
                if (batch) await startBatch(batch);
                for (const [name, text] of INJECTIONS) await inject(op, slot, name, text, batch);
            });
        }
    });

    it('left the server up and every batch record verifiable', async () => {
        const health = await request(server.url, 'GET', '/v1/health');
        expect(health.status).toBe(200);
        const batches = await server.store.batches();
        expect(batches.length).toBeGreaterThan(50);
        const broken: string[] = [];
        for (const { batch } of batches) {
            const issues = verifyBatch(batch, await server.store.events(batch), await server.store.signatures(batch), await server.store.batch(batch));
            if (issues.length > 0) broken.push(`${batch}: ${issues.map(i => `${i.code} ${i.message}`).join('; ')}`);
        }
        expect(broken).toEqual([]);
        expect(({} as Json).polluted).toBeUndefined();
    });

    it('stored every accepted text literally, as the audit trail shows it', async () => {
        expect(accepted.length, 'some injection strings must have been accepted (reasons, the physician\'s name…)').toBeGreaterThan(20);
        // Every string a batch record may hold was accepted somewhere (NUL and lone surrogates are refused: see below).
        const names = new Set(accepted.map(a => INJECTIONS.find(([, t]) => t === a.text)![0]));
        expect(names).toEqual(new Set(INJECTIONS.filter(([n, t]) => t.length <= 10_000 && !UNSTORABLE.includes(n)).map(([n]) => n)));
        const trails = new Map<string, Json>();
        const altered: string[] = [];
        for (const a of accepted) {
            if (!trails.has(a.batch)) {
                const trail = await alice.get(`/v1/batches/${encodeURIComponent(a.batch)}/audit-trail`);
                expect(trail.status, show(trail)).toBe(200);
                trails.set(a.batch, trail.body);
            }
            const trail = trails.get(a.batch);
            if (!holdsText(trail.events, a.text)) altered.push(a.where);
            if (!trail.verified) altered.push(`${a.where}: the trail does not verify (${JSON.stringify(trail.issues).slice(0, 200)})`);
        }
        expect(altered).toEqual([]);
    });

    it('refuses a NUL or a lone surrogate in a text of the batch record, rather than altering it (400 COIL-RT030)', async () => {
        for (const [name, text] of INJECTIONS.filter(([n]) => UNSTORABLE.includes(n))) {
            const r = await refused(() => alice.post(`/v1/batches/${BATCH}/commands/raise-deviation`, { deviation: 'deviation:LowPurity', key: unique('nul'), reason: text }), 400, 'COIL-RT030');
            expect(r.body.error.message, name).toContain('reason');
        }
    });

    it('escapes markup in the HTML record, in a reason and in a printed name', async () => {
        await server.addUser('mark', ['Operator'], { name: '<img src=x onerror=alert(1)>', qualifications: [GMP] });
        const mark = await server.login('mark');
        await startBatch('XSS-1', mark, { reason: '<script>alert(1)</script>' });
        const html = await alice.get('/v1/batches/XSS-1/record.html');
        expect(html.status).toBe(200);
        expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(html.body).not.toContain('<script>alert(1)</script>');
        expect(html.body).not.toContain('<img src=x');
        expect(html.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(html.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
        const trail = await alice.get('/v1/batches/XSS-1/audit-trail');
        expect(trail.body.events[0]).toMatchObject({ reason: '<script>alert(1)</script>', name: '<img src=x onerror=alert(1)>' });
    });

    it('checks a signature password full of injection strings like any other, and refuses it (COIL-SV031)', async () => {
        const before = server.eventCount();
        await Promise.all(INJECTIONS.filter(([, t]) => t.length <= 1000).map(async ([name, text]) => {
            const id = await challenge(alice, { batch: BATCH, command: 'raise-deviation', target: 'deviation:LowPurity' });
            const r = await alice.post(`/v1/batches/${BATCH}/commands/raise-deviation`, { deviation: 'deviation:LowPurity', key: unique('pw'), signature: { challenge: id, password: text, user: 'alice' } });
            expect(r.status, `${name}: ${show(r)}`).toBe(403);
            expect(r.body.error.code, name).toBe('COIL-SV031');
            expect(server.directory.challenge(id)?.used, name).toBeNull();
        }));
        expect(server.eventCount()).toBe(before);
    });
});

describe('the security log under hostile sign-ins', () => {
    let fresh: TestServer;
    beforeAll(async () => {
        fresh = await startServer({ workflows: [] });
    });
    afterAll(async () => fresh?.close());

    it('keeps every user id a failed sign-in names as sent (or refuses it), and its hash chain still verifies', async () => {
        const texts = INJECTIONS.map(([, t]) => t).filter(t => t.length <= 64);
        // An id that cannot be a user's may be refused outright (400); one that is checked is logged as sent.
        const answers = await Promise.all(texts.map(user => request(fresh.url, 'POST', '/v1/sessions', { user, password: WRONG_PASSWORD })));
        for (const r of answers) expect(['401 COIL-SV012', '400 COIL-SV001'], show(r)).toContain(`${r.status} ${r.body?.error?.code}`);
        expect(fresh.eventCount()).toBe(0);
        const logged = texts.filter((_, i) => answers[i].status === 401);
        const failed = fresh.directory.securityLog().filter(e => e.type === 'login-failed');
        expect(failed.length).toBeGreaterThanOrEqual(logged.length);
        const altered = logged.filter(t => !failed.some(e => e.subject === t && e.actor === t)).map(t => JSON.stringify(t));
        expect(altered, 'user ids stored otherwise than sent').toEqual([]);
        expect(fresh.directory.verifySecurityLog()).toBeNull();
    });
});

// ---- E-signatures ----------------------------------------------------------------------------

/** What a challenge for an operation names, and a body for it that is valid but for its signature. */
function signing(op: Operation, batch = BATCH) {
    if (op.id === 'approveDefinition') {
        return { subject: { batch: null, command: 'approve-definition', target: flagship.digest }, meanings: ['Approved for GMP use'], body: { meaning: 'Approved for GMP use' } };
    }
    if (!op.command) throw new Error(`${op.label} takes a signature this suite does not know`);
    const body = { ...op.example, key: unique(`${op.id}-signed`) };
    return { subject: { batch, command: op.command, target: targetOf(op.command, body) }, meanings: ['Performed'], body };
}

describe('e-signatures', () => {
    it('are taken by every batch command and by the approval of a definition', () => {
        expect(signedOps.map(op => op.id).sort()).toEqual([...COMMAND_OPERATIONS.map(c => c.operationId), 'approveDefinition'].sort());
    });

    for (const op of signedOps) it(`${op.label} refuses a signature with the wrong password (403 COIL-SV031), logged, the challenge unused`, async () => {
        const { subject, meanings, body } = signing(op);
        const id = await challenge(alice, subject, meanings);
        const failures = server.directory.securityLog(0, 100_000).filter(e => e.type === 'signature-failed').length;
        const approvals = server.directory.approvals(flagship.digest).length;
        const r = await refused(() => send(op, { token: alice.token, body: { ...body, signature: { challenge: id, password: WRONG_PASSWORD, user: 'alice' } } }), 403, 'COIL-SV031');
        expect(r.body.error.message).not.toContain(WRONG_PASSWORD);
        expect(server.directory.challenge(id)?.used).toBeNull();
        const log = server.directory.securityLog(0, 100_000).filter(e => e.type === 'signature-failed');
        expect(log.length).toBe(failures + 1);
        expect(log.at(-1)).toMatchObject({ subject: 'alice', detail: { subject } });
        expect(server.directory.approvals(flagship.digest).length).toBe(approvals);
    });

    it('refuses a replayed approval: the same challenge twice (COIL-SV030)', async () => {
        const id = await challenge(bob, { batch: null, command: 'approve-definition', target: flagship.digest }, ['Approved for GMP use']);
        const body = { meaning: 'Approved for GMP use', signature: { challenge: id, password: PASSWORD, user: 'bob' } };
        const first = await bob.post(`/v1/definitions/${flagship.digest}/approvals`, body);
        expect(first.status, show(first)).toBe(201);
        const approvals = server.directory.approvals(flagship.digest).length;
        const approvedEntries = () => server.directory.securityLog(0, 100_000).filter(e => e.type === 'definition-approved').length;
        const logged = approvedEntries();
        const again = await refused(() => bob.post(`/v1/definitions/${flagship.digest}/approvals`, body), 403, 'COIL-SV030');
        expect(again.body.error.message).toMatch(/used already/);
        expect(server.directory.approvals(flagship.digest).length).toBe(approvals);
        expect(approvedEntries()).toBe(logged);
    });

    it('refuses a replayed batch signature: the same challenge on a second command, by its owner or anyone else (COIL-SV030)', async () => {
        await startBatch('SEC-REPLAY');
        const subject = { batch: 'SEC-REPLAY', command: 'raise-deviation', target: 'deviation:LowPurity' };
        const id = await challenge(alice, subject, ['Raised']);
        const signature = { challenge: id, password: PASSWORD, user: 'alice' };
        const first = await alice.post('/v1/batches/SEC-REPLAY/commands/raise-deviation', { deviation: 'deviation:LowPurity', key: unique('raise'), signature });
        expect(first.status, show(first)).toBe(200);
        expect(server.directory.challenge(id)?.used).not.toBeNull();
        await refused(() => alice.post('/v1/batches/SEC-REPLAY/commands/raise-deviation', { deviation: 'deviation:LowPurity', key: unique('raise'), signature }), 403, 'COIL-SV030');
        await refused(() => bob.post('/v1/batches/SEC-REPLAY/commands/raise-deviation', { deviation: 'deviation:LowPurity', key: unique('raise'), signature: { ...signature, user: 'bob' } }), 403, 'COIL-SV030');
    });

    it('refuses a challenge transplanted to another step, command, batch or kind of record (COIL-SV032), and leaves it unused', async () => {
        const id = await challenge(alice, { batch: BATCH, command: 'start-step', target: 'step:Collect' });
        const signature = { challenge: id, password: PASSWORD, user: 'alice' };
        const attempts: Array<[string, Json]> = [
            [`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Select', key: unique('t') }],
            [`/v1/batches/${BATCH}/commands/complete-step`, { step: 'step:Collect', key: unique('t') }],
            [`/v1/batches/${BATCH}/commands/fail-step`, { step: 'step:Collect', key: unique('t') }],
            [`/v1/batches/${OTHER_BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('t') }],
            [`/v1/definitions/${flagship.digest}/approvals`, { meaning: 'Performed' }],
        ];
        for (const [route, body] of attempts) {
            const r = await refused(() => alice.post(route, { ...body, signature }), 403, 'COIL-SV032');
            expect(r.body.error.message, route).toMatch(/issued for/);
        }
        expect(server.directory.challenge(id)?.used).toBeNull();
        // And an approval challenge does not sign a batch command.
        const approval = await challenge(alice, { batch: null, command: 'approve-definition', target: flagship.digest }, ['Approved for GMP use']);
        await refused(() => alice.post(`/v1/batches/${BATCH}/commands/release`, { exceptional: false, key: unique('t'), signature: { challenge: approval, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV032');
    });

    it('refuses an approval whose meaning is not the one the challenge was issued for (COIL-SV032)', async () => {
        const id = await challenge(alice, { batch: null, command: 'approve-definition', target: flagship.digest }, ['Approved for GMP use']);
        const approvals = server.directory.approvals(flagship.digest).length;
        await refused(() => alice.post(`/v1/definitions/${flagship.digest}/approvals`, { meaning: 'Reviewed only', signature: { challenge: id, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV032');
        expect(server.directory.approvals(flagship.digest).length).toBe(approvals);
    });

    it('refuses a challenge issued to another user\'s session, or to another session of the same user (COIL-SV032)', async () => {
        const subject = { batch: BATCH, command: 'start-step', target: 'step:Collect' };
        const bobs = await challenge(bob, subject);
        const r = await refused(() => alice.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('t'), signature: { challenge: bobs, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV032');
        expect(r.body.error.message).toMatch(/another session/);
        // Even with the other user's own id and password: the challenge is bound to the session it was issued to.
        await refused(() => alice.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('t'), signature: { challenge: bobs, password: PASSWORD, user: 'bob' } }), 403, 'COIL-SV032');
        expect(server.directory.challenge(bobs)?.used).toBeNull();
        const aliceElsewhere = await server.login('alice');
        const other = await challenge(aliceElsewhere, subject);
        await refused(() => alice.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('t'), signature: { challenge: other, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV032');
    });

    it('refuses the first signature of a session without the user id (COIL-SV033), and takes the password alone afterwards', async () => {
        await startBatch('SEC-FIRST');
        const fresh = await server.login('bob');
        const subject = { batch: 'SEC-FIRST', command: 'raise-deviation', target: 'deviation:LowPurity' };
        const id = await challenge(fresh, subject, ['Raised']);
        const body = { deviation: 'deviation:LowPurity' };
        const r = await refused(() => fresh.post('/v1/batches/SEC-FIRST/commands/raise-deviation', { ...body, key: unique('first'), signature: { challenge: id, password: PASSWORD } }), 403, 'COIL-SV033');
        expect(r.body.error.message).toMatch(/user id/);
        expect(server.directory.challenge(id)?.used).toBeNull();
        const both = await fresh.post('/v1/batches/SEC-FIRST/commands/raise-deviation', { ...body, key: unique('first'), signature: { challenge: id, password: PASSWORD, user: 'bob' } });
        expect(both.status, show(both)).toBe(200);
        const next = await challenge(fresh, subject, ['Raised']);
        const alone = await fresh.post('/v1/batches/SEC-FIRST/commands/raise-deviation', { ...body, key: unique('first'), signature: { challenge: next, password: PASSWORD } });
        expect(alone.status, show(alone)).toBe(200);
    });

    it('refuses an unknown challenge (COIL-SV030) without checking the password', async () => {
        const log = server.directory.securityLog(0, 100_000).length;
        await refused(() => alice.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('t'), signature: { challenge: 'sig_forged', password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV030');
        expect(server.directory.securityLog(0, 100_000).length).toBe(log);
    });
});

// ---- Signed-out and disabled accounts --------------------------------------------------------

describe('a signed-out session', () => {
    let sam: Client;
    beforeAll(async () => {
        await server.addUser('sam', ['Operator'], { name: 'Sam Out', qualifications: [GMP] });
        sam = await server.login('sam');
        expect((await sam.get('/v1/sessions/current')).status).toBe(200);
        const out = await request(server.url, 'DELETE', '/v1/sessions/current', undefined, sam.token);
        expect(out.status).toBe(204);
        expect(server.directory.securityLog(0, 100_000).filter(e => e.type === 'logout' && e.subject === 'sam')).toHaveLength(1);
    });

    for (const op of protectedOps) it(`${op.label} refuses its token (401 COIL-SV011)`, async () => {
        const r = await refused(() => send(op, { body: op.schema ? validBody(op) : undefined, token: sam.token }), 401, 'COIL-SV011');
        expect(r.body.error.message).toMatch(/signed out/);
    });
});

describe('a disabled account', () => {
    let dave: Client;
    beforeAll(async () => {
        await server.addUser('dave', ['Operator'], { name: 'Dave Gone', qualifications: [GMP] });
        dave = await server.login('dave');
        expect((await dave.get('/v1/sessions/current')).status).toBe(200);
        server.directory.setDisabled('dave', true, 'admin:test', 'left the company', server.clock.now());
    });

    for (const op of protectedOps) it(`${op.label} refuses the token of its open session (401 COIL-SV011)`, async () => {
        await refused(() => send(op, { body: op.schema ? validBody(op) : undefined, token: dave.token }), 401, 'COIL-SV011');
    });

    it('cannot sign in, even with the right password, and the failure is logged', async () => {
        const r = await refused(() => request(server.url, 'POST', '/v1/sessions', { user: 'dave', password: PASSWORD }), 401, 'COIL-SV012');
        expect(r.body.token).toBeUndefined();
        const last = server.directory.securityLog(0, 100_000).filter(e => e.subject === 'dave').at(-1);
        expect(last).toMatchObject({ type: 'login-failed', detail: { why: 'account disabled' } });
    });

    it('stops a session at once even when only the account flag changed', async () => {
        await server.addUser('dora', ['Operator'], { name: 'Dora Flag', qualifications: [GMP] });
        const dora = await server.login('dora');
        expect((await dora.get('/v1/batches')).status).toBe(200);
        server.store.connection.prepare('UPDATE users SET disabled = 1 WHERE user = ?').run('dora');
        const r = await refused(() => dora.get('/v1/batches'), 401, 'COIL-SV011');
        expect(r.body.error.message).toMatch(/disabled/);
    });
});

// ---- Expiry (last on the main server: it moves the clock past every session) -----------------

describe('expiry', () => {
    /** Signed in together: `idle` is never used again, `busy` is used to the last millisecond. */
    let idle: Client;
    let busy: Client;
    const expiresOf = (client: Client) => server.directory.session(tokenId(client.token))!.expires;
    beforeAll(async () => {
        await server.addUser('ella', ['Operator'], { name: 'Ella Late', qualifications: [GMP] });
        [idle, busy] = await Promise.all([server.login('ella'), server.login('ella')]);
    });

    it('refuses a signing challenge past its lifetime (COIL-SV030)', async () => {
        const id = await challenge(alice, { batch: BATCH, command: 'start-step', target: 'step:Collect' });
        server.clock.advance(5 * MINUTE);
        const r = await refused(() => alice.post(`/v1/batches/${BATCH}/commands/start-step`, { step: 'step:Collect', key: unique('late'), signature: { challenge: id, password: PASSWORD, user: 'alice' } }), 403, 'COIL-SV030');
        expect(r.body.error.message).toMatch(/expired/);
    });

    it('ends a session after 15 minutes without use, and not a millisecond later (401 COIL-SV011)', async () => {
        const expires = expiresOf(idle);
        expect(expiresOf(busy)).toBe(expires);
        expect(expires - server.clock.now()).toBeLessThanOrEqual(15 * MINUTE);
        server.clock.advance(expires - server.clock.now() - 1);
        expect((await busy.get('/v1/sessions/current')).status).toBe(200);
        server.clock.advance(1);
        const r = await refused(() => idle.get('/v1/sessions/current'), 401, 'COIL-SV011');
        expect(r.body.error.message).toMatch(/expired/);
        // The one in use was extended; the expired one stays expired.
        expect((await busy.get('/v1/sessions/current')).status).toBe(200);
        expect(expiresOf(idle)).toBe(expires);
    });

    for (const op of protectedOps) it(`${op.label} refuses an expired token (401 COIL-SV011)`, async () => {
        const r = await refused(() => send(op, { body: op.schema ? validBody(op) : undefined, token: idle.token }), 401, 'COIL-SV011');
        expect(r.body.error.message).toMatch(/expired/);
    });

    it('ends a session in constant use 12 hours after sign-in at the latest', async () => {
        const created = server.directory.session(tokenId(busy.token))!.created;
        let refusedAt: number | null = null;
        while (refusedAt === null && server.clock.now() < created + 13 * 60 * MINUTE) {
            server.clock.advance(10 * MINUTE);
            const r = await busy.get('/v1/sessions/current');
            if (r.status === 401) {
                expect(r.body.error.code).toBe('COIL-SV011');
                refusedAt = server.clock.now();
            } else {
                expect(r.status, show(r)).toBe(200);
            }
        }
        expect(refusedAt).not.toBeNull();
        expect(refusedAt! - created).toBeGreaterThan(11 * 60 * MINUTE);
        expect(refusedAt! - created).toBeLessThanOrEqual(12 * 60 * MINUTE + 10 * MINUTE);
        expect(expiresOf(busy) - created).toBeLessThanOrEqual(12 * 60 * MINUTE);
    });
});

// ---- Rate limiting, on servers with the default limits ---------------------------------------

describe('rate limiting (default limits: 5 failures per account, 20 per address, 15 minutes)', () => {
    let limited: TestServer;
    beforeAll(async () => {
        limited = await startServer({ workflows: [flagship] });
        await limited.addUser('mallory', ['Operator'], { name: 'Mallory Guess' });
        await limited.addUser('quinn', ['QAReviewer'], { name: 'Quinn Sign', qualifications: [GMP, { id: 'qualification:QAReleaser', expires: null }] });
        await limited.addUser('olive', ['Operator'], { name: 'Olive Bystander' });
    });
    afterAll(async () => limited?.close());

    const signIn = (user: string, password: string) => request(limited.url, 'POST', '/v1/sessions', { user, password });

    it('locks an account after 5 failed sign-ins, even against the right password (429 COIL-SV013), all in the security log', async () => {
        for (let i = 0; i < 5; i++) await refused(() => signIn('mallory', `${WRONG_PASSWORD} ${i}`), 401, 'COIL-SV012', limited);
        const locked = await refused(() => signIn('mallory', PASSWORD), 429, 'COIL-SV013', limited);
        expect(locked.body.token).toBeUndefined();
        expect(locked.body.error.message).toMatch(/too many failed attempts/);
        // Still locked: a wrong password is not told apart from a right one.
        await refused(() => signIn('mallory', WRONG_PASSWORD), 429, 'COIL-SV013', limited);
        const log = limited.directory.securityLog().filter(e => e.subject === 'mallory');
        const failed = log.filter(e => e.type === 'login-failed');
        expect(failed).toHaveLength(5);
        for (const e of failed) expect(e).toMatchObject({ actor: 'mallory', address: '127.0.0.1', detail: { why: 'wrong password' } });
        expect(log.filter(e => e.type === 'login-locked')).toHaveLength(2);
        expect(log.some(e => e.type === 'login')).toBe(false);
        expect(limited.directory.verifySecurityLog()).toBeNull();
        expect(limited.eventCount()).toBe(0);
    });

    it('locks one account only: another user signs in from the same address', async () => {
        const olive = await limited.login('olive');
        expect((await olive.get('/v1/sessions/current')).status).toBe(200);
    });

    it('counts failed signatures too: 5 wrong passwords at signing lock the account for signing and signing in', async () => {
        const quinn = await limited.login('quinn');
        const subject = { batch: null, command: 'approve-definition', target: flagship.digest };
        const approve = (id: string, password: string) => quinn.post(`/v1/definitions/${flagship.digest}/approvals`, { meaning: 'Approved for GMP use', signature: { challenge: id, password, user: 'quinn' } });
        for (let i = 0; i < 5; i++) {
            const id = await challenge(quinn, subject, ['Approved for GMP use']);
            await refused(() => approve(id, `${WRONG_PASSWORD} ${i}`), 403, 'COIL-SV031', limited);
        }
        const id = await challenge(quinn, subject, ['Approved for GMP use']);
        await refused(() => approve(id, PASSWORD), 429, 'COIL-SV013', limited);
        expect(limited.directory.challenge(id)?.used).toBeNull();
        expect(limited.directory.approvals(flagship.digest)).toEqual([]);
        await refused(() => signIn('quinn', PASSWORD), 429, 'COIL-SV013', limited);
        const failed = limited.directory.securityLog().filter(e => e.subject === 'quinn' && e.type === 'signature-failed');
        expect(failed).toHaveLength(5);
        expect(failed[0].detail).toEqual({ subject });
        expect(limited.directory.verifySecurityLog()).toBeNull();
    });

    it('lifts the lock once the window has passed', async () => {
        limited.clock.advance(15 * MINUTE + 1);
        const r = await signIn('mallory', PASSWORD);
        expect(r.status, show(r)).toBe(201);
        expect(limited.directory.securityLog().filter(e => e.subject === 'mallory').at(-1)?.type).toBe('login');
    });
});

describe('rate limiting by address', () => {
    let limited: TestServer;
    beforeAll(async () => {
        limited = await startServer({ workflows: [flagship], maxFailuresPerAddress: 3 });
        await limited.addUser('polly', ['Operator'], { name: 'Polly Innocent' });
    });
    afterAll(async () => limited?.close());

    it('locks an address after its failures, whoever signs in from it next (429 COIL-SV013)', async () => {
        for (const user of ['ghost-1', 'ghost-2', 'ghost-3']) await refused(() => request(limited.url, 'POST', '/v1/sessions', { user, password: PASSWORD }), 401, 'COIL-SV012', limited);
        await refused(() => request(limited.url, 'POST', '/v1/sessions', { user: 'polly', password: PASSWORD }), 429, 'COIL-SV013', limited);
        const failed = limited.directory.securityLog().filter(e => e.type === 'login-failed');
        expect(failed.map(e => [e.subject, e.detail.why])).toEqual([['ghost-1', 'unknown user'], ['ghost-2', 'unknown user'], ['ghost-3', 'unknown user']]);
        expect(limited.directory.verifySecurityLog()).toBeNull();
    });
});
