/**
 * Golden batch histories: the event log of every example scenario and of each example's autopilot
 * happy path, committed in test/runtime/histories/<Process>/<slug>.jsonl (one RecordedEvent per
 * line) with the batch state after its last event (<slug>.state.json). Each committed log must
 *
 *   1. replay, with today's `evolve`, to exactly its committed state: past batch records stay readable;
 *   2. verify as an audit trail (hash chain and signature bindings);
 *   3. be what the engine records today for the same scenario, event by event: a change in how the
 *      engine decides shows here as the first event and field that differ.
 *
 * After an intended change of engine behaviour, regenerate and review the diff (see histories/README.md):
 *
 *     UPDATE_GOLDEN=1 npx vitest run test/runtime/histories.test.ts && git diff test/runtime/histories
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SignedWorkflow } from '@coil/compiler/ir';
import { replay, runAutopilot, runScenario, signatureHash, verifyBatch, type BatchState, type RecordedEvent, type StoredSignature } from '@coil/runtime';

const GOLDEN = path.resolve(__dirname, '../compiler/golden');
const HISTORIES = path.join(__dirname, 'histories');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const REGENERATE = 'if the change is intended, run `UPDATE_GOLDEN=1 npx vitest run test/runtime/histories.test.ts` and review the diff (git diff test/runtime/histories): it means past batches would now be decided differently';

const workflows: SignedWorkflow[] = fs.readdirSync(GOLDEN).filter(f => f.endsWith('.workflow.json')).sort()
    .map(f => JSON.parse(fs.readFileSync(path.join(GOLDEN, f), 'utf8')) as SignedWorkflow);

interface History {
    readonly process: string;
    readonly slug: string;
    readonly title: string;
    /** Runs the batch again from scratch: its events, final state, and whether a scenario's expectations held. */
    readonly run: () => Promise<{ batch: string; events: RecordedEvent[]; state: BatchState; failure: string | null }>;
}

/** `happy-path-collected-made-released-and-infused`: the title's words, up to about 50 characters. */
function slugOf(text: string): string {
    const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    let slug = words[0] ?? 'untitled';
    for (const word of words.slice(1)) {
        if (slug.length + 1 + word.length > 50) break;
        slug += `-${word}`;
    }
    return slug;
}

function historiesOf(w: SignedWorkflow): History[] {
    const histories: History[] = w.scenarios.map(scenario => ({
        process: w.process.name,
        slug: `${scenario.id.replace('scenario:', 's')}-${slugOf(scenario.title)}`,
        title: `scenario "${scenario.title}"`,
        run: async () => {
            const result = await runScenario(w, scenario);
            const failure = result.failure ? `entry ${result.failure.entry}: expected ${result.failure.expected}, got ${result.failure.actual}` : null;
            return { batch: result.batch, events: await result.runtime.store.events(result.batch), state: (await result.plant.state())!, failure };
        },
    }));
    histories.push({
        process: w.process.name,
        slug: 'autopilot-happy-path',
        title: 'autopilot happy path',
        run: async () => {
            const result = await runAutopilot(w);
            return { batch: result.batch, events: await result.runtime.store.events(result.batch), state: (await result.plant.state())!, failure: result.stuck };
        },
    });
    return histories;
}

const all = workflows.flatMap(historiesOf);
const logPath = (h: History) => path.join(HISTORIES, h.process, `${h.slug}.jsonl`);
const statePath = (h: History) => path.join(HISTORIES, h.process, `${h.slug}.state.json`);
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

if (UPDATE) {
    for (const w of workflows) {
        const dir = path.join(HISTORIES, w.process.name);
        fs.mkdirSync(dir, { recursive: true });
        const keep = new Set(historiesOf(w).flatMap(h => [`${h.slug}.jsonl`, `${h.slug}.state.json`]));
        for (const file of fs.readdirSync(dir)) if ((file.endsWith('.jsonl') || file.endsWith('.state.json')) && !keep.has(file)) fs.rmSync(path.join(dir, file));
    }
    for (const h of all) {
        const { events, state } = await h.run();
        fs.writeFileSync(logPath(h), events.map(e => JSON.stringify(e)).join('\n') + '\n');
        fs.writeFileSync(statePath(h), `${JSON.stringify(state, null, 2)}\n`);
    }
}

function readLog(h: History): RecordedEvent[] {
    if (!fs.existsSync(logPath(h))) throw new Error(`no committed history ${path.relative(process.cwd(), logPath(h))}: ${REGENERATE}`);
    return fs.readFileSync(logPath(h), 'utf8').split('\n').filter(line => line.trim() !== '').map(line => JSON.parse(line) as RecordedEvent);
}

function readState(h: History): BatchState {
    if (!fs.existsSync(statePath(h))) throw new Error(`no committed state ${path.relative(process.cwd(), statePath(h))}: ${REGENERATE}`);
    return JSON.parse(fs.readFileSync(statePath(h), 'utf8')) as BatchState;
}

/** The signature records a store keeps beside the events, rebuilt from the signatures the events show. */
function signaturesOf(events: readonly RecordedEvent[]): StoredSignature[] {
    return events.flatMap(e => e.signatures.map(m => {
        const record = { batch: e.batch, seq: e.seq, user: m.user, name: m.name, meaning: m.meaning, time: m.time, signed: e.hash };
        return { ...record, hash: signatureHash(record) };
    }));
}

const FIELDS = ['type', 'time', 'user', 'name', 'role', 'reason', 'data', 'changes', 'signatures', 'seq', 'batch', 'command', 'prev', 'hash'] as const;

const show = (value: unknown) => {
    const text = JSON.stringify(value);
    return text.length > 400 ? `${text.slice(0, 400)}…` : text;
};

/** The first difference between the committed log and today's, in words, or null. */
function firstDifference(committed: readonly RecordedEvent[], now: readonly RecordedEvent[]): string | null {
    for (let i = 0; i < Math.max(committed.length, now.length); i++) {
        const a = committed[i];
        const b = now[i];
        if (!a) return `today's engine records ${now.length - committed.length} more event(s), from event ${b.seq} (${b.type}): ${show(b.data)}`;
        if (!b) return `today's engine stops after event ${now.length}; the committed log goes on with event ${a.seq} (${a.type}): ${show(a.data)}`;
        for (const field of FIELDS) {
            if (!isDeepStrictEqual(a[field], b[field])) {
                return `event ${a.seq} (${a.type}${b.type !== a.type ? ` committed, ${b.type} today` : ''}) differs in ${field}: committed ${show(a[field])}, today ${show(b[field])}`;
            }
        }
    }
    return null;
}

describe('golden histories', () => {
    it('there is one committed history per example scenario and per example autopilot run, and nothing else', () => {
        const expected = all.map(h => `${h.process}/${h.slug}.jsonl`).concat(all.map(h => `${h.process}/${h.slug}.state.json`)).sort();
        const present = fs.existsSync(HISTORIES)
            ? fs.readdirSync(HISTORIES, { withFileTypes: true }).filter(d => d.isDirectory())
                .flatMap(d => fs.readdirSync(path.join(HISTORIES, d.name)).filter(f => f.endsWith('.jsonl') || f.endsWith('.state.json')).map(f => `${d.name}/${f}`)).sort()
            : [];
        expect(present, REGENERATE).toEqual(expected);
    });
});

describe.each(all.map(h => [`${h.process} › ${h.slug}`, h] as const))('%s', (_name, h) => {
    it('replays with today\'s evolve to its committed final state', () => {
        const events = readLog(h);
        expect(events.length).toBeGreaterThan(0);
        expect(plain(replay(events)), `the committed log of ${h.title} no longer replays to its committed state: evolve changed how it reads past events`).toEqual(readState(h));
    });

    it('verifies as an audit trail', () => {
        const events = readLog(h);
        const batch = events[0].batch;
        expect(events.every(e => e.batch === batch)).toBe(true);
        const issues = verifyBatch(batch, events, signaturesOf(events), { version: events.length, head: events.at(-1)!.hash });
        if (issues.length > 0) expect.fail(`the committed trail of ${h.title} does not verify: ${issues.map(i => `${i.code} at event ${i.seq}: ${i.message}`).join('; ')}`);
    });

    it('is what the engine records today, event by event', async () => {
        const committed = readLog(h);
        const today = await h.run();
        expect(today.failure, `${h.title} no longer runs as written`).toBeNull();
        const difference = firstDifference(committed, plain(today.events));
        if (difference) expect.fail(`${h.title}: the engine now records this batch differently: ${difference}. ${REGENERATE}`);
        expect(plain(today.state)).toEqual(readState(h));
    });
});
