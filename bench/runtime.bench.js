#!/usr/bin/env node
/**
 * Benchmark of the Coil runtime on the golden AutologousFresh workflow: durable commands on SQLite
 * against raw better-sqlite3 inserts on the same disk, the pure engine (decide + evolve) and the
 * Runtime on the in-memory store, replaying a 10,000-event batch, claiming due timers out of
 * 100,000 pending, and the memory 1,000 active batches take. See bench/baselines/README.md.
 *
 *   node bench/runtime.bench.js [--reps 5] [--warmup 1] [--update-baseline] [--profile | --no-profile]
 *                               [--no-memory] [--strict] [--keep]
 *
 * Run from the repository root after `npm run build` (`npm run bench` does both).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import * as runtimeModule from '@coil/runtime';
import { benchArguments, comparison, printReport, cpuProfile, inclusiveTimes, saveResults, cpuNow, fmtInt, gc, machine, MB, median, now, round, table } from './measure.js';
import { summariseProfile } from './profile-summary.js';

const { Runtime, MemoryStore, Cast, GENESIS, batchStatus, chain, decide, decideWithState, definitionOf, evolve, replay, runAutopilot } = runtimeModule;
/** The SQLite store: from the package once it exports it, else from its module. */
const SqliteStore = runtimeModule.SqliteStore ?? (await import('../runtime/dist/store/sqlite.js')).SqliteStore;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS_DIR = path.join(HERE, 'results');
const BASELINE_FILE = path.join(HERE, 'baselines', 'runtime.json');
const WORKFLOW_FILE = path.join(ROOT, 'test', 'compiler', 'golden', 'AutologousFresh.workflow.json');

/** The targets. */
const TARGETS = {
    /** Durable commands/s at least this share of raw single-row INSERTs/s (one transaction each). */
    durableRatio: 0.7,
    /** decide + evolve, commands/s. */
    engineCommandsPerSecond: 100_000,
    /** Rebuilding a 10,000-event batch's state with evolve, ms. */
    replayMs: 100,
    /** One sweep's claim of 1,000 due timers out of ~100,000 pending, ms. */
    claimMs: 1000,
};

/** The workloads' sizes (per timed repetition unless said otherwise). */
const SIZES = {
    /** Durable: raw INSERTs and Runtime corrections per repetition; the batch mix drives about as many commands. */
    durableCommands: 1000,
    /** Engine: happy-path batches (56 commands each) and value corrections, per repetition. */
    engineBatches: 1000,
    engineCorrections: 50_000,
    /** Runtime on MemoryStore: happy-path batches and corrections, per repetition. */
    memoryBatches: 150,
    memoryCorrections: 5000,
    /** Replay: events in the batch; timed replays. */
    replayEvents: 10_000,
    replayRuns: 15,
    /** Timers: batches (2 timers each), due timers claimed per sweep. */
    timerBatches: 50_000,
    sweepLimit: 1000,
    /** Memory: active batches held by one Runtime (in a fresh process). */
    memoryActiveBatches: 1000,
};

const IDENTITY = 'W1234 26 000123 3';
const HOUR = 3_600_000;

/** A clock the benchmark sets by hand (the Runtime takes any `{ now() }`); unlike VirtualClock it may go back, batch to batch. */
function settableClock(t) {
    return { t, now() { return this.t; } };
}

// ---------------------------------------------------------------------------------------------
// The workflow and the commands that drive it.

/**
 * The golden workflow, and the commands of its happy path as the autopilot issues them (with the
 * clock at each): the mix of commands a batch really sees. `prefix` is the start of that path up
 * to Transduce started: a batch "a few steps in" (Collect, the apheresis shipment and Select done).
 */
async function workload() {
    const workflow = JSON.parse(fs.readFileSync(WORKFLOW_FILE, 'utf8'));
    const def = definitionOf(workflow);
    const run = await runAutopilot(workflow, { batch: 'template' });
    if (!run.ended || run.status !== 'released') throw new Error(`the autopilot did not take the golden workflow to its end: ${run.stuck}`);
    const happy = run.plant.issued.map(i => ({ command: i.command, time: i.time, ok: i.outcome.ok, events: i.outcome.events.length }));
    if (happy.some(h => !h.ok)) throw new Error('the autopilot had a command refused on the happy path');
    const cut = happy.findIndex(h => h.command.type === 'start-step' && h.command.step === 'step:Transduce');
    if (cut < 0) throw new Error('the happy path never starts step:Transduce');
    const prefix = happy.slice(0, cut + 1);
    const cast = new Cast(def);
    const nurse = cast.holder('role:ApheresisNurse');
    const epoch = happy[0].time;
    const mixEvents = happy.reduce((n, h) => n + h.events, 0);
    return { workflow, def, happy, prefix, nurse, coordinator: cast.coordinator, epoch, mixEvents };
}

/** A command of the happy path for another batch (own batch id, own idempotency key). */
function forBatch(command, batch, i) {
    return { ...command, batch, key: `${batch}:${i}` };
}

/** Alternating corrections of Collect.volume (200 / 250 mL), each with a reason: one event per command. */
function correction(batch, i, nurse) {
    return {
        type: 'record-value', parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: i % 2 ? 250 : 200, unit: 'mL' },
        batch, key: `${batch}:c${i}`, actor: nurse, reason: 'transcription error corrected', signatures: [],
    };
}

/** Starts a batch and its Collect step through a runtime (the state the corrections run on). */
async function startCollect(runtime, w, batch) {
    const a = await runtime.execute({ type: 'start-batch', identity: IDENTITY, batch, key: `${batch}:start`, actor: w.coordinator }, w.def.digest);
    const b = await runtime.execute({ type: 'start-step', step: 'step:Collect', batch, key: `${batch}:collect`, actor: w.nurse });
    if (!a.ok || !b.ok) throw new Error(`could not start ${batch}: ${a.reason ?? b.reason}`);
}

function expectOk(outcome, what) {
    if (!outcome.ok) throw new Error(`${what} was refused: ${outcome.code} ${outcome.reason}`);
}

// ---------------------------------------------------------------------------------------------
// 1. Durable commands: Runtime on SqliteStore against raw better-sqlite3 INSERTs, same pragmas, same disk.

/** A raw better-sqlite3 database with the store's durability pragmas: WAL, synchronous=FULL. */
function openRaw(file) {
    const db = new Database(file, { timeout: 5000 });
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, batch TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO rows (batch, seq, data) VALUES (?, ?, ?)');
    let seq = 0;
    return { db, insert: payload => insert.run('raw', ++seq, payload) };
}

function timed(work) {
    gc();
    const start = now();
    const cpuStart = cpuNow();
    const n = work();
    return { ms: now() - start, cpuMs: cpuNow() - cpuStart, n };
}

async function timedAsync(work) {
    gc();
    const start = now();
    const cpuStart = cpuNow();
    const n = await work();
    return { ms: now() - start, cpuMs: cpuNow() - cpuStart, n };
}

/** N single-row INSERTs, each its own (autocommit) transaction: the floor a durable write costs on this disk. */
function rawInserts(raw, n, payload) {
    return timed(() => {
        for (let i = 0; i < n; i++) raw.insert(payload);
        return n;
    });
}

async function durableSetup(w, dir) {
    const clock = settableClock(w.epoch);
    const store = SqliteStore.open(path.join(dir, 'durable.db'));
    const runtime = new Runtime({ store, clock, node: 'bench-durable' });
    await runtime.load(w.workflow);
    await startCollect(runtime, w, 'D-corrections');
    const probe = await runtime.execute(correction('D-corrections', 0, w.nurse));
    expectOk(probe, 'a correction');
    // The raw rows carry the same bytes as a correction's event.
    const payload = JSON.stringify(probe.events[0]);
    return { store, runtime, clock, payload, corrections: 1, batches: 0, raw: openRaw(path.join(dir, 'raw.db')) };
}

/** N corrections on one running step through the Runtime: one event, one IMMEDIATE transaction each. */
async function durableCorrections(d, w, n) {
    return timedAsync(async () => {
        for (let i = 0; i < n; i++) expectOk(await d.runtime.execute(correction('D-corrections', d.corrections++, w.nurse)), 'a correction');
        return n;
    });
}

/**
 * The same corrections as `store.commit()` calls alone, on another batch of the same file: each
 * commit decided and chained (as the Runtime would) before the clock starts. What the store's
 * schema and statements cost, without the Runtime's look-ups, engine and hashing.
 */
async function durableStoreSetup(d, w) {
    await startCollect(d.runtime, w, 'D-store');
    const loaded = await d.runtime.batch('D-store');
    d.storeBatch = { state: loaded.state, head: (await d.store.batch('D-store')).head, i: 0 };
}

function prebuiltCorrections(d, w, n) {
    const batch = 'D-store';
    const commits = [];
    let { state, head } = d.storeBatch;
    const time = w.epoch + HOUR;
    for (let k = 0; k < n; k++) {
        const command = correction(batch, d.storeBatch.i++, w.nurse);
        const decision = decide(w.def, state, command, time);
        if (!decision.ok) throw new Error(`store: correction refused: ${decision.reason}`);
        const version = state.version;
        const { events, signatures } = chain(batch, head, version, decision.events, command.key);
        const before = state.timers;
        for (const e of decision.events) state = evolve(state, e);
        commits.push({
            batch, definition: w.def.digest, identity: state.identity, expectedVersion: version, events, signatures,
            timers: {
                set: Object.values(state.timers).filter(t => !(t.key in before)).map(t => ({ batch, key: t.key, timer: t.timer, due: t.due })),
                clear: Object.keys(before).filter(key => !(key in state.timers)),
            },
            outcome: { key: command.key, value: { batch, ok: true, code: null, reason: null, seqs: [events[0].seq, events.at(-1).seq] } },
            status: batchStatus(state), time,
        });
        head = events.at(-1).hash;
    }
    d.storeBatch.state = state;
    d.storeBatch.head = head;
    return commits;
}

async function durableStoreCommits(d, w, n) {
    const commits = prebuiltCorrections(d, w, n);
    return timedAsync(async () => {
        for (const c of commits) await d.store.commit(c);
        return n;
    });
}

/**
 * Pages written per commit (WAL frames): `commits` corrections on a fresh store, and as many raw
 * INSERTs on a fresh raw database, each few enough that no checkpoint resets the WAL meanwhile.
 */
async function walFramesPerCommit(w, dir, commits = 100) {
    const pageSize = 4096;
    const frames = (file, before) => (fs.statSync(`${file}-wal`).size - before) / (pageSize + 24) / commits;
    const storeFile = path.join(dir, 'wal-store.db');
    const store = SqliteStore.open(storeFile);
    const runtime = new Runtime({ store, clock: settableClock(w.epoch), node: 'bench-wal' });
    await runtime.load(w.workflow);
    await startCollect(runtime, w, 'W');
    const a = fs.statSync(`${storeFile}-wal`).size;
    for (let i = 0; i < commits; i++) expectOk(await runtime.execute(correction('W', i, w.nurse)), 'a correction');
    const runtimeFrames = frames(storeFile, a);
    await store.close();
    const rawFile = path.join(dir, 'wal-raw.db');
    const raw = openRaw(rawFile);
    const payload = 'x'.repeat(560);
    raw.insert(payload);
    const b = fs.statSync(`${rawFile}-wal`).size;
    for (let i = 0; i < commits; i++) raw.insert(payload);
    const rawFrames = frames(rawFile, b);
    if (raw.db.pragma('page_size', { simple: true }) !== pageSize) throw new Error('wal: unexpected page size');
    raw.db.close();
    return { runtime: round(runtimeFrames, 2), raw: round(rawFrames, 2) };
}

/** Batches driven through the happy path's prefix (start, Collect, shipment, Select, Transduce started), about `n` commands. */
async function durableMix(d, w, n) {
    const batches = Math.max(1, Math.round(n / w.prefix.length));
    return timedAsync(async () => {
        let count = 0;
        for (let b = 0; b < batches; b++) {
            const batch = `D-mix-${d.batches++}`;
            for (let i = 0; i < w.prefix.length; i++) {
                d.clock.t = w.prefix[i].time;
                expectOk(await d.runtime.execute(forBatch(w.prefix[i].command, batch, i), w.def.digest), `${w.prefix[i].command.type} on ${batch}`);
                count++;
            }
        }
        return count;
    });
}

// ---------------------------------------------------------------------------------------------
// 2. In memory: the pure engine, and the Runtime on MemoryStore.

/**
 * The engine over the happy path, `batches` times: each command decided on the state, its events
 * folded in. decideWithState folds them as it decides (what the Runtime uses), so each event is
 * folded once; `decide` followed by `evolve` would fold them twice.
 */
function engineMix(w, batches) {
    return timed(() => {
        let n = 0;
        let refused = 0;
        for (let b = 0; b < batches; b++) {
            let state;
            for (const { command, time } of w.happy) {
                const next = decideWithState(w.def, state, command, time);
                if (!next.decision.ok) refused++;
                state = next.state;
                n++;
            }
            if (!state.ended) throw new Error('engine: the happy path did not end');
        }
        if (refused > 0) throw new Error(`engine: ${refused} commands refused on the happy path`);
        return n;
    });
}

/** decide + evolve of `n` corrections on a running Collect. */
function engineCorrections(w, n) {
    let state;
    const time = w.epoch + HOUR;
    for (const command of [
        { type: 'start-batch', identity: IDENTITY, batch: 'E', key: 'E:1', actor: w.coordinator },
        { type: 'start-step', step: 'step:Collect', batch: 'E', key: 'E:2', actor: w.nurse },
    ]) {
        for (const event of decide(w.def, state, command, w.epoch).events) state = evolve(state, event);
    }
    const commands = [correction('E', 0, w.nurse), correction('E', 1, w.nurse)];
    return timed(() => {
        for (let i = 0; i < n; i++) {
            const next = decideWithState(w.def, state, commands[i & 1], time);
            if (!next.decision.ok) throw new Error(`engine: correction refused: ${next.decision.reason}`);
            state = next.state;
        }
        return n;
    });
}

/** The happy path through a fresh Runtime on a fresh MemoryStore, `batches` times (the definition loaded before the clock starts). */
async function memoryMix(w, batches) {
    const clock = settableClock(w.epoch);
    const runtime = new Runtime({ store: new MemoryStore(), clock, node: 'bench-memory' });
    await runtime.load(w.workflow);
    return timedAsync(async () => {
        let n = 0;
        for (let b = 0; b < batches; b++) {
            const batch = `M-${b}`;
            for (let i = 0; i < w.happy.length; i++) {
                clock.t = w.happy[i].time;
                expectOk(await runtime.execute(forBatch(w.happy[i].command, batch, i), w.def.digest), `${w.happy[i].command.type} on ${batch}`);
                n++;
            }
        }
        return n;
    });
}

async function memoryCorrections(w, n) {
    const clock = settableClock(w.epoch);
    const runtime = new Runtime({ store: new MemoryStore(), clock, node: 'bench-memory' });
    await runtime.load(w.workflow);
    await startCollect(runtime, w, 'M-corrections');
    clock.t = w.epoch + HOUR;
    return timedAsync(async () => {
        for (let i = 0; i < n; i++) expectOk(await runtime.execute(correction('M-corrections', i, w.nurse)), 'a correction');
        return n;
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Replay of a 10,000-event batch.

/**
 * A batch of exactly `events` events, recorded through a Runtime on MemoryStore: started, Collect
 * started, then corrections of Collect's three values in turn, with a label scan every 25 commands.
 */
async function recordLongBatch(w, events) {
    const clock = settableClock(w.epoch);
    const store = new MemoryStore();
    const runtime = new Runtime({ store, clock, node: 'bench-replay' });
    await runtime.load(w.workflow);
    const batch = 'R-long';
    await startCollect(runtime, w, batch);
    const values = [
        i => ({ parameter: 'parameter:Collect.volume', value: { kind: 'quantity', value: 150 + (i % 200), unit: 'mL' } }),
        i => ({ parameter: 'parameter:Collect.cd3_cells', value: { kind: 'quantity', value: (1 + (i % 10)) * 1e9, unit: 'cells' } }),
        () => ({ parameter: 'parameter:Collect.collected_at', value: { kind: 'datetime', datetime: new Date(clock.t).toISOString() } }),
    ];
    for (let i = 0, version = 2; version < events; i++) {
        clock.t = w.epoch + 60_000 + i * 1000;
        const body = i % 25 === 24
            ? { type: 'scan', identity: IDENTITY, target: 'step:Collect' }
            : { type: 'record-value', ...values[i % 3](i) };
        const outcome = await runtime.execute({ ...body, batch, key: `${batch}:${i}`, actor: w.nurse, reason: 'corrected', signatures: [] });
        expectOk(outcome, `${body.type} on ${batch}`);
        version += outcome.events.length;
    }
    const recorded = await store.events(batch);
    if (recorded.length !== events) throw new Error(`replay: ${recorded.length} events recorded, ${events} wanted`);
    const state = (await runtime.batch(batch)).state;
    return { batch, events: recorded, signatures: await store.signatures(batch), state };
}

/** The long batch written to a SqliteStore in one commit (its rows as the runtime writes them), for a cold load. */
async function longBatchOnSqlite(w, long, file) {
    const store = SqliteStore.open(file);
    await store.putDefinition(w.workflow.digest, JSON.stringify(w.workflow));
    const last = long.events.at(-1);
    await store.commit({
        batch: long.batch, definition: w.def.digest, identity: long.state.identity, expectedVersion: 0,
        events: long.events, signatures: long.signatures,
        timers: { set: Object.values(long.state.timers).map(t => ({ batch: long.batch, key: t.key, timer: t.timer, due: t.due })), clear: [] },
        outcome: null, status: batchStatus(long.state), time: last.time,
    });
    return store;
}

/** A cold load: a fresh Runtime (definition loaded before the clock starts) asks for the batch: batch row, events, evolve. */
async function coldLoad(w, store, long) {
    const runtime = new Runtime({ store, clock: settableClock(w.epoch), node: 'bench-replay' });
    await runtime.load(w.workflow);
    let events = 0;
    const result = await timedAsync(async () => {
        const loaded = await runtime.batch(long.batch);
        events = loaded.state.version;
        return 1;
    });
    if (events !== long.events.length) throw new Error(`cold load: version ${events}, ${long.events.length} expected`);
    return result;
}

// ---------------------------------------------------------------------------------------------
// 4. Timers: 100,000 pending, sweeps claiming (and firing) 1,000 due ones.

/**
 * Writes `batches` batches, each started and its Collect started (two pending timers: the 35-day
 * vein-to-vein budget and Collect's 6-hour maximum), batch i at epoch + i × 10 s. Bulk path: the
 * engine decides both commands, `chain` numbers and hashes the events exactly as the Runtime would,
 * and one `store.commit()` per batch writes its rows (batch, 2 events, 2 timers, the command record),
 * on a tmpfs when there is one, since a durable write per batch would take minutes; the file is then
 * copied to the benchmark's folder on disk.
 */
async function buildTimers(w, batches, buildDir, file) {
    const buildFile = path.join(buildDir, 'timers-build.db');
    const store = SqliteStore.open(buildFile);
    await store.putDefinition(w.workflow.digest, JSON.stringify(w.workflow));
    const started = now();
    for (let i = 0; i < batches; i++) {
        const batch = `T-${String(i).padStart(6, '0')}`;
        const time = w.epoch + i * 10_000;
        const start = { type: 'start-batch', identity: IDENTITY, batch, key: `${batch}:1`, actor: w.coordinator };
        const collect = { type: 'start-step', step: 'step:Collect', batch, key: `${batch}:2`, actor: w.nurse };
        const first = decide(w.def, undefined, start, time);
        let state;
        for (const e of first.events) state = evolve(state, e);
        const second = decide(w.def, state, collect, time);
        for (const e of second.events) state = evolve(state, e);
        if (!first.ok || !second.ok) throw new Error(`timers: ${batch} refused`);
        const a = chain(batch, GENESIS, 0, first.events, start.key);
        const b = chain(batch, a.events.at(-1).hash, a.events.length, second.events, collect.key);
        const events = [...a.events, ...b.events];
        await store.commit({
            batch, definition: w.def.digest, identity: state.identity, expectedVersion: 0, events, signatures: [...a.signatures, ...b.signatures],
            timers: { set: Object.values(state.timers).map(t => ({ batch, key: t.key, timer: t.timer, due: t.due })), clear: [] },
            outcome: { key: collect.key, value: { batch, ok: true, code: null, reason: null, seqs: [b.events[0].seq, b.events.at(-1).seq] } },
            status: batchStatus(state), time,
        });
    }
    const buildMs = now() - started;
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) {
        if (fs.existsSync(buildFile + suffix)) fs.copyFileSync(buildFile + suffix, file + suffix);
    }
    if (buildDir !== path.dirname(file)) fs.rmSync(buildDir, { recursive: true, force: true });
    return { buildMs, bytes: fs.statSync(file).size };
}

/**
 * One sweep, as Runtime.sweep does it, on the durable store: claim up to `limit` due timers (one
 * IMMEDIATE transaction), then fire each (a durable command each). Sweep k runs at the time the
 * Collect timers of batches [0, (k + 1) × limit) are due; the earlier sweeps fired theirs.
 */
async function sweep(w, t, k, limit) {
    const due = w.epoch + 6 * HOUR + ((k + 1) * limit - 1) * 10_000;
    t.clock.t = due;
    gc();
    const start = now();
    const cpuStart = cpuNow();
    const claimed = await t.store.claimDueTimers(due, limit, 'bench-sweeper', 60_000);
    const claimMs = now() - start;
    const claimCpuMs = cpuNow() - cpuStart;
    if (claimed.length !== limit || claimed.some(c => c.timer !== 'timer:step:Collect:max')) {
        throw new Error(`sweep ${k}: claimed ${claimed.length} timers (${[...new Set(claimed.map(c => c.timer))].join(', ')}), ${limit} Collect maxima expected`);
    }
    for (const timer of claimed) expectOk(await t.runtime.fire(timer), `firing ${timer.key} of ${timer.batch}`);
    return { claimMs, claimCpuMs, sweepMs: now() - start, sweepCpuMs: cpuNow() - cpuStart, pendingBefore: t.pending, n: claimed.length };
}

// ---------------------------------------------------------------------------------------------
// 5. Memory of active batches, in a fresh process (peak RSS is a process-wide high-water mark).

async function childMemory(batches) {
    const w = await workload();
    const clock = settableClock(w.epoch);
    const store = new MemoryStore();
    let runtime = new Runtime({ store, clock, node: 'bench-memory' });
    await runtime.load(w.workflow);
    gc();
    const before = process.memoryUsage();
    let heapPeak = 0;
    for (let b = 0; b < batches; b++) {
        const batch = `A-${b}`;
        for (let i = 0; i < w.prefix.length; i++) {
            clock.t = w.prefix[i].time;
            expectOk(await runtime.execute(forBatch(w.prefix[i].command, batch, i), w.def.digest), `${w.prefix[i].command.type} on ${batch}`);
        }
        heapPeak = Math.max(heapPeak, v8.getHeapStatistics().used_heap_size);
    }
    const active = (await store.batches()).filter(r => r.status === 'in_progress').length;
    const events = (await store.eventsAfter(0, Number.MAX_SAFE_INTEGER)).length;
    gc();
    const after = process.memoryUsage();
    const peakRssMB = process.resourceUsage().maxRSS / 1024;
    // The runtime dropped, the store kept: what is left is the store's (events, signatures, outcomes, rows).
    const dropped = new WeakRef(runtime);
    runtime = null;
    await new Promise(resolve => setTimeout(resolve, 20)); // let the runtime's last promise reactions settle
    gc();
    if (dropped.deref()) throw new Error('memory: the runtime is still reachable after it was dropped');
    const storeOnly = process.memoryUsage();
    const result = {
        batches, active, commandsPerBatch: w.prefix.length, events,
        rssBeforeMB: round(before.rss / MB), peakRssMB: round(peakRssMB), rssGrowthMB: round(peakRssMB - before.rss / MB),
        heapBeforeMB: round(before.heapUsed / MB), heapPeakMB: round(heapPeak / MB), heapPeakGrowthMB: round((heapPeak - before.heapUsed) / MB),
        heapRetainedMB: round((after.heapUsed - before.heapUsed) / MB, 2),
        storeRetainedMB: round((storeOnly.heapUsed - before.heapUsed) / MB, 2),
        runtimeRetainedMB: round((after.heapUsed - storeOnly.heapUsed) / MB, 2),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measureMemory(batches) {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child-memory', 'batches', String(batches)], {
        encoding: 'utf8', cwd: process.cwd(), maxBuffer: 16 * MB,
    });
    if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------
// Profiles: the runtime's landmarks by inclusive time, then the usual summary.

const RUNTIME_LANDMARKS = [
    ['Runtime.execute (executeNow)', 'executeNow', '/runtime.js'],
    ['  store.outcome (idempotency look-up)', 'outcome', '/store/'],
    ['  loadBatch (store.batch, cache check)', 'loadBatch', '/runtime.js'],
    ['  decide', 'decide', '/engine/decide.js'],
    ['    evolve inside decide (Context.emit)', 'emit', '/engine/decide.js'],
    ['  evolve', 'evolve', '/engine/evolve.js'],
    ['  chain (numbering, hashing)', 'chain', '/audit.js'],
    ['    canonicalJson', 'canonicalJson', '/ir/digest.js'],
    ['    SHA-256 (node:crypto)', 'sha256', '/audit.js'],
    ['  batchStatus', 'batchStatus', '/engine/views.js'],
    ['  store.commit', 'commit', '/store/'],
    ['    SqliteStore.commitNow (statements)', 'commitNow', '/store/sqlite.js'],
    ['    better-sqlite3 transaction (BEGIN IMMEDIATE … COMMIT, fsync)', 'sqliteTransaction', 'better-sqlite3/lib/methods/transaction.js'],
    ['  store.events (SELECT, JSON.parse)', 'events', '/store/'],
    ['  claimDueTimers', 'claimDueTimers', '/store/'],
    ['replay', 'replay', '/engine/evolve.js'],
    ['JSON.parse', 'parse', null],
    ['garbage collector', '(garbage collector)', null],
];

function runtimeLandmarks(profile) {
    const { inclusive, total } = inclusiveTimes(profile, ({ functionName, url }) => `${functionName}\u0000${url}`);
    return RUNTIME_LANDMARKS.map(([label, name, file]) => {
        let us = 0;
        for (const [key, v] of inclusive) {
            const [fn, url] = key.split('\u0000');
            if (fn === name && (file === null ? url === '' : url.includes(file))) us = Math.max(us, v);
        }
        return { label, ms: round(us / 1000), share: round(us / total, 3) };
    }).filter(l => l.ms > 0);
}

async function profileOf(name, run, runs, date) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `runtime-${name}-${date.replace(/[:.]/g, '-')}.cpuprofile`);
    const profile = await cpuProfile(run, runs, file);
    return { file: path.relative(process.cwd(), file), ...summariseProfile(profile, { top: 20 }), runtime: runtimeLandmarks(profile) };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

/** Figures of a series of timed runs: median and extremes of rate and time, CPU time. */
function stat(runs) {
    const rates = runs.map(r => r.n / (r.ms / 1000));
    return {
        n: runs[0].n, runsMs: runs.map(r => round(r.ms)), medianMs: round(median(runs.map(r => r.ms)), 2), minMs: round(Math.min(...runs.map(r => r.ms)), 2),
        cpuMedianMs: round(median(runs.map(r => r.cpuMs)), 2),
        perSecond: Math.round(median(rates)), minPerSecond: Math.round(Math.min(...rates)), maxPerSecond: Math.round(Math.max(...rates)),
        cpuPerSecond: Math.round(median(runs.map(r => r.n / (r.cpuMs / 1000)))),
    };
}

/** The figures compared with the baseline: [label, value, unit, lowerIsBetter]. */
function figures(r) {
    const out = [
        ['durable: raw INSERTs/s', r.durable.raw.perSecond, '/s', false],
        ['durable: Runtime corrections/s', r.durable.corrections.perSecond, 'cmds/s', false],
        ['durable: corrections / raw', r.durable.correctionsRatio, 'x', false],
        ['durable: corrections / raw (paired)', r.durable.correctionsPairedRatio, 'x', false],
        ['durable: store.commit alone/s', r.durable.storeCommits.perSecond, '/s', false],
        ['durable: store.commit alone / raw', r.durable.storeCommitsRatio, 'x', false],
        ['durable: Runtime batch mix/s', r.durable.mix.perSecond, 'cmds/s', false],
        ['durable: batch mix / raw', r.durable.mixRatio, 'x', false],
        ['durable: CPU per correction', r.durable.cpuMsPerCorrection, 'ms', true],
        ['durable: WAL frames per correction', r.durable.walFramesPerCommit.runtime, 'pages', true],
        ['engine: happy path', r.engine.mix.perSecond, 'cmds/s', false],
        ['engine: corrections', r.engine.corrections.perSecond, 'cmds/s', false],
        ['Runtime+MemoryStore: happy path', r.memory.mix.perSecond, 'cmds/s', false],
        ['Runtime+MemoryStore: corrections', r.memory.corrections.perSecond, 'cmds/s', false],
        ['replay 10,000 events (evolve)', r.replay.evolve.medianMs, 'ms', true],
        ['replay 10,000 events cold from SQLite', r.replay.coldLoad.medianMs, 'ms', true],
        ['timers: claim 1,000 due of ~100,000', r.timers.claim.medianMs, 'ms', true],
        ['timers: sweep (claim + fire) 1,000', r.timers.sweep.medianMs, 'ms', true],
    ];
    if (r.activeBatches) {
        out.push(['memory: heap per 1,000 active batches', r.activeBatches.heapPer1000MB, 'MB', true]);
        out.push(['memory: runtime cache per 1,000 batches', r.activeBatches.runtimePer1000MB, 'MB', true]);
        out.push(['memory: peak RSS growth per 1,000 batches', r.activeBatches.rssGrowthPer1000MB, 'MB', true]);
    }
    return out;
}

const verdict = (pass, text) => `${pass ? 'PASS' : 'FAIL'} (${text})`;

function report(results, baseline) {
    const out = [];
    const m = results.machine;
    const t = results.targets;
    out.push(`coil runtime benchmark, ${results.date}`);
    out.push(`Node ${m.node} on ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GiB; ${results.options.reps} repetitions after ${results.options.warmup} warm-up runs; ` +
        `workflow ${path.relative(ROOT, WORKFLOW_FILE)} (${results.workload.happyPath} commands on its happy path, ${results.workload.prefix} to "a few steps in")`);
    out.push('');
    const d = results.durable;
    const rows = [
        ['1. Durable, one transaction per command (WAL, synchronous=FULL, temp dir on the same disk)'],
        ['  raw better-sqlite3 INSERT, one row per transaction', `${fmtInt(d.raw.perSecond)} /s`, `${fmtInt(d.raw.minPerSecond)}..${fmtInt(d.raw.maxPerSecond)}`, `${fmtInt(d.raw.cpuPerSecond)} /s`, '', ''],
        ['  Runtime on SqliteStore: corrections on a running step', `${fmtInt(d.corrections.perSecond)} /s`, `${fmtInt(d.corrections.minPerSecond)}..${fmtInt(d.corrections.maxPerSecond)}`, `${fmtInt(d.corrections.cpuPerSecond)} /s`,
            `${d.correctionsRatio.toFixed(2)}x`, verdict(t.durableRatio.pass, `>= ${TARGETS.durableRatio}x raw; paired ${d.correctionsPairedRatio.toFixed(2)}x`)],
        ['  store.commit() alone, same corrections prebuilt', `${fmtInt(d.storeCommits.perSecond)} /s`, `${fmtInt(d.storeCommits.minPerSecond)}..${fmtInt(d.storeCommits.maxPerSecond)}`, `${fmtInt(d.storeCommits.cpuPerSecond)} /s`,
            `${d.storeCommitsRatio.toFixed(2)}x`, `paired ${d.storeCommitsPairedRatio.toFixed(2)}x; Runtime / store ${d.correctionsToStoreRatio.toFixed(2)}x`],
        [`  Runtime on SqliteStore: batches started and driven ${results.workload.prefix} commands`, `${fmtInt(d.mix.perSecond)} /s`, `${fmtInt(d.mix.minPerSecond)}..${fmtInt(d.mix.maxPerSecond)}`, `${fmtInt(d.mix.cpuPerSecond)} /s`,
            `${d.mixRatio.toFixed(2)}x`, `paired ${d.mixPairedRatio.toFixed(2)}x`],
        ['2. In memory'],
        ['  engine (decideWithState): happy path', `${fmtInt(results.engine.mix.perSecond)} /s`, `${fmtInt(results.engine.mix.minPerSecond)}..${fmtInt(results.engine.mix.maxPerSecond)}`, `${fmtInt(results.engine.mix.cpuPerSecond)} /s`, '',
            verdict(t.engineMix.pass, `>= ${fmtInt(TARGETS.engineCommandsPerSecond)}/s`)],
        ['  engine (decideWithState): corrections', `${fmtInt(results.engine.corrections.perSecond)} /s`, `${fmtInt(results.engine.corrections.minPerSecond)}..${fmtInt(results.engine.corrections.maxPerSecond)}`, `${fmtInt(results.engine.corrections.cpuPerSecond)} /s`, '',
            verdict(t.engineCorrections.pass, `>= ${fmtInt(TARGETS.engineCommandsPerSecond)}/s`)],
        ['  Runtime on MemoryStore: happy path', `${fmtInt(results.memory.mix.perSecond)} /s`, `${fmtInt(results.memory.mix.minPerSecond)}..${fmtInt(results.memory.mix.maxPerSecond)}`, `${fmtInt(results.memory.mix.cpuPerSecond)} /s`,
            `${(results.memory.mix.perSecond / results.engine.mix.perSecond).toFixed(2)}x engine`, ''],
        ['  Runtime on MemoryStore: corrections', `${fmtInt(results.memory.corrections.perSecond)} /s`, `${fmtInt(results.memory.corrections.minPerSecond)}..${fmtInt(results.memory.corrections.maxPerSecond)}`, `${fmtInt(results.memory.corrections.cpuPerSecond)} /s`,
            `${(results.memory.corrections.perSecond / results.engine.corrections.perSecond).toFixed(2)}x engine`, ''],
        [`3. Replay of a ${fmtInt(results.replay.events)}-event batch`],
        ['  evolve over the recorded events', `${results.replay.evolve.medianMs.toFixed(1)} ms`, `${results.replay.evolve.minMs.toFixed(1)} ms min`, `${results.replay.evolve.cpuMedianMs.toFixed(1)} ms`, '',
            verdict(t.replay.pass, `<= ${TARGETS.replayMs} ms`)],
        ['  cold load from SqliteStore (rows, JSON.parse, evolve)', `${results.replay.coldLoad.medianMs.toFixed(1)} ms`, `${results.replay.coldLoad.minMs.toFixed(1)} ms min`, `${results.replay.coldLoad.cpuMedianMs.toFixed(1)} ms`, '', ''],
        [`4. Timers: ${fmtInt(results.timers.pendingAtStart)} pending (${fmtInt(results.timers.batches)} batches), sweeps of ${fmtInt(results.timers.limit)} due`],
        ['  claim (claimDueTimers, one transaction)', `${results.timers.claim.medianMs.toFixed(1)} ms`, `${results.timers.claim.minMs.toFixed(1)} ms min`, `${results.timers.claim.cpuMedianMs.toFixed(1)} ms`,
            `${(1000 * results.timers.claim.medianMs / results.timers.limit).toFixed(1)} µs/timer`, verdict(t.claim.pass, `<= ${TARGETS.claimMs} ms per sweep`)],
        ['  sweep: claim + fire each (a durable command per timer)', `${results.timers.sweep.medianMs.toFixed(0)} ms`, `${results.timers.sweep.minMs.toFixed(0)} ms min`, `${results.timers.sweep.cpuMedianMs.toFixed(0)} ms`,
            `${(results.timers.sweep.medianMs / results.timers.limit).toFixed(2)} ms/timer`, `${results.timers.sweep.medianMs <= TARGETS.claimMs ? 'within' : 'beyond'} ${TARGETS.claimMs} ms`],
    ];
    const wide = rows.map(r => (r.length === 1 ? [r[0], '', '', '', '', ''] : r));
    out.push(table(wide, ['', 'median', 'range', 'per CPU', 'ratio', 'target']));
    out.push(`(durable: pages written per commit, WAL frames of ${4096} bytes: Runtime correction ${d.walFramesPerCommit.runtime}, raw INSERT ${d.walFramesPerCommit.raw}; ` +
        `CPU per command ${(1000 * d.cpuMsPerCorrection).toFixed(0)} µs, per raw INSERT ${(1000 * d.cpuMsPerRawInsert).toFixed(0)} µs)`);
    out.push(`(timers: the ${fmtInt(results.timers.pendingAtStart)} timers were written by ${fmtInt(results.timers.batches)} bulk commits in ${(results.timers.buildMs / 1000).toFixed(1)} s ` +
        `on ${results.timers.builtOn}, ${(results.timers.bytes / MB).toFixed(0)} MB file; per CPU = commands per CPU-second, or CPU time)`);
    if (results.activeBatches) {
        const a = results.activeBatches;
        out.push('');
        out.push(`5. Memory of ${fmtInt(a.batches)} active batches held by one Runtime on MemoryStore (fresh process, each batch ${a.commandsPerBatch} commands in, ${fmtInt(a.events)} events in all):`);
        out.push(table([
            ['heap retained (runtime + store), full GC', a.heapRetainedMB, a.heapPer1000MB],
            ['  of which the Runtime (cached states)', a.runtimeRetainedMB, a.runtimePer1000MB],
            ['  of which the MemoryStore (events, signatures, outcomes)', a.storeRetainedMB, round(a.storeRetainedMB * 1000 / a.batches, 2)],
            ['heap peak growth', a.heapPeakGrowthMB, round(a.heapPeakGrowthMB * 1000 / a.batches, 2)],
            [`peak RSS growth (RSS before ${a.rssBeforeMB} MB, peak ${a.peakRssMB} MB)`, a.rssGrowthMB, a.rssGrowthPer1000MB],
        ], ['', 'MB', 'MB per 1,000 batches']));
    }
    if (results.load.max > m.cores) {
        out.push(`WARNING: the machine was busy (load average up to ${results.load.max} on ${m.cores} cores): figures are noisy; compare the ratios.`);
    }
    out.push('');
    if (baseline && baseline.workloadHash !== results.workloadHash) out.push('NOTE: the workloads differ from the baseline\'s (workflow or sizes changed): update the baseline.');
    out.push(...comparison(figures, results, baseline, BASELINE_FILE, 'the durable / raw ratios'));
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

async function main() {
    const values = benchArguments({ reps: 5, warmup: 1 });
    if (values['child-memory']) {
        return childMemory(Number(process.argv[process.argv.length - 1]));
    }
    const options = { reps: Number(values.reps), warmup: Number(values.warmup) };
    const started = now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-bench-runtime-'));
    const loads = [os.loadavg()[0]];
    const log = text => process.stderr.write(`${text}, load ${os.loadavg()[0].toFixed(1)}\n`);
    let durable;
    let timerStore;
    try {
        const w = await workload();
        const workloadHash = createHash('sha256').update(w.workflow.digest).update(JSON.stringify(SIZES)).digest('hex').slice(0, 16);
        const total = options.warmup + options.reps;

        // 2. In memory, first: the engine's repetitions, then the Runtime's. The engine runs before anything else
        // has (beyond the autopilot's one batch): after the Runtime's and the durable runs (other command object
        // shapes through decide, more garbage) the same loop measures up to a third slower.
        const engineRuns = { mix: [], corrections: [] };
        const memoryRuns = { mix: [], corrections: [] };
        for (let i = 0; i < total; i++) {
            const a = engineMix(w, SIZES.engineBatches);
            const b = engineCorrections(w, SIZES.engineCorrections);
            if (i >= options.warmup) {
                engineRuns.mix.push(a);
                engineRuns.corrections.push(b);
            }
            log(`  engine ${i + 1}/${total}${i < options.warmup ? ' (warm-up)' : ''}: happy path ${fmtInt(a.n / (a.ms / 1000))}/s, corrections ${fmtInt(b.n / (b.ms / 1000))}/s`);
        }
        for (let i = 0; i < total; i++) {
            const c = await memoryMix(w, SIZES.memoryBatches);
            const e = await memoryCorrections(w, SIZES.memoryCorrections);
            if (i >= options.warmup) {
                memoryRuns.mix.push(c);
                memoryRuns.corrections.push(e);
            }
            log(`  Runtime on MemoryStore ${i + 1}/${total}${i < options.warmup ? ' (warm-up)' : ''}: happy path ${fmtInt(c.n / (c.ms / 1000))}/s, corrections ${fmtInt(e.n / (e.ms / 1000))}/s`);
        }
        loads.push(os.loadavg()[0]);

        // 1. Durable, interleaved with its raw baseline so that drift affects both alike.
        durable = await durableSetup(w, tmp);
        await durableStoreSetup(durable, w);
        const raw = [];
        const corrections = [];
        const commits = [];
        const mix = [];
        for (let i = 0; i < total; i++) {
            const r = rawInserts(durable.raw, SIZES.durableCommands, durable.payload);
            const c = await durableCorrections(durable, w, SIZES.durableCommands);
            const s = await durableStoreCommits(durable, w, SIZES.durableCommands);
            const x = await durableMix(durable, w, SIZES.durableCommands);
            if (i >= options.warmup) {
                raw.push(r);
                corrections.push(c);
                commits.push(s);
                mix.push(x);
            }
            log(`  durable ${i + 1}/${total}${i < options.warmup ? ' (warm-up)' : ''}: raw ${fmtInt(r.n / (r.ms / 1000))}/s, Runtime corrections ${fmtInt(c.n / (c.ms / 1000))}/s, ` +
                `store.commit alone ${fmtInt(s.n / (s.ms / 1000))}/s, Runtime batch mix ${fmtInt(x.n / (x.ms / 1000))}/s`);
        }
        const walFrames = await walFramesPerCommit(w, tmp);
        loads.push(os.loadavg()[0]);
        const rawStat = stat(raw);
        const corrStat = stat(corrections);
        const mixStat = stat(mix);
        const commitStat = stat(commits);
        const paired = (xs, ys) => round(median(xs.map((x, i) => (x.n / x.ms) / (ys[i].n / ys[i].ms))), 3);
        const durableResults = {
            raw: rawStat, corrections: corrStat, storeCommits: commitStat, mix: mixStat, payloadBytes: durable.payload.length, walFramesPerCommit: walFrames,
            storeCommitsRatio: round(commitStat.perSecond / rawStat.perSecond, 3),
            storeCommitsPairedRatio: paired(commits, raw),
            correctionsToStoreRatio: paired(corrections, commits),
            correctionsRatio: round(corrStat.perSecond / rawStat.perSecond, 3),
            correctionsPairedRatio: paired(corrections, raw),
            mixRatio: round(mixStat.perSecond / rawStat.perSecond, 3),
            mixPairedRatio: paired(mix, raw),
            cpuMsPerCorrection: round(median(corrections.map(c => c.cpuMs / c.n)), 4),
            cpuMsPerRawInsert: round(median(raw.map(c => c.cpuMs / c.n)), 4),
        };

        // 3. Replay.
        const long = await recordLongBatch(w, SIZES.replayEvents);
        const replayed = replay(long.events);
        if (JSON.stringify(replayed) !== JSON.stringify(long.state)) throw new Error('replay: the replayed state differs from the runtime\'s');
        const evolveRuns = [];
        for (let i = 0; i < options.warmup + SIZES.replayRuns; i++) {
            const r = timed(() => (replay(long.events).version === SIZES.replayEvents ? 1 : 0));
            if (i >= options.warmup) evolveRuns.push(r);
        }
        const longStore = await longBatchOnSqlite(w, long, path.join(tmp, 'replay.db'));
        const coldRuns = [];
        for (let i = 0; i < total; i++) {
            const r = await coldLoad(w, longStore, long);
            if (i >= options.warmup) coldRuns.push(r);
        }
        log(`  replay of ${fmtInt(SIZES.replayEvents)} events: evolve ${median(evolveRuns.map(r => r.ms)).toFixed(1)} ms, cold from SQLite ${median(coldRuns.map(r => r.ms)).toFixed(1)} ms`);
        loads.push(os.loadavg()[0]);

        // 4. Timers.
        const shm = '/dev/shm';
        let buildDir = tmp;
        try {
            if (fs.statSync(shm).isDirectory()) buildDir = fs.mkdtempSync(path.join(shm, 'coil-bench-runtime-'));
        } catch {
            // No tmpfs: build on the disk (slower: a sync per commit).
        }
        const timersFile = path.join(tmp, 'timers.db');
        const built = await buildTimers(w, SIZES.timerBatches, buildDir, timersFile);
        timerStore = SqliteStore.open(timersFile);
        const pendingAtStart = (await timerStore.timers()).length;
        if (pendingAtStart !== 2 * SIZES.timerBatches) throw new Error(`timers: ${pendingAtStart} pending, ${2 * SIZES.timerBatches} expected`);
        log(`  timers: ${fmtInt(pendingAtStart)} pending written in ${(built.buildMs / 1000).toFixed(1)} s (${buildDir === tmp ? 'on disk' : 'on tmpfs, then copied to disk'})`);
        const sweeper = { store: timerStore, clock: settableClock(w.epoch), pending: pendingAtStart };
        sweeper.runtime = new Runtime({ store: timerStore, clock: sweeper.clock, node: 'bench-sweeper' });
        await sweeper.runtime.load(w.workflow);
        const sweeps = [];
        for (let k = 0; k < total; k++) {
            const s = await sweep(w, sweeper, k, SIZES.sweepLimit);
            sweeper.pending -= s.n;
            if (k >= options.warmup) sweeps.push(s);
            log(`  sweep ${k + 1}/${total}${k < options.warmup ? ' (warm-up)' : ''} of ${fmtInt(s.pendingBefore)} pending: claim ${s.claimMs.toFixed(1)} ms, claim + fire ${s.sweepMs.toFixed(0)} ms`);
        }
        loads.push(os.loadavg()[0]);
        const claimStat = stat(sweeps.map(s => ({ ms: s.claimMs, cpuMs: s.claimCpuMs, n: s.n })));
        const sweepStat = stat(sweeps.map(s => ({ ms: s.sweepMs, cpuMs: s.sweepCpuMs, n: s.n })));

        // 5. Memory, in a fresh process.
        let activeBatches;
        if (!values['no-memory']) {
            const a = measureMemory(SIZES.memoryActiveBatches);
            const per = x => round(x * 1000 / a.batches, 2);
            activeBatches = { ...a, heapPer1000MB: per(a.heapRetainedMB), runtimePer1000MB: per(a.runtimeRetainedMB), rssGrowthPer1000MB: per(a.rssGrowthMB) };
            log(`  memory: ${fmtInt(a.batches)} active batches hold ${a.heapRetainedMB} MB of heap (${a.runtimeRetainedMB} MB in the runtime), peak RSS +${a.rssGrowthMB} MB`);
        }

        const engine = { mix: stat(engineRuns.mix), corrections: stat(engineRuns.corrections) };
        const memory = { mix: stat(memoryRuns.mix), corrections: stat(memoryRuns.corrections) };
        const replayResults = { events: SIZES.replayEvents, evolve: stat(evolveRuns), coldLoad: stat(coldRuns) };
        const targets = {
            durableRatio: { target: TARGETS.durableRatio, value: durableResults.correctionsRatio, pass: durableResults.correctionsRatio >= TARGETS.durableRatio },
            engineMix: { target: TARGETS.engineCommandsPerSecond, value: engine.mix.perSecond, pass: engine.mix.perSecond >= TARGETS.engineCommandsPerSecond },
            engineCorrections: { target: TARGETS.engineCommandsPerSecond, value: engine.corrections.perSecond, pass: engine.corrections.perSecond >= TARGETS.engineCommandsPerSecond },
            replay: { target: TARGETS.replayMs, value: replayResults.evolve.medianMs, pass: replayResults.evolve.medianMs <= TARGETS.replayMs },
            claim: { target: TARGETS.claimMs, value: claimStat.medianMs, pass: claimStat.medianMs <= TARGETS.claimMs },
        };
        const results = {
            benchmark: 'coil runtime', date: new Date().toISOString(), machine: machine(),
            options: { ...options, sizes: SIZES, targets: TARGETS },
            workload: { workflow: path.relative(ROOT, WORKFLOW_FILE), digest: w.workflow.digest, happyPath: w.happy.length, happyPathEvents: w.mixEvents, prefix: w.prefix.length },
            workloadHash,
            durable: durableResults, engine, memory, replay: replayResults,
            timers: {
                batches: SIZES.timerBatches, pendingAtStart, limit: SIZES.sweepLimit, buildMs: round(built.buildMs), bytes: built.bytes,
                builtOn: buildDir === tmp ? 'disk' : 'tmpfs', claim: claimStat, sweep: sweepStat,
                claimUsPerTimer: round(1000 * claimStat.medianMs / SIZES.sweepLimit, 2), sweepMsPerTimer: round(sweepStat.medianMs / SIZES.sweepLimit, 3),
            },
            activeBatches, targets,
            load: { samples: loads.map(x => round(x, 2)), max: round(Math.max(...loads), 2) },
            processPeakRssMB: round(process.resourceUsage().maxRSS / 1024),
        };

        // A profile of whatever missed its target (or of everything, when asked).
        const missed = Object.values(targets).some(x => !x.pass);
        if (values.profile || (missed && !values['no-profile'])) {
            results.profiles = {};
            if (values.profile || !targets.durableRatio.pass) {
                results.profiles.durable = await profileOf('durable', () => durableCorrections(durable, w, SIZES.durableCommands), 2, results.date);
            }
            if (values.profile || !targets.engineMix.pass || !targets.engineCorrections.pass) {
                results.profiles.engine = await profileOf('engine', () => {
                    engineMix(w, SIZES.engineBatches / 2);
                    engineCorrections(w, SIZES.engineCorrections / 2);
                }, 2, results.date);
            }
            if (values.profile) results.profiles.memory = await profileOf('memory', () => memoryMix(w, SIZES.memoryBatches), 2, results.date);
            if (values.profile || !targets.replay.pass) results.profiles.replay = await profileOf('replay', () => replay(long.events), 5, results.date);
            if (values.profile) results.profiles.coldLoad = await profileOf('cold-load', () => coldLoad(w, longStore, long), 5, results.date);
            if (values.profile || !targets.claim.pass) {
                let k = total;
                results.profiles.sweep = await profileOf('sweep', async () => {
                    const s = await sweep(w, sweeper, k++, SIZES.sweepLimit);
                    sweeper.pending -= s.n;
                }, 2, results.date);
            }
        }
        await longStore.close();
        results.elapsedSeconds = round((now() - started) / 1000);
        if (values['update-baseline']) Object.defineProperty(results, 'updatingBaseline', { value: true, enumerable: false });

        printReport({
            results, baselineFile: BASELINE_FILE, report,
            heading: (key, profile) => `Profile: ${key} (${profile.file}; node bench/profile-summary.js <file> for more). The runtime's landmarks, inclusive time:`,
            landmarks: profile => profile.runtime,
        });
        saveResults({ results, resultsDir: RESULTS_DIR, name: 'runtime', latest: 'runtime-latest.json', baselineFile: BASELINE_FILE, updateBaseline: values['update-baseline'], profileKey: 'profiles' });
        const failed = Object.entries(targets).filter(([, x]) => !x.pass).map(([k]) => k);
        console.log(`Overall: ${failed.length ? `FAIL (${failed.join(', ')})` : 'PASS'}, ${results.elapsedSeconds} s`);
        if (failed.length && values.strict) process.exitCode = 1;
    } finally {
        durable?.raw.db.close();
        await durable?.store.close();
        await timerStore?.close();
        if (values.keep) console.error(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
