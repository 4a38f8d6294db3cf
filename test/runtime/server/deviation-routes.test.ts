/**
 * Every deviation route of the flagship (AutologousFresh) over real HTTP on loopback, with the
 * SQLite store: each deviation × each way it is raised × each of its disposition options, as
 * test/runtime/paths.test.ts drives them on the engine (the routes are enumerated once, in
 * test/runtime/routes.ts), here driven through the API as the cast's people (`httpExecutor`),
 * signing in and signing. Each route must be raised by its trigger, quarantine or hold the batch as
 * the deviation declares while it is open (as the API shows it), end as its disposition implies
 * (continued and released, reworked, rejected, terminated, released exceptionally), with an audit
 * trail that verifies and replays to the live state, and every deviation that blocks release
 * dispositioned by QA: until the release, the server lets only a QA role (the release role)
 * disposition one.
 *
 * Time: a route's batch takes some 45 password checks (sign-ins, again whenever a session has
 * lapsed on the virtual clock, and a re-authentication for every e-signature). At the default
 * scrypt cost (N = 2^14, about 130 ms each) the 43 routes would take minutes, so the people here
 * get their password hashed at N = 2^10: the server reads the cost from the stored hash and checks
 * every sign-in and signature as it would any other. test/runtime/server/e2e.test.ts covers the
 * default cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Id } from '@coil/compiler/ir';
import { batchStatus, replay, scenarioEpoch, verifyBatch, VirtualClock, type Actor, type BatchState, type Command, type DeviationState, type Plant } from '@coil/runtime';
import { hashPassword } from '@coil/runtime/server';
import { deviationPaths, expectRouteOutcome, runDeviationPath, short, triggerKind, type DeviationPath } from '../routes.js';
import { goldenWorkflow, httpExecutor, PASSWORD, startServer, type Client, type TestServer } from './harness.js';

const flagship = goldenWorkflow('AutologousFresh');
const { paths, unreachable } = deviationPaths(flagship);
/** The release role: the server's only QA role here. */
const QA: Id = flagship.release!.role;
/** A process role that is not QA and dispositions deviations of its own (Supervisor: LowStartingMaterial, LowPurity). */
const NOT_QA: Id = flagship.deviations.map(d => d.disposition?.role).find((r): r is Id => !!r && r !== QA)!;

/** What the API showed and answered while the route's deviation was open, just before its disposition. */
interface Observed {
    /** The deviation as GET /v1/batches/{batch}/deviations listed it. */
    readonly listed: Record<string, unknown> | undefined;
    /** The batch's status and activities as GET /v1/batches/{batch} showed them. */
    readonly status: string;
    readonly activities: ReadonlyArray<{ id: Id; status: string; blockers: string[] }>;
    readonly released: boolean;
    /** A running step's completion, tried by its performer while the batch was held. */
    heldCompletion: Attempt & { step: Id } | null;
    /** Its disposition tried by a holder of a role other than QA, naming the deviation, then its instance. */
    byNonQa: { byId: Attempt; byInstance: Attempt } | null;
}

/** A command tried over HTTP: its refusal code (undefined when accepted) and the events it added. */
interface Attempt {
    readonly code: string | undefined;
    readonly events: number;
}

describe('AutologousFresh: every deviation route over HTTP', () => {
    let server: TestServer;
    /** The server with its people added at a lower scrypt cost (see above): what `httpExecutor` adds users through. */
    let people: TestServer;
    let reader: Client;
    /** A read as QA over the API, signing in again when the session has lapsed on the virtual clock. */
    const read = async (route: string) => {
        let response = await reader.get(route);
        if (response.status === 401 && response.body.error.code === 'COIL-SV011') {
            reader = await server.login('qa.reader');
            response = await reader.get(route);
        }
        expect(response.status, `GET ${route}: ${JSON.stringify(response.body)}`).toBe(200);
        return response.body;
    };

    beforeAll(async () => {
        server = await startServer({ workflows: [flagship], start: scenarioEpoch(flagship), allowUnapproved: false });
        const hash = await hashPassword(PASSWORD, { N: 2 ** 10, r: 8, p: 1 });
        people = {
            ...server,
            async addUser(user, roles, extra = {}) {
                server.directory.addUser({ user, name: extra.name ?? user, roles, qualifications: extra.qualifications ?? [] }, hash, 'test', server.clock.now());
            },
        };
        await people.addUser('qa.reader', [short(QA)], { name: 'QA Reader' });
        reader = await server.login('qa.reader');
        expect((await reader.approve(flagship.digest)).status, 'QA approved the definition').toBe(201);
    });
    afterAll(async () => server?.close());

    it('enumerates a route for every deviation the flagship declares, with each of its disposition options', () => {
        expect(unreachable).toEqual([]);
        const declared = flagship.deviations.flatMap(d => (d.disposition?.options ?? ['continue']).map(o => `${d.name} › ${o}`));
        expect(new Set(paths.map(p => `${p.deviation.name} › ${p.option}`))).toEqual(new Set(declared));
        // The process and the server agree: what blocks release is QA's to disposition.
        for (const d of flagship.deviations.filter(x => x.blocksRelease)) expect(d.disposition?.role ?? QA, `${d.name} is dispositioned by`).toBe(QA);
    });

    for (const u of unreachable) {
        it(`deviation › ${u.name}`, () => {
            expect.fail(u.why);
        });
    }

    it.each(paths.map((p, i) => [p.name, p, i] as const))('deviation › %s', async (_n, p: DeviationPath, i: number) => {
        const batch = `DR-${String(i + 1).padStart(2, '0')}`;
        server.clock.current = new VirtualClock(scenarioEpoch(flagship));
        const execute = httpExecutor(people, 'Supervisor');
        let observed: Observed | null = null;

        const beforeDisposition = async (plant: Plant, state: BatchState, open: DeviationState) => {
            const listed = (await read(`/v1/batches/${batch}/deviations`)).deviations.find((d: { instance: string }) => d.instance === open.instance);
            const view = await read(`/v1/batches/${batch}`);
            const seen: Observed = { listed, status: view.status, activities: view.activities, released: state.outcome === 'released', heldCompletion: null, byNonQa: null };
            observed = seen;
            /** Sends a command outside the plant (it does not see it), and counts the events it added. */
            const attempt = async (body: Record<string, unknown>, actor: Actor, key: string): Promise<Attempt> => {
                const before = (await server.store.events(batch)).length;
                const command = { ...body, batch, key: `${batch}:${key}`, actor, reason: null, signatures: [] } as unknown as Command;
                const outcome = await execute(command, plant.def.digest);
                return { code: outcome.ok ? undefined : outcome.code, events: (await server.store.events(batch)).length - before };
            };
            // Held: a running step cannot complete.
            const running = Object.entries(state.nodes).find(([id, n]) => n.status === 'running' && plant.def.steps.has(id))?.[0];
            if (open.holdsBatch && running) {
                seen.heldCompletion = { step: running, ...(await attempt({ type: 'complete-step', step: running }, plant.performerOf(state, running), 'held-completion')) };
            }
            if (p.deviation.blocksRelease) {
                const other = plant.cast.holder(NOT_QA);
                seen.byNonQa = {
                    byId: await attempt({ type: 'disposition', deviation: p.deviation.id, option: p.option }, other, 'not-qa-by-id'),
                    byInstance: await attempt({ type: 'disposition', deviation: open.instance, option: p.option }, other, 'not-qa-by-instance'),
                };
            }
        };

        const { result, dispositioned, refusal, stuckBefore } = await runDeviationPath(flagship, p, {
            batch, store: server.store, clock: server.clock.current, execute, beforeDisposition,
        });

        // Raised by its trigger, dispositioned as the route says, the batch ending as that implies (as paths.test.ts asserts).
        expect(refusal, 'the disposition (and the trigger) were accepted').toBeNull();
        expect(dispositioned, `${p.deviation.name} was raised`).not.toBeNull();
        const events = await server.store.events(batch);
        const live = (await result.plant.state())!;
        expect(verifyBatch(batch, events, await server.store.signatures(batch), await server.store.batch(batch)), 'the audit trail verifies').toEqual([]);
        expect(replay(events), 'the events replay to the live state').toEqual(live);
        expectRouteOutcome(p, live, { result, dispositioned, stuckBefore });
        if (batchStatus(live) === 'released') {
            // Released by QA with e-signatures, each re-authenticated by the server.
            const released = events.find(e => e.type === 'batch-released')!;
            expect(released.signatures.length, 'the release is signed').toBeGreaterThan(0);
            expect(server.directory.user(released.user)!.roles, 'released by QA').toContain(short(QA));
        }

        // While it was open, the API showed it as declared: its trigger, options, quarantines and hold.
        const o = observed as Observed | null;
        expect(o, 'the open deviation was read over the API').not.toBeNull();
        const quarantines = [...new Set(p.deviation.actions.flatMap(a => (a.kind === 'quarantine' ? a.materials : [])))];
        const holds = p.deviation.actions.some(a => a.kind === 'hold-batch');
        expect(o!.listed, 'listed among the open deviations').toMatchObject({
            instance: dispositioned, deviation: p.deviation.id, blocksRelease: p.deviation.blocksRelease, trigger: triggerKind[p.trigger.kind],
            quarantines: quarantines.map(short), holdsBatch: holds, options: p.deviation.disposition?.options ?? ['continue'],
            dispositionBy: short(p.deviation.disposition?.role ?? QA),
        });
        /** What was left to begin. */
        const pending = o!.activities.filter(a => a.status === 'blocked' || a.status === 'ready');
        if (holds) {
            expect(o!.status, 'the batch is on hold').toBe('on_hold');
            expect(pending.length + (o!.heldCompletion ? 1 : 0), 'the hold has something to hold: an activity to begin or a step to complete').toBeGreaterThan(0);
            for (const a of pending) expect(a.blockers, `${a.id} is held`).toContain(`the batch is on hold: deviation ${p.deviation.name} is open`);
            if (o!.heldCompletion) expect(o!.heldCompletion, `${short(o!.heldCompletion.step)} cannot complete while held`).toEqual({ step: o!.heldCompletion.step, code: 'COIL-RT005', events: 0 });
        } else {
            expect(o!.status, 'the batch is not on hold').not.toBe('on_hold');
        }
        let quarantined = 0;
        for (const a of pending) {
            const consumes = a.id === 'release' ? [flagship.release!.material] : result.plant.def.steps.get(a.id)?.consumes.map(c => c.material) ?? [];
            for (const m of consumes.filter(x => quarantines.includes(x))) {
                quarantined++;
                expect(a.blockers, `${a.id} waits while ${short(m)} is quarantined`).toContain(`${short(m)} is quarantined by deviation ${p.deviation.name}`);
            }
        }
        if (quarantines.length > 0 && pending.length > 0) expect(quarantined, 'what is left to do uses a quarantined material, and waits').toBeGreaterThan(0);

        // Only QA dispositions a deviation that blocks release.
        if (p.deviation.blocksRelease) {
            const { byId, byInstance } = o!.byNonQa!;
            // Before the release the server refuses anyone without a QA role; after it, the engine refuses anyone without the declared role (QA here).
            expect(byId, `a ${short(NOT_QA)} may not disposition ${p.deviation.name}`).toEqual({ code: o!.released ? 'COIL-RT009' : 'COIL-SV020', events: 0 });
            // Named by its instance (as the plant names it), the server does not see that it blocks release (runtime/src/server/app.ts:442
            // looks the instance id up as a deviation id); the engine's role check refuses it.
            expect(byInstance.events, `a ${short(NOT_QA)} may not disposition ${p.deviation.name} by its instance either`).toBe(0);
            expect(['COIL-SV020', 'COIL-RT009']).toContain(byInstance.code);
        } else {
            expect(o!.byNonQa).toBeNull();
        }
        const dispositions = events.filter(e => e.type === 'deviation-dispositioned');
        expect(dispositions.map(e => e.data.instance), 'the route\'s deviation was dispositioned').toContain(dispositioned);
        for (const e of dispositions) {
            const declared = flagship.deviations.find(d => d.id === e.data.deviation)!;
            const user = server.directory.user(e.user);
            expect(user, `${e.user} signed in through the API`).not.toBeNull();
            if (declared.blocksRelease) expect(user!.roles, `${declared.name} blocks release: dispositioned by QA`).toContain(short(QA));
        }
        // Every person on the record signed in through the API.
        for (const user of new Set(events.filter(e => e.user !== 'system').map(e => e.user))) expect(server.directory.user(user), user).not.toBeNull();
    });
});
