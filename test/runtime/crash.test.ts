/**
 * Durability under crashes: a child process writes commands to one SQLite file through the Runtime
 * and is SIGKILLed at a random moment, round after round. After every kill, each command the child
 * acknowledged is in the file with its events, every batch's chain verifies, and no commit is
 * half there. At the end the timers the batches left pending fire exactly once, from one runtime
 * or from two sweeping the same file at once.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Runtime, SqliteStore, VirtualClock, type TimerRow } from '@coil/runtime';
import { WORKFLOW } from './store-conformance.js';

const WRITER = path.resolve(__dirname, 'fixtures/crash-writer.mjs');
const DAY = 86_400_000;
const ROUNDS = 20;
/**
 * The child runs on the system clock, moved on past the workflow's effective date while that is
 * still ahead (these machines' clocks read November 2026; AutologousFresh is effective from
 * 2026-12-01 and refuses batches before). One shift for every round, so time never goes back.
 */
const SHIFT = Math.max(0, Date.parse(WORKFLOW.process.effective!) + DAY - Date.now());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-crash-'));
const file = path.join(dir, 'crash.db');

afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});

interface Child {
    /** What it printed, line by line (READY left out). */
    readonly lines: string[];
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stderr: string;
}

interface Running {
    /** The writer has loaded and verified the workflow and waits for `go`. */
    readonly ready: Promise<void>;
    /** Lets the writer start and SIGKILLs it `killAfterMs` after its first acknowledgement. */
    go(killAfterMs: number): void;
    readonly closed: Promise<Child>;
    kill(): void;
}

/** Starts the writer script with `args`, collecting its complete output lines. */
function start(args: readonly string[]): Running {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    let killAfterMs: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let ready!: () => void;
    const readyPromise = new Promise<void>(resolve => (ready = resolve));
    // Never wait forever on a child that hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const parts = pending.split('\n');
        pending = parts.pop()!;
        for (const line of parts) {
            if (line === 'READY') ready();
            else lines.push(line);
        }
        if (killAfterMs !== undefined && timer === undefined && lines.length > 0) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<Child>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => {
            clearTimeout(guard);
            clearTimeout(timer);
            ready();
            resolve({ lines, code, signal, stderr });
        });
    });
    return {
        ready: readyPromise,
        go(ms) {
            killAfterMs = ms;
            child.stdin.end('go\n');
        },
        closed,
        kill: () => child.kill('SIGKILL'),
    };
}

/** The timer-fired events in the file, counted per (batch, timer instance). */
async function firings(store: SqliteStore): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const e of await store.eventsAfter(0, Number.MAX_SAFE_INTEGER)) {
        if (e.type !== 'timer-fired') continue;
        const id = `${e.batch}|${e.data.key as string}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
}

/**
 * Everything in the file is whole: acknowledged commands, chains, heads, timers. The batches
 * checked in depth are those `deep` selects; every batch's head is checked against its events.
 */
async function checkFile(path: string, acknowledged: ReadonlyMap<string, string>, deep: (batch: string) => boolean = () => true): Promise<{ batches: number; events: number }> {
    const store = SqliteStore.open(path);
    try {
        const runtime = new Runtime({ store, clock: new VirtualClock(Date.now() + SHIFT) });
        for (const [key, batch] of acknowledged) {
            if (!deep(batch)) continue;
            const outcome = await store.outcome(key);
            expect(outcome, key).toMatchObject({ batch, ok: true });
            const [from, to] = outcome!.seqs!;
            const events = (await store.events(batch, from - 1)).filter(e => e.seq <= to);
            expect(events.length, key).toBe(to - from + 1);
            expect(events.every(e => e.command === key), key).toBe(true);
        }
        const batches = await store.batches();
        const all = await store.eventsAfter(0, Number.MAX_SAFE_INTEGER);
        const counts = new Map<string, number>();
        for (const e of all) counts.set(e.batch, (counts.get(e.batch) ?? 0) + 1);
        for (const row of batches) {
            // No partial commit: the head names exactly the events there are.
            expect(row.version, row.batch).toBe(counts.get(row.batch));
            if (!deep(row.batch)) continue;
            const events = await store.events(row.batch);
            expect(row.head, row.batch).toBe(events.at(-1)!.hash);
            expect(await runtime.verify(row.batch), row.batch).toEqual([]);
            // Every event's command kept its outcome, naming that event.
            for (const e of events) {
                const outcome = await store.outcome(e.command!);
                expect(outcome?.seqs?.[0], e.command!).toBeLessThanOrEqual(e.seq);
                expect(outcome?.seqs?.[1], e.command!).toBeGreaterThanOrEqual(e.seq);
            }
            // The timers committed with the events: exactly those the replayed state has running.
            const state = (await runtime.batch(row.batch))!.state;
            expect((await store.timers(row.batch)).map(t => t.key).sort(), row.batch).toEqual(Object.keys(state.timers).sort());
        }
        expect(counts.size).toBe(batches.length);
        return { batches: batches.length, events: all.length };
    } finally {
        await store.close();
    }
}

/** Copies a closed SQLite file (and its WAL, should one be left). */
function copyDatabase(from: string, to: string): void {
    for (const suffix of ['', '-wal']) if (fs.existsSync(from + suffix)) fs.copyFileSync(from + suffix, to + suffix);
}

/** Each timer pending before the sweep fired exactly once, none other fired, and none is left. */
async function expectFiredOnce(path: string, pending: readonly TimerRow[]): Promise<void> {
    const store = SqliteStore.open(path);
    try {
        const counts = await firings(store);
        for (const t of pending) expect(counts.get(`${t.batch}|${t.key}`), `${t.batch} ${t.key}`).toBe(1);
        expect(counts.size).toBe(pending.length);
        expect(await store.timers()).toEqual([]);
        const runtime = new Runtime({ store, clock: new VirtualClock(Date.now()) });
        for (const row of await store.batches()) expect(await runtime.verify(row.batch), row.batch).toEqual([]);
    } finally {
        await store.close();
    }
}

describe('SQLite store under SIGKILL', () => {
    let pending: TimerRow[] = [];

    it(`keeps every acknowledged command whole across ${ROUNDS} kills`, async () => {
        const acknowledged = new Map<string, string>();
        let last = { batches: 0, events: 0 };
        // Writers start up (imports, schema compilation: most of a second) a few rounds ahead and
        // wait; each opens the file only when its round begins, after the previous one was killed.
        const writers = new Map<number, Running>();
        const writer = (round: number) => {
            if (round <= ROUNDS && !writers.has(round)) writers.set(round, start(['drive', file, String(SHIFT), String(round)]));
        };
        try {
            for (let round = 1; round <= ROUNDS; round++) {
                for (let ahead = 0; ahead < 3; ahead++) writer(round + ahead);
                const delay = 20 + Math.floor(Math.random() * 180);
                const running = writers.get(round)!;
                await running.ready;
                running.go(delay);
                const child = await running.closed;
                expect(child.stderr, `round ${round}`).toBe('');
                expect(child.signal, `round ${round}: the writer ended by itself (${child.code})`).toBe('SIGKILL');
                const acks = child.lines.map(line => line.split(' '));
                expect(acks.length, `round ${round}`).toBeGreaterThan(0);
                for (const [word, batch, key] of acks) {
                    expect(word).toBe('ACK');
                    acknowledged.set(key, batch);
                }
                // This round's batches in depth (the writer touches no other), every batch's head.
                const prefix = `R${String(round).padStart(2, '0')}-`;
                const now = await checkFile(file, acknowledged, batch => batch.startsWith(prefix));
                expect(now.events).toBeGreaterThan(last.events);
                last = now;
            }
        } finally {
            // A failed round leaves the writers started ahead waiting: end them.
            for (const w of writers.values()) w.kill();
        }
        // And once more, everything in depth.
        expect(await checkFile(file, acknowledged)).toEqual(last);
        const store = SqliteStore.open(file);
        pending = await store.timers();
        await store.close();
        // Complete batches wait out the 48 h hold and the 35 d budget; a killed one may still run Collect's 6 h.
        const kinds = new Set(pending.map(t => t.timer));
        expect(kinds).toContain('timer:vein-to-vein');
        expect(kinds).toContain('timer:hold:Apheresis:Collect.end:Select.start:max');
        expect(pending.length).toBeGreaterThan(ROUNDS);
        for (const suffix of ['split', 'race']) copyDatabase(file, path.join(dir, `${suffix}.db`));
    });

    it('fires every pending timer exactly once 400 days later, and nothing on a second sweep', async () => {
        expect(pending.length).toBeGreaterThan(0);
        const store = SqliteStore.open(file);
        try {
            const runtime = new Runtime({ store, clock: new VirtualClock(Date.now() + SHIFT + 400 * DAY), node: 'sweeper' });
            const before = (await firings(store)).size;
            expect(before).toBe(0);
            const fired = await runtime.sweep();
            expect(fired).toHaveLength(pending.length);
            expect(fired.every(o => o.ok && !o.replayed && o.events[0].type === 'timer-fired')).toBe(true);
            const events = (await store.eventsAfter(0, Number.MAX_SAFE_INTEGER)).length;
            expect(await runtime.sweep()).toEqual([]);
            expect(await new Runtime({ store, clock: runtime.clock, node: 'another' }).sweep()).toEqual([]);
            expect((await store.eventsAfter(0, Number.MAX_SAFE_INTEGER)).length).toBe(events);
        } finally {
            await store.close();
        }
        await expectFiredOnce(file, pending);
    });

    // Two processes on one file: apart (each its own lease) and colliding (one node name, so the
    // leases keep neither off the other's timers and only the commits decide).
    for (const [copy, nodes] of [['split', ['sweeper-1', 'sweeper-2']], ['race', ['sweeper', 'sweeper']]] as const) {
        it(`fires each timer once when two runtimes sweep one file at once (${copy === 'split' ? 'two node names' : 'one node name'})`, async () => {
            expect(pending.length).toBeGreaterThan(0);
            const target = path.join(dir, `${copy}.db`);
            const now = String(Date.now() + SHIFT + 400 * DAY);
            const children = await Promise.all(nodes.map(node => start(['sweep', target, now, node, '5']).closed));
            const results = children.map(child => {
                expect(child.stderr).toBe('');
                expect(child.code).toBe(0);
                return JSON.parse(child.lines[0]) as { fired: number; replayed: number; refused: string[] };
            });
            // Every timer fired by exactly one of them; the other, if it got there too, was told so.
            expect(results[0].fired + results[1].fired).toBe(pending.length);
            for (const r of results) expect(r.refused.every(code => code === 'COIL-RT028')).toBe(true);
            await expectFiredOnce(target, pending);
        });
    }
});
