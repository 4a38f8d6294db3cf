#!/usr/bin/env node
/**
 * Benchmark of the runtime server (`@coil/runtime/server`, fastify) on the golden AutologousFresh
 * workflow: HTTP commands/s and p50/p99 latency with 16 concurrent clients on loopback, unsigned
 * and e-signed separately, each as a ratio to the engine's direct durable commands/s on SQLite
 * measured in the same run; and the cost of one scrypt check, the bound of signed commands.
 * See bench/baselines/README.md.
 *
 *   node bench/server.bench.js [--reps 5] [--warmup 1] [--update-baseline] [--profile | --no-profile]
 *                              [--strict] [--keep] [--in-process]
 *
 * Run from the repository root after `npm run build` (`npm run bench` does both).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cast, definitionOf, Runtime, SqliteStore } from '@coil/runtime';
import { actorOf, buildServer, DEFAULT_SCRYPT, hashPassword, verifyPassword } from '@coil/runtime/server';
import { benchArguments, comparison, printReport, cpuNow, fmtInt, gc, inclusiveTimes, machine, median, percentile, now, round, saveResults, table } from './measure.js';
import { summariseProfile } from './profile-summary.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS_DIR = path.join(HERE, 'results');
const BASELINE_FILE = path.join(HERE, 'baselines', 'server.json');
const WORKFLOW_FILE = path.join(ROOT, 'test', 'compiler', 'golden', 'AutologousFresh.workflow.json');
/** Set in the server's child process: its configuration, as JSON. */
const CHILD_ENV = 'COIL_BENCH_SERVER_CHILD';

/** The target. */
const TARGETS = {
    /** HTTP unsigned commands/s at least this share of the engine's direct durable commands/s (same commands, same disk, same run). */
    unsignedRatio: 0.5,
};

/** The workloads' sizes (per timed repetition). */
const SIZES = {
    /** Concurrent clients: each its own user, session and keep-alive connection (the direct baseline: as many async callers). */
    clients: 16,
    /** Batches the clients share (two clients a batch), each with its Collect step running. */
    batches: 8,
    /** Corrections per client and repetition: direct, and over HTTP unsigned. */
    directPerClient: 100,
    unsignedPerClient: 100,
    /** Signed corrections per client and repetition (each a challenge, then the command with the password). */
    signedPerClient: 4,
    /** Before each signed repetition, scrypt alone in the server process: checks timed one at a time, then this many all at once (the thread pool's throughput). */
    scryptSerial: 2,
    scryptParallel: 16,
    /** One client alone (no queueing: the latency floor): unsigned and signed corrections. */
    aloneUnsigned: 200,
    aloneSigned: 10,
};

const PASSWORD = 'correct horse battery staple';
const IDENTITY = 'W1234 26 000123 3';
const HOUR = 3_600_000;
const PARAMETER = 'parameter:Collect.volume';
const MEANING = 'Corrected';
const REASON = 'transcription error corrected';

/** A clock the benchmark sets by hand; stays at the time of the corrections (no timer falls due, no session expires). */
function settableClock(t) {
    return { t, now() { return this.t; } };
}

/** Flags of this benchmark only, taken out of argv before the shared parser sees them. */
function takeFlag(flag) {
    const i = process.argv.indexOf(flag);
    if (i < 0) return false;
    process.argv.splice(i, 1);
    return true;
}

// ---------------------------------------------------------------------------------------------
// The workload: users, batches, corrections.

/** The golden workflow, the people (16 apheresis nurses, one QA reviewer) and the time the corrections are made. */
function workload() {
    const workflow = JSON.parse(fs.readFileSync(WORKFLOW_FILE, 'utf8'));
    if (workflow.process.name !== 'AutologousFresh') throw new Error(`${WORKFLOW_FILE} is not the AutologousFresh workflow`);
    const def = definitionOf(workflow);
    const cast = new Cast(def);
    const person = (role, user, name) => {
        const holder = cast.holder(role);
        return { user, name, roles: holder.roles.map(r => r.replace(/^role:/, '')), qualifications: holder.qualifications ?? [] };
    };
    const nurses = Array.from({ length: SIZES.clients }, (_, i) => person('role:ApheresisNurse', `nurse.${String(i + 1).padStart(2, '0')}`, `Apheresis Nurse ${i + 1}`));
    const qa = person(workflow.release.role, 'qa.reviewer', 'QA Reviewer');
    const epoch = Date.parse('2027-01-04T08:00:00Z');
    const batches = Array.from({ length: SIZES.batches }, (_, i) => `SRV-${String(i + 1).padStart(3, '0')}`);
    return { workflow, def, nurses, qa, epoch, time: epoch + HOUR, batches, batchOf: client => batches[client % batches.length] };
}

/** The body of a correction of Collect.volume (200 / 250 mL alternately), with its reason: one event each. */
function correctionFields(i) {
    return { parameter: PARAMETER, value: { kind: 'quantity', value: i % 2 ? 250 : 200, unit: 'mL' } };
}

// ---------------------------------------------------------------------------------------------
// The server side: in a child process (default) or in this one (--in-process).

/**
 * Opens the store, builds and starts the server (logger off), adds the users (one scrypt hash for
 * all: same cost to check as each its own), and returns what the benchmark asks of the server side.
 */
async function serverSide({ file, time }) {
    const w = workload();
    const store = SqliteStore.open(file);
    const clock = settableClock(time);
    const app = await buildServer({ store, clock, workflows: [w.workflow], logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const hash = await hashPassword(PASSWORD);
    for (const u of [w.qa, ...w.nurses]) app.coil.directory.addUser(u, hash, 'bench', clock.now());
    let session;
    return {
        port: app.server.address().port,
        pid: process.pid,
        threadPool: Number(process.env.UV_THREADPOOL_SIZE) || 4,
        cpu: () => cpuNow(),
        /** One scrypt check at a time (`serial`), then `parallel` all at once, as the server checks them (verifyPassword). */
        async scrypt(serial, parallel) {
            const runs = [];
            for (let i = 0; i < serial; i++) {
                const start = now();
                if (!(await verifyPassword(PASSWORD, hash))) throw new Error('scrypt: the password does not verify');
                runs.push(now() - start);
            }
            const start = now();
            const cpuStart = cpuNow();
            await Promise.all(Array.from({ length: parallel }, () => verifyPassword(PASSWORD, hash)));
            return { serialMs: runs, parallelMs: now() - start, parallelCpuMs: cpuNow() - cpuStart, parallel };
        },
        async profileStart() {
            const { Session } = await import('node:inspector/promises');
            session = new Session();
            session.connect();
            await session.post('Profiler.enable');
            await session.post('Profiler.setSamplingInterval', { interval: 200 });
            await session.post('Profiler.start');
        },
        async profileStop(out) {
            const { profile } = await session.post('Profiler.stop');
            session.disconnect();
            fs.writeFileSync(out, JSON.stringify(profile));
            return out;
        },
        async close() {
            await app.close();
            await store.close();
        },
    };
}

/** The child process: the server side, driven over IPC ({ id, op, args } → { id, value | error }). */
async function serverChild() {
    // Without the benchmark, no server: stop when the parent goes away, however it ends.
    process.on('disconnect', () => process.exit(0));
    const side = await serverSide(JSON.parse(process.env[CHILD_ENV]));
    process.on('message', async ({ id, op, args }) => {
        try {
            const value = await side[op](...(args ?? []));
            process.send({ id, value }, () => {
                if (op === 'close') process.disconnect();
            });
        } catch (error) {
            process.send({ id, error: error instanceof Error ? error.stack : String(error) });
        }
    });
    process.send({ id: 0, value: { port: side.port, pid: side.pid, threadPool: side.threadPool } });
}

/** Starts the server side and returns the same interface in this process, whichever process it runs in. */
async function startServer(config, inProcess) {
    if (inProcess) {
        const side = await serverSide(config);
        return { ...side, inProcess: true };
    }
    const child = fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, [CHILD_ENV]: JSON.stringify(config) }, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pending = new Map();
    let next = 1;
    const exited = new Promise(resolve => child.on('exit', resolve));
    child.on('message', ({ id, value, error }) => {
        const p = pending.get(id);
        if (!p) return;
        pending.delete(id);
        if (error) p.reject(new Error(`server process: ${error}`));
        else p.resolve(value);
    });
    child.on('exit', code => {
        for (const p of pending.values()) p.reject(new Error(`the server process exited (${code})`));
        pending.clear();
    });
    const ask = (op, ...args) => new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, op, args });
    });
    // The child announces itself as message 0 once it listens.
    const ready = await new Promise((resolve, reject) => pending.set(0, { resolve, reject }));
    return {
        ...ready, inProcess: false,
        cpu: () => ask('cpu'),
        scrypt: (serial, parallel) => ask('scrypt', serial, parallel),
        profileStart: () => ask('profileStart'),
        profileStop: out => ask('profileStop', out),
        async close() {
            if (child.connected) await ask('close').catch(() => child.kill());
            await exited;
        },
    };
}

// ---------------------------------------------------------------------------------------------
// The client: node:http with one keep-alive connection per client.

/** A client of its own: one keep-alive connection, a bearer token once signed in. Answers { status, body, ms }. */
function httpClient(port) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const client = {
        token: null,
        agent,
        request(method, route, body) {
            const payload = body === undefined ? undefined : JSON.stringify(body);
            const headers = {};
            if (client.token) headers.authorization = `Bearer ${client.token}`;
            if (payload !== undefined) {
                headers['content-type'] = 'application/json';
                headers['content-length'] = Buffer.byteLength(payload);
            }
            const start = now();
            return new Promise((resolve, reject) => {
                const req = http.request({ host: '127.0.0.1', port, method, path: route, agent, headers }, res => {
                    const chunks = [];
                    res.on('data', c => chunks.push(c));
                    res.on('end', () => {
                        const text = Buffer.concat(chunks).toString('utf8');
                        try {
                            resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null, ms: now() - start });
                        } catch (error) {
                            reject(error);
                        }
                    });
                    res.on('error', reject);
                });
                req.on('error', reject);
                req.end(payload);
            });
        },
    };
    return client;
}

function expectStatus(response, status, what) {
    if (response.status !== status) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
}

/** Signs in (a scrypt check on the server). */
async function signIn(client, user) {
    const body = expectStatus(await client.request('POST', '/v1/sessions', { user, password: PASSWORD }), 201, `signing in ${user}`);
    client.token = body.token;
    client.user = user;
    client.signedBefore = false;
}

/** A signature for one command: a one-time challenge, then the password (and the user id the first time in a session, 21 CFR 11.200). */
async function signature(client, subject, meanings) {
    const challenge = await client.request('POST', '/v1/signatures/challenges', { ...subject, meanings });
    expectStatus(challenge, 201, `a challenge for ${client.user}`);
    const sig = { challenge: challenge.body.challenge, password: PASSWORD, ...(client.signedBefore ? {} : { user: client.user }) };
    client.signedBefore = true;
    return { signature: sig, ms: challenge.ms };
}

/**
 * Over HTTP, as in production: QA approves the definition with an e-signature, the 16 nurses sign
 * in, and the batches are started, their Collect started and a first volume recorded.
 */
async function httpSetup(w, port) {
    const qa = httpClient(port);
    await signIn(qa, w.qa.user);
    const { signature: sig } = await signature(qa, { batch: null, command: 'approve-definition', target: w.workflow.digest }, ['Approved for GMP use']);
    expectStatus(await qa.request('POST', `/v1/definitions/${w.workflow.digest}/approvals`, { meaning: 'Approved for GMP use', signature: sig }), 201, 'approving the definition');
    qa.agent.destroy();
    const clients = w.nurses.map(() => httpClient(port));
    await Promise.all(clients.map((c, i) => signIn(c, w.nurses[i].user)));
    for (let b = 0; b < w.batches.length; b++) {
        const c = clients[b];
        const batch = w.batches[b];
        expectStatus(await c.request('POST', '/v1/batches', { batch, identity: IDENTITY, definition: w.workflow.digest, key: `${batch}:start` }), 201, `starting ${batch}`);
        expectStatus(await c.request('POST', `/v1/batches/${batch}/commands/start-step`, { step: 'step:Collect', key: `${batch}:collect` }), 200, `starting Collect of ${batch}`);
        expectStatus(await c.request('POST', `/v1/batches/${batch}/commands/record-value`, { ...correctionFields(0), key: `${batch}:first` }), 200, `recording the volume of ${batch}`);
    }
    return clients;
}

// ---------------------------------------------------------------------------------------------
// The three measures.

/** The command the server executes for a client's correction: same key scoping, actor and reason. */
function directCommand(w, client, batch, i, key) {
    const user = w.nurses[client];
    return {
        type: 'record-value', ...correctionFields(i), batch, key: `${user.user}/${key}`,
        actor: actorOf({ ...user, disabled: false, created: 0, updated: 0 }), reason: REASON, signatures: [],
    };
}

/** The direct baseline's Runtime on its own SQLite file (WAL, synchronous=FULL), its batches started and Collect running. */
async function directSetup(w, file) {
    const store = SqliteStore.open(file);
    const runtime = new Runtime({ store, clock: settableClock(w.time), node: 'bench-direct' });
    await runtime.load(w.workflow);
    for (let b = 0; b < w.batches.length; b++) {
        const batch = w.batches[b];
        const actor = directCommand(w, b, batch, 0, '').actor;
        for (const command of [
            { type: 'start-batch', batch, identity: IDENTITY, training: false, key: `${actor.user}/${batch}:start`, actor, reason: null },
            { type: 'start-step', step: 'step:Collect', batch, key: `${actor.user}/${batch}:collect`, actor, reason: null, signatures: [] },
            { ...directCommand(w, b, batch, 0, `${batch}:first`), reason: null },
        ]) {
            const outcome = await runtime.execute(command, command.type === 'start-batch' ? w.def.digest : undefined);
            if (!outcome.ok) throw new Error(`direct: ${command.type} on ${batch} refused: ${outcome.code} ${outcome.reason}`);
        }
    }
    return { store, runtime, rep: 0 };
}

/** Runs `perClient` operations on each of the clients at once; wall and CPU time of this process and of the server's. */
async function concurrently(server, clients, perClient, operation) {
    gc();
    const serverCpu = server && !server.inProcess ? await server.cpu() : null;
    const start = now();
    const cpuStart = cpuNow();
    const latencies = [];
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
            const t = now();
            await operation(c, i);
            latencies.push(now() - t);
        }
    }));
    const ms = now() - start;
    const cpuMs = cpuNow() - cpuStart;
    return { n: clients * perClient, ms, cpuMs, serverCpuMs: serverCpu === null ? null : (await server.cpu()) - serverCpu, latencies };
}

/** 1. Direct: the same corrections through `Runtime.execute` on SQLite, 16 async callers over the same batches. */
function direct(w, d, perClient) {
    const rep = d.rep++;
    return concurrently(null, SIZES.clients, perClient, async (c, i) => {
        const outcome = await d.runtime.execute(directCommand(w, c, w.batchOf(c), i + c, `d${rep}:${i}`));
        if (!outcome.ok) throw new Error(`direct: a correction was refused: ${outcome.code} ${outcome.reason}`);
    });
}

/** 2. HTTP unsigned: each client posts its corrections, one at a time, on its own connection. */
function unsigned(w, server, clients, perClient, tag) {
    return concurrently(server, clients.length, perClient, async (c, i) => {
        const batch = w.batchOf(c);
        const response = await clients[c].request('POST', `/v1/batches/${batch}/commands/record-value`, { ...correctionFields(i + c), key: `${tag}:${i}`, reason: REASON });
        if (response.status !== 200 || !response.body.ok) throw new Error(`unsigned: ${response.status} ${JSON.stringify(response.body)}`);
    });
}

/**
 * 3. HTTP signed: each correction carries an e-signature: the client asks for a one-time challenge
 * for this command on this parameter, then posts the command with the password (the server checks
 * the challenge, runs scrypt on its thread pool, uses the challenge, and executes). Latency is the
 * pair's, as the person signing waits for both; the challenge's and the command's are kept apart too.
 */
async function signed(w, server, clients, perClient, tag) {
    const challengeMs = [];
    const commandMs = [];
    const recorded = new Set();
    const run = await concurrently(server, clients.length, perClient, async (c, i) => {
        const batch = w.batchOf(c);
        const { signature: sig, ms } = await signature(clients[c], { batch, command: 'record-value', target: PARAMETER }, [MEANING]);
        const response = await clients[c].request('POST', `/v1/batches/${batch}/commands/record-value`, { ...correctionFields(i + c), key: `${tag}:${i}`, reason: REASON, signature: sig });
        if (response.status !== 200 || !response.body.ok) throw new Error(`signed: ${response.status} ${JSON.stringify(response.body)}`);
        challengeMs.push(ms);
        commandMs.push(response.ms);
        recorded.add(response.body.events.reduce((n, e) => n + e.signatures.length, 0));
    });
    return { ...run, challengeMs, commandMs, signaturesOnRecord: [...recorded] };
}

// ---------------------------------------------------------------------------------------------
// Profiles of the server side: its landmarks by inclusive time, then the usual summary.

const SERVER_LANDMARKS = [
    ['JSON body parsing (secure-json-parse)', f => f.url.includes('secure-json-parse')],
    ['body and params validation (ajv compiled validators)', f => f.url === '' && /^validate\d*$/.test(f.functionName)],
    ['reply serialisation (fast-json-stringify compiled code)', f => f.url.includes('fast-json-stringify') || (f.url === '' && f.functionName === 'anonymous')],
    ['auth hook: directory.session + directory.user', f => (f.functionName === 'session' || f.functionName === 'user') && f.url.includes('/server/directory.js')],
    ['signed(): challenge, lockout counts, scrypt, useChallenge', f => f.functionName === 'signed' && f.url.includes('/server/app.js')],
    ['createChallenge (an INSERT, its own transaction)', f => f.functionName === 'createChallenge' && f.url.includes('/server/directory.js')],
    ['batchOrThrow (Runtime.batch)', f => f.functionName === 'batchOrThrow'],
    ['store.outcome (idempotency look-ups: the route\'s, then the Runtime\'s)', f => f.functionName === 'outcome' && f.url.includes('/store/sqlite.js')],
    ['Runtime.execute (executeNow)', f => f.functionName === 'executeNow' && f.url.includes('/runtime.js')],
    ['  better-sqlite3 transaction (BEGIN IMMEDIATE … COMMIT, fsync)', f => f.functionName === 'sqliteTransaction'],
    ['answer (eventView, describeEvent)', f => f.functionName === 'answer' && f.url.includes('/server/app.js')],
    ['SQLite reads (Statement.get: sessions, users, outcomes, batches…)', f => f.functionName === 'get' && f.url === ''],
    ['socket writes (writev)', f => f.functionName === 'writev' && f.url === ''],
    ['garbage collector', f => f.functionName === '(garbage collector)'],
    ['event loop idle (waiting for requests, scrypt)', f => f.functionName === '(idle)'],
];

function serverLandmarks(profile) {
    return SERVER_LANDMARKS.map(([label, match]) => {
        const { inclusive, total } = inclusiveTimes(profile, f => (match(f) ? 'hit' : 'other'));
        const us = inclusive.get('hit') ?? 0;
        return { label, ms: round(us / 1000), share: round(us / total, 3) };
    }).filter(l => l.ms > 0);
}

async function profileServer(name, server, date, run) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `server-${name}-${date.replace(/[:.]/g, '-')}.cpuprofile`);
    await server.profileStart();
    await run();
    await server.profileStop(file);
    const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { file: path.relative(process.cwd(), file), ...summariseProfile(profile, { top: 20 }), server: serverLandmarks(profile) };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

/** Figures of a series of timed runs: commands/s (median, min..max), latency percentiles over every request of every run, CPU per command. */
function stat(runs) {
    const rates = runs.map(r => r.n / (r.ms / 1000));
    const all = runs.flatMap(r => r.latencies);
    const rate = x => (x >= 100 ? Math.round(x) : round(x, 1));
    const out = {
        n: runs[0].n, runsMs: runs.map(r => round(r.ms)), medianMs: round(median(runs.map(r => r.ms)), 2),
        perSecond: rate(median(rates)), minPerSecond: rate(Math.min(...rates)), maxPerSecond: rate(Math.max(...rates)),
        latency: { samples: all.length, p50Ms: round(percentile(all, 0.5), 2), p90Ms: round(percentile(all, 0.9), 2), p99Ms: round(percentile(all, 0.99), 2), maxMs: round(Math.max(...all), 2) },
        clientCpuMsPerCommand: round(median(runs.map(r => r.cpuMs / r.n)), 4),
    };
    if (runs[0].serverCpuMs !== null) out.serverCpuMsPerCommand = round(median(runs.map(r => r.serverCpuMs / r.n)), 4);
    return out;
}

/** The figures compared with the baseline: [label, value, unit, lowerIsBetter]. */
function figures(r) {
    return [
        ['direct: Runtime on SQLite, commands/s', r.direct.perSecond, 'cmds/s', false],
        ['HTTP unsigned: commands/s', r.unsigned.perSecond, 'cmds/s', false],
        ['HTTP unsigned / direct', r.ratios.unsigned, 'x', false],
        ['HTTP unsigned / direct (paired)', r.ratios.unsignedPaired, 'x', false],
        ['HTTP unsigned: p50', r.unsigned.latency.p50Ms, 'ms', true],
        ['HTTP unsigned: p99', r.unsigned.latency.p99Ms, 'ms', true],
        ...(r.unsigned.serverCpuMsPerCommand !== undefined ? [['HTTP unsigned: server CPU per command', r.unsigned.serverCpuMsPerCommand, 'ms', true]] : []),
        ['HTTP signed: commands/s', r.signed.perSecond, 'cmds/s', false],
        ['HTTP signed: p50', r.signed.latency.p50Ms, 'ms', true],
        ['HTTP signed: p99', r.signed.latency.p99Ms, 'ms', true],
        ['scrypt: one check', r.scrypt.oneCheckMs, 'ms', true],
        ['scrypt: checks/s, 16 at once', r.scrypt.parallelPerSecond, '/s', false],
        ['HTTP signed / scrypt bound', r.ratios.signedToScryptBound, 'x', false],
        ['HTTP signed / scrypt alone (paired)', r.ratios.signedToScryptMeasuredPaired, 'x', false],
        ['one client: HTTP unsigned p50', r.alone.unsigned.p50Ms, 'ms', true],
        ['one client: HTTP signed p50', r.alone.signed.p50Ms, 'ms', true],
    ];
}

function report(results, baseline) {
    const m = results.machine;
    const out = [];
    const { direct: d, unsigned: u, signed: s, scrypt: k, ratios, alone } = results;
    const rate = x => (x >= 100 ? fmtInt(x) : x.toFixed(1));
    const range = x => `${rate(x.minPerSecond)}..${rate(x.maxPerSecond)}`;
    const ms = x => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
    const lat = x => [ms(x.latency.p50Ms), ms(x.latency.p99Ms)];
    out.push(`coil server benchmark: ${results.workload.workflow} (${results.workload.process}), ${SIZES.clients} concurrent clients on loopback (one keep-alive ` +
        `connection and session each) over ${SIZES.batches} batches, the server ${results.options.inProcess ? 'in this process (--in-process)' : 'in a child process'}`);
    out.push(`Node ${m.node}, ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB; ${results.options.reps} repetitions after ${results.options.warmup} warm-up; load average ${results.load.samples.join(', ')}`);
    out.push('');
    out.push('Corrections of Collect.volume with a reason on running Collect steps: one event and one durable SQLite commit each (WAL, synchronous=FULL).');
    out.push(table([
        ['1. direct: Runtime.execute on SqliteStore, 16 async callers', rate(d.perSecond), range(d), ...lat(d), '1.00x', ''],
        ['2. HTTP unsigned: POST /v1/batches/{batch}/commands/record-value', rate(u.perSecond), range(u), ...lat(u), `${ratios.unsigned.toFixed(2)}x`,
            `target >= ${TARGETS.unsignedRatio}x: ${results.targets.unsignedRatio.pass ? 'PASS' : 'FAIL'} (paired ${ratios.unsignedPaired.toFixed(2)}x)`],
        ['3. HTTP signed: a challenge, then the command with the password', rate(s.perSecond), range(s), ...lat(s), `${ratios.signed.toFixed(3)}x`,
            `${ratios.signedToScryptBound.toFixed(2)}x the scrypt bound, ${ratios.signedToScryptMeasuredPaired.toFixed(2)}x scrypt alone (paired)`],
    ], ['measure', 'cmds/s', 'min..max', 'p50 ms', 'p99 ms', '/ direct', '']));
    out.push(`(cmds/s: median of the repetitions' rates; / direct: ratio of the medians, paired: median of the per-repetition ratios. Latency: nearest rank over every request ` +
        `of every timed repetition, ${fmtInt(d.latency.samples)} direct (one execute() among 16 in flight), ${fmtInt(u.latency.samples)} unsigned, ${fmtInt(s.latency.samples)} signed ` +
        `(the pair: challenge p50 ${ms(s.challenge.p50Ms)} / p99 ${ms(s.challenge.p99Ms)} ms, then the signed command p50 ${ms(s.command.p50Ms)} / p99 ${ms(s.command.p99Ms)} ms)). ` +
        `Signature manifests on a signed correction's event: ${s.signaturesOnRecord.join(', ')}${s.signaturesOnRecord.includes(0) ? ' (a signature missing from the record: a bug)' : ''}`);
    out.push('');
    out.push('One client alone (nothing queues: the latency floor):');
    out.push(table([
        ['HTTP unsigned correction', alone.unsigned.n, rate(alone.unsigned.perSecond), ms(alone.unsigned.p50Ms), ms(alone.unsigned.p99Ms)],
        ['HTTP signed correction (challenge + command)', alone.signed.n, rate(alone.signed.perSecond), ms(alone.signed.p50Ms), ms(alone.signed.p99Ms)],
        ['  of which the signed command', '', '', ms(alone.signed.command.p50Ms), ms(alone.signed.command.p99Ms)],
    ], ['', 'commands', 'cmds/s', 'p50 ms', 'p99 ms']));
    out.push('');
    out.push(`scrypt (N=${k.params.N}, r=${k.params.r}, p=${k.params.p}, as verifyPassword checks a password) alone in the server process before each signed repetition; ` +
        `libuv thread pool of ${k.threadPool} threads on ${m.cores} cores:`);
    out.push(table([
        [`one check at a time (median of ${k.serialMs.length})`, `${k.oneCheckMs.toFixed(1)} ms`, `${(1000 / k.oneCheckMs).toFixed(1)} /s`],
        [`the bound: min(thread pool, cores) = ${k.lanes} checks at a time`, '', `${k.boundPerSecond.toFixed(1)} /s`],
        [`${k.parallel} checks at once, measured (${k.parallelCpuMsPerCheck} ms CPU per check)`, '', `${k.parallelPerSecond.toFixed(1)} /s`],
        ['HTTP signed corrections, 16 clients', '', `${rate(s.perSecond)} /s = ${ratios.signedToScryptBound.toFixed(2)}x the bound, ${ratios.signedToScryptMeasured.toFixed(2)}x measured (paired ${ratios.signedToScryptMeasuredPaired.toFixed(2)}x)`],
    ], ['', 'time', 'rate']));
    out.push('');
    const cpuRows = [['1. direct', '', (1000 * d.clientCpuMsPerCommand).toFixed(0)]];
    if (u.serverCpuMsPerCommand !== undefined) {
        cpuRows.push(['2. HTTP unsigned', (1000 * u.serverCpuMsPerCommand).toFixed(0), (1000 * u.clientCpuMsPerCommand).toFixed(0)]);
        cpuRows.push(['3. HTTP signed (scrypt included)', (1000 * s.serverCpuMsPerCommand).toFixed(0), (1000 * s.clientCpuMsPerCommand).toFixed(0)]);
        out.push('CPU time per command, µs (user + system, all threads of the process):');
        out.push(table(cpuRows, ['', 'server process', 'benchmark process']));
    } else {
        out.push(`CPU time per command, server and clients together in one process, µs: direct ${(1000 * d.clientCpuMsPerCommand).toFixed(0)}, ` +
            `HTTP unsigned ${(1000 * u.clientCpuMsPerCommand).toFixed(0)}, signed ${(1000 * s.clientCpuMsPerCommand).toFixed(0)}`);
    }
    if (results.load.max > m.cores) out.push(`WARNING: the machine was busy (load average up to ${results.load.max} on ${m.cores} cores): figures are noisy; compare the ratios.`);
    out.push('');
    if (baseline && baseline.workloadHash !== results.workloadHash) out.push('NOTE: the workloads differ from the baseline\'s (workflow or sizes changed): update the baseline.');
    if (baseline && Boolean(baseline.options?.inProcess) !== Boolean(results.options.inProcess)) out.push('NOTE: the baseline ran the server in the other arrangement (child process / --in-process).');
    out.push(...comparison(figures, results, baseline, BASELINE_FILE, 'the ratios (to direct, to scrypt)'));
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

async function main() {
    const inProcess = takeFlag('--in-process');
    const values = benchArguments({ reps: 5, warmup: 1 });
    const options = { reps: Number(values.reps), warmup: Number(values.warmup), inProcess };
    const started = now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-bench-server-'));
    const loads = [os.loadavg()[0]];
    const log = text => process.stderr.write(`${text}, load ${os.loadavg()[0].toFixed(1)}\n`);
    const w = workload();
    let server;
    let d;
    let clients = [];
    try {
        const workloadHash = createHash('sha256').update(w.workflow.digest).update(JSON.stringify(SIZES)).digest('hex').slice(0, 16);
        const total = options.warmup + options.reps;

        server = await startServer({ file: path.join(tmp, 'server.db'), time: w.time }, inProcess);
        clients = await httpSetup(w, server.port);
        d = await directSetup(w, path.join(tmp, 'direct.db'));
        log(`  server on 127.0.0.1:${server.port} (${inProcess ? 'in process' : `child process ${server.pid}`}), definition approved, ${clients.length} clients signed in, ${w.batches.length} batches started`);

        // 1 and 2, interleaved per repetition so that drift (the disk, other jobs) affects both alike.
        const directRuns = [];
        const unsignedRuns = [];
        for (let i = 0; i < total; i++) {
            const a = await direct(w, d, SIZES.directPerClient);
            const b = await unsigned(w, server, clients, SIZES.unsignedPerClient, `u${i}`);
            if (i >= options.warmup) {
                directRuns.push(a);
                unsignedRuns.push(b);
            }
            log(`  ${i + 1}/${total}${i < options.warmup ? ' (warm-up)' : ''}: direct ${fmtInt(a.n / (a.ms / 1000))}/s, HTTP unsigned ${fmtInt(b.n / (b.ms / 1000))}/s ` +
                `(p50 ${percentile(b.latencies, 0.5).toFixed(2)} ms, p99 ${percentile(b.latencies, 0.99).toFixed(2)} ms)`);
        }
        loads.push(os.loadavg()[0]);

        // 3. Each signed repetition right after scrypt alone in the server process (idle meanwhile), so that
        // the ratio to what the thread pool can do is paired, as the unsigned one is to direct.
        const probes = [];
        const signedRuns = [];
        for (let i = 0; i < total; i++) {
            const k = await server.scrypt(SIZES.scryptSerial, SIZES.scryptParallel);
            const s = await signed(w, server, clients, SIZES.signedPerClient, `s${i}`);
            if (i >= options.warmup) {
                probes.push(k);
                signedRuns.push(s);
            }
            log(`  signed ${i + 1}/${total}${i < options.warmup ? ' (warm-up)' : ''}: ${(s.n / (s.ms / 1000)).toFixed(1)}/s (p50 ${percentile(s.latencies, 0.5).toFixed(0)} ms, ` +
                `p99 ${percentile(s.latencies, 0.99).toFixed(0)} ms); scrypt alone: one check ${median(k.serialMs).toFixed(1)} ms, ${k.parallel} at once ${(k.parallel * 1000 / k.parallelMs).toFixed(1)}/s`);
        }
        loads.push(os.loadavg()[0]);

        // One client alone: the latency of a request when nothing queues.
        const alone = [clients[0]];
        const aloneUnsigned = await unsigned(w, server, alone, SIZES.aloneUnsigned, 'a-u');
        const aloneSigned = await signed(w, server, alone, SIZES.aloneSigned, 'a-s');
        loads.push(os.loadavg()[0]);

        const directStat = stat(directRuns);
        const unsignedStat = stat(unsignedRuns);
        const signedStat = stat(signedRuns);
        const pct = xs => ({ p50Ms: round(percentile(xs, 0.5), 2), p99Ms: round(percentile(xs, 0.99), 2) });
        signedStat.challenge = pct(signedRuns.flatMap(r => r.challengeMs));
        signedStat.command = pct(signedRuns.flatMap(r => r.commandMs));
        // How many signature manifests a signed correction's event carries (one: a signature given is always on the record).
        signedStat.signaturesOnRecord = [...new Set(signedRuns.flatMap(r => r.signaturesOnRecord))];
        const signedRates = signedRuns.map(r => r.n / (r.ms / 1000));
        const parallelRates = probes.map(k => k.parallel * 1000 / k.parallelMs);
        const oneCheckMs = median(probes.flatMap(k => k.serialMs));
        const lanes = Math.min(server.threadPool, os.cpus().length);
        const scrypt = {
            params: DEFAULT_SCRYPT, threadPool: server.threadPool, lanes,
            serialMs: probes.flatMap(k => k.serialMs).map(x => round(x, 1)), oneCheckMs: round(oneCheckMs, 1),
            boundPerSecond: round(lanes * 1000 / oneCheckMs, 1),
            parallel: SIZES.scryptParallel, parallelPerSecondRuns: parallelRates.map(x => round(x, 1)), parallelPerSecond: round(median(parallelRates), 1),
            parallelCpuMsPerCheck: round(median(probes.map(k => k.parallelCpuMs / k.parallel)), 1),
        };
        const ratios = {
            unsigned: round(unsignedStat.perSecond / directStat.perSecond, 3),
            unsignedPaired: round(median(unsignedRuns.map((u, i) => (u.n / u.ms) / (directRuns[i].n / directRuns[i].ms))), 3),
            signed: round(median(signedRates) / directStat.perSecond, 4),
            signedToScryptBound: round(median(signedRates) / scrypt.boundPerSecond, 3),
            signedToScryptMeasured: round(median(signedRates) / scrypt.parallelPerSecond, 3),
            signedToScryptMeasuredPaired: round(median(signedRates.map((x, i) => x / parallelRates[i])), 3),
        };
        const aloneStat = r => ({ n: r.n, perSecond: round(r.n / (r.ms / 1000), 1), ...pct(r.latencies) });
        const aloneResults = { unsigned: aloneStat(aloneUnsigned), signed: { ...aloneStat(aloneSigned), challenge: pct(aloneSigned.challengeMs), command: pct(aloneSigned.commandMs) } };
        const targets = { unsignedRatio: { target: TARGETS.unsignedRatio, value: ratios.unsigned, pass: ratios.unsigned >= TARGETS.unsignedRatio } };
        const results = {
            benchmark: 'coil server', date: new Date().toISOString(), machine: machine(),
            options: { ...options, sizes: SIZES, targets: TARGETS },
            workload: {
                workflow: path.relative(ROOT, WORKFLOW_FILE), process: w.workflow.process.name, digest: w.workflow.digest,
                command: `record-value ${PARAMETER} with a reason (a correction); signed: with a challenge for "${MEANING}"`,
            },
            workloadHash,
            direct: directStat, unsigned: unsignedStat, signed: signedStat, alone: aloneResults, scrypt, ratios, targets,
            load: { samples: loads.map(x => round(x, 2)), max: round(Math.max(...loads), 2) },
        };

        if (values.profile || (!targets.unsignedRatio.pass && !values['no-profile'])) {
            results.profiles = {};
            results.profiles.unsigned = await profileServer('unsigned', server, results.date, () => unsigned(w, server, clients, SIZES.unsignedPerClient, 'pu'));
            if (values.profile) results.profiles.signed = await profileServer('signed', server, results.date, () => signed(w, server, clients, SIZES.signedPerClient, 'ps'));
        }
        results.processPeakRssMB = round(process.resourceUsage().maxRSS / 1024);
        results.elapsedSeconds = round((now() - started) / 1000);
        if (values['update-baseline']) Object.defineProperty(results, 'updatingBaseline', { value: true, enumerable: false });

        printReport({
            results, baselineFile: BASELINE_FILE, report,
            heading: (key, profile) => `Profile of the server process: ${key} (${profile.file}; node bench/profile-summary.js <file> for more). Landmarks, inclusive time:`,
            landmarks: profile => profile.server,
        });
        saveResults({ results, resultsDir: RESULTS_DIR, name: 'server', latest: 'server-latest.json', baselineFile: BASELINE_FILE, updateBaseline: values['update-baseline'], profileKey: 'profiles' });
        const failed = Object.entries(targets).filter(([, x]) => !x.pass).map(([k]) => k);
        console.log(`Overall: ${failed.length ? `FAIL (${failed.join(', ')})` : 'PASS'}, ${results.elapsedSeconds} s`);
        if (failed.length && values.strict) process.exitCode = 1;
    } finally {
        for (const c of clients) c.agent.destroy();
        await server?.close();
        await d?.store.close();
        if (values.keep) console.error(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (process.env[CHILD_ENV]) {
    serverChild().catch(e => {
        console.error(e instanceof Error ? e.stack : e);
        process.exit(1);
    });
} else {
    main().catch(e => {
        console.error(e instanceof Error ? e.stack : e);
        process.exit(1);
    });
}
