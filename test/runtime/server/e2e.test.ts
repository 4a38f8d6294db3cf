/**
 * The runtime server end to end, over real HTTP on loopback with the SQLite store: change control
 * (a GMP batch only on an approved definition), a whole batch of the flagship from start to release
 * with e-signatures, every scenario of the flagship (each of its deviation routes) driven through
 * the API as the cast's people, and the reads a plant floor uses: batches, what is next, timers,
 * open deviations, the audit trail and the exported records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAutopilot, runScenario, scenarioEpoch, verifyBatch, VirtualClock } from '@coil/runtime';
import { goldenWorkflow, httpExecutor, startServer, type Client, type TestServer } from './harness.js';

const flagship = goldenWorkflow('AutologousFresh');
const IDENTITY = 'W1234 26 123456 7';

describe('the runtime server, end to end over HTTP', () => {
    let server: TestServer;
    let qa: Client;

    beforeAll(async () => {
        server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship) });
        await server.addUser('alice', ['QAReviewer'], { name: 'Alice Ng', qualifications: [{ id: 'qualification:GMPBasics', expires: '2027-12-31' }, { id: 'qualification:QAReleaser', expires: null }] });
        await server.addUser('olga', ['Operator'], { name: 'Olga Petrova' });
        qa = await server.login('alice');
    });
    afterAll(async () => server?.close());

    it('starts no GMP batch on an unapproved definition, and does once QA has approved it with an e-signature', async () => {
        const operator = await server.login('olga');
        const start = { batch: 'CC-1', identity: IDENTITY, definition: flagship.digest, key: 'start-cc-1' };
        const refused = await operator.post('/v1/batches', start);
        expect(refused.status).toBe(422);
        expect(refused.body.error.code).toBe('COIL-SV040');
        expect(server.eventCount()).toBe(0);

        // Only QA approves.
        const byOperator = await operator.post(`/v1/definitions/${flagship.digest}/approvals`, { signature: { challenge: 'x', password: 'y' } });
        expect(byOperator.status).toBe(403);
        expect(byOperator.body.error.message).toContain('QAReviewer');

        const approved = await qa.approve(flagship.digest);
        expect(approved.status).toBe(201);
        expect(approved.body.approved).toBe(true);
        expect(approved.body.approvals[0]).toMatchObject({ user: 'alice', name: 'Alice Ng', meaning: 'Approved for GMP use' });
        expect(approved.body.approvals[0].hash).toMatch(/^sha256:/);
        const again = await qa.approve(flagship.digest);
        expect(again.body.error.code).toBe('COIL-SV042');

        const started = await operator.post('/v1/batches', start);
        expect(started.status, JSON.stringify(started.body)).toBe(201);
        expect(started.body.events[0]).toMatchObject({ seq: 1, type: 'batch-started', user: 'olga', name: 'Olga Petrova' });
        const batch = await operator.get('/v1/batches/CC-1');
        expect(batch.body).toMatchObject({ batch: 'CC-1', training: false, status: 'in_progress', definition: flagship.digest });
        const log = server.directory.securityLog().map(e => e.type);
        expect(log).toContain('definition-approved');
        expect(server.directory.verifySecurityLog()).toBeNull();
    });

    it('drives the flagship from start to release through the API, every signature re-authenticated and on the record', async () => {
        server.clock.current = new VirtualClock(scenarioEpoch(flagship));
        const result = await runAutopilot(flagship, { store: server.store, clock: server.clock.current, batch: 'AF-HTTP-1', execute: httpExecutor(server, 'Supervisor') });
        expect(result.stuck).toBeNull();
        const events = await server.store.events('AF-HTTP-1');
        const released = events.find(e => e.type === 'batch-released')!;
        expect(released).toBeDefined();
        expect(released.signatures.length).toBeGreaterThan(0);
        const signer = server.directory.user(released.user)!;
        expect(signer.roles).toContain('QAReviewer');
        for (const s of released.signatures) expect(s).toMatchObject({ user: signer.user, name: signer.name, time: released.time });
        // Each signature on the record is bound to the hash of its event, and the chain verifies.
        const signatures = await server.store.signatures('AF-HTTP-1');
        expect(signatures.length).toBe(events.reduce((n, e) => n + e.signatures.length, 0));
        expect(verifyBatch('AF-HTTP-1', events, signatures, await server.store.batch('AF-HTTP-1'))).toEqual([]);
        // Each signature was made with a used, one-time challenge for exactly that command.
        const used = server.store.connection.prepare('SELECT count(*) FROM challenges WHERE used IS NOT NULL').pluck().get() as number;
        expect(used).toBeGreaterThanOrEqual(events.filter(e => e.signatures.length > 0).length);

        const reviewer = await server.login(signer.user);
        const listed = await reviewer.get('/v1/batches');
        expect(listed.body.batches.find((b: { batch: string }) => b.batch === 'AF-HTTP-1')).toMatchObject({ status: 'released', identity: expect.any(String), process: 'AutologousFresh' });
        const trail = await reviewer.get('/v1/batches/AF-HTTP-1/audit-trail');
        expect(trail.status).toBe(200);
        expect(trail.body.verified).toBe(true);
        expect(trail.body.events).toHaveLength(events.length);
        expect(trail.body.events[0]).toMatchObject({ seq: 1, type: 'batch-started', changes: expect.any(Array) });
        const json = await reviewer.get('/v1/batches/AF-HTTP-1/record');
        expect(json.status).toBe(200);
        expect(json.body.events).toHaveLength(events.length);
        const html = await reviewer.get('/v1/batches/AF-HTTP-1/record.html');
        expect(html.status).toBe(200);
        expect(html.headers.get('content-type')).toContain('text/html');
        expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(html.body).toContain(signer.name);
        expect(html.body).toContain(released.signatures[0].meaning);
    });

    it('answers what is next, the running timers and the open deviations of a batch in progress', async () => {
        const operator = await server.login('olga');
        const next = await operator.get('/v1/batches/CC-1/next');
        expect(next.status).toBe(200);
        expect(next.body.due.length).toBeGreaterThan(0);
        expect(next.body.due[0]).toMatchObject({ status: expect.stringMatching(/ready|running/), role: expect.any(String) });
        const timers = await operator.get('/v1/timers');
        expect(timers.status).toBe(200);
        for (const t of timers.body.timers) expect(Date.parse(t.due)).not.toBeNaN();
        const ofBatch = await operator.get('/v1/batches/CC-1/timers');
        expect(ofBatch.body.timers.every((t: { batch: string }) => t.batch === 'CC-1')).toBe(true);
        const deviations = await operator.get('/v1/deviations');
        expect(deviations.status).toBe(200);
        expect(Array.isArray(deviations.body.deviations)).toBe(true);
        const unknown = await operator.get('/v1/batches/NOPE/next');
        expect(unknown.status).toBe(404);
        expect(unknown.body.error.code).toBe('COIL-SV050');
    });
});

describe('sessions', () => {
    it('expire after 15 minutes without use, last while in use, and end at sign-out', async () => {
        const server = await startServer({ workflows: [flagship] });
        try {
            await server.addUser('olga', ['Operator'], { name: 'Olga Petrova' });
            const busy = await server.login('olga');
            const idle = await server.login('olga');
            for (let minute = 0; minute < 40; minute += 10) {
                server.clock.advance(10 * 60_000);
                expect((await busy.get('/v1/sessions/current')).status, `in use, after ${minute + 10} min`).toBe(200);
            }
            const expired = await idle.get('/v1/sessions/current');
            expect(expired.status).toBe(401);
            expect(expired.body.error).toMatchObject({ code: 'COIL-SV011', message: expect.stringContaining('expired') });
            expect((await busy.post('/v1/sessions/current', {})).status).toBe(404);
            const out = await (await import('./harness.js')).request(server.url, 'DELETE', '/v1/sessions/current', undefined, busy.token);
            expect(out.status).toBe(204);
            expect((await busy.get('/v1/sessions/current')).body.error.code).toBe('COIL-SV011');
            expect(server.directory.securityLog().map(e => e.type)).toEqual(['user-added', 'login', 'login', 'logout']);
        } finally {
            await server.close();
        }
    });
});

describe('QA and deviations', () => {
    it('leaves a deviation that blocks release to QA until the release, however it is named', async () => {
        const cryo = goldenWorkflow('AutologousCryo');
        const server = await startServer({ workflows: [cryo], start: scenarioEpoch(cryo) });
        try {
            await server.addUser('qa', ['QAReviewer'], { name: 'Quinn Adams' });
            await server.addUser('nurse', ['ApheresisNurse'], { name: 'Nora Hale' });
            await server.addUser('doctor', ['Physician'], { name: 'Dr Ada Osei' });
            const qa = await server.login('qa');
            expect((await qa.approve(cryo.digest)).status).toBe(201);
            const nurse = await server.login('nurse');
            expect((await nurse.post('/v1/batches', { batch: 'AC-1', identity: 'W1234 26 123456 7', definition: cryo.digest, key: 'start' })).status).toBe(201);
            const raised = await nurse.command('AC-1', 'raise-deviation', { deviation: 'deviation:ConditioningWindowMissed' }, { key: 'raise' });
            expect(raised.status, JSON.stringify(raised.body)).toBe(200);
            const doctor = await server.login('doctor');
            const before = server.eventCount();
            for (const deviation of ['deviation:ConditioningWindowMissed', 'deviation:ConditioningWindowMissed#1']) {
                const refused = await doctor.command('AC-1', 'disposition', { deviation, option: 'continue' }, { key: `by-doctor-${deviation}` });
                expect(refused.status, deviation).toBe(403);
                expect(refused.body.error.code).toBe('COIL-SV020');
                expect(refused.body.error.message).toContain('QAReviewer');
            }
            expect(server.eventCount()).toBe(before);
        } finally {
            await server.close();
        }
    });
});

describe('signatures on the record', () => {
    it('puts a signature the command does not ask for on the command\'s event too: a signature given is never dropped', async () => {
        const server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship) });
        try {
            await server.addUser('qa', ['QAReviewer'], { name: 'Quinn Adams' });
            await server.addUser('nurse', ['ApheresisNurse'], { name: 'Nora Hale', qualifications: [{ id: 'qualification:GMPBasics', expires: null }, { id: 'qualification:ApheresisCertified', expires: null }] });
            expect((await (await server.login('qa')).approve(flagship.digest)).status).toBe(201);
            const nurse = await server.login('nurse');
            expect((await nurse.post('/v1/batches', { batch: 'SIG-1', identity: IDENTITY, definition: flagship.digest, key: 'start' })).status).toBe(201);
            expect((await nurse.command('SIG-1', 'start-step', { step: 'step:Collect' }, { key: 'collect' })).status).toBe(200);
            const value = { parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 250, unit: 'mL' } };
            const signed = await nurse.command('SIG-1', 'record-value', value, { key: 'volume', meanings: ['Entered and checked'] });
            expect(signed.status, JSON.stringify(signed.body)).toBe(200);
            expect(signed.body.events[0]).toMatchObject({ type: 'value-recorded', signatures: [{ user: 'nurse', name: 'Nora Hale', meaning: 'Entered and checked' }] });
            const records = await server.store.signatures('SIG-1');
            expect(records.map(r => [r.seq, r.meaning])).toEqual([[signed.body.events[0].seq, 'Entered and checked']]);
            expect(verifyBatch('SIG-1', await server.store.events('SIG-1'), records, await server.store.batch('SIG-1'))).toEqual([]);
        } finally {
            await server.close();
        }
    });
});

describe('every scenario of the flagship over HTTP', () => {
    let server: TestServer;
    beforeAll(async () => {
        server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship), allowUnapproved: false });
        const qa = await (async () => {
            await server.addUser('qa.approver', ['QAReviewer'], { name: 'QA Approver' });
            return server.login('qa.approver');
        })();
        expect((await qa.approve(flagship.digest)).status).toBe(201);
    });
    afterAll(async () => server?.close());

    for (const scenario of flagship.scenarios) {
        it(scenario.title, async () => {
            server.clock.current = new VirtualClock(scenarioEpoch(flagship));
            const result = await runScenario(flagship, scenario, {
                store: server.store, clock: server.clock.current, batch: `S-${scenario.id.replace('scenario:', '')}`, execute: httpExecutor(server, 'Supervisor'),
            });
            expect(result.failure, result.failure ? `${result.failure.expected}: ${result.failure.actual}` : '').toBeNull();
            expect(result.passed).toBe(true);
            const events = await server.store.events(result.batch);
            expect(verifyBatch(result.batch, events, await server.store.signatures(result.batch), await server.store.batch(result.batch))).toEqual([]);
            // Every person on the record signed in through the API.
            const people = new Set(events.filter(e => e.user !== 'system').map(e => e.user));
            for (const user of people) expect(server.directory.user(user), user).not.toBeNull();
        });
    }
});
