/**
 * The shell around the engine: loads a batch (from cache or by replaying its events), asks
 * `decide`, chains the events, and commits them with the batch's timers and the command's
 * idempotency record in one transaction. Timers are swept from the store, so a timer that fell due
 * while the runtime was down fires on the next sweep, once, with its due time.
 */
import { verifyWorkflow, type SignedWorkflow } from '@coil/compiler/ir';
import { chain, GENESIS, verifyBatch, type VerifyIssue } from './audit.js';
import type { Clock } from './clock.js';
import { commandProblem } from './engine/command-shape.js';
import { decideWithState } from './engine/decide.js';
import { definitionOf, type Definition } from './engine/definition.js';
import { evolve } from './engine/evolve.js';
import type { BatchState } from './engine/state.js';
import { SYSTEM, type Command, type RecordedEvent } from './engine/types.js';
import { batchStatus } from './engine/views.js';
import { ConcurrencyError, DuplicateCommandError, type Store, type StoredOutcome, type TimerRow } from './store/store.js';

/** What a command came to: accepted with its events, or refused with a code and reason (and any events a refusal records). */
export type CommandOutcome =
    | { readonly ok: true; readonly batch: string; readonly events: readonly RecordedEvent[]; readonly replayed: boolean }
    | { readonly ok: false; readonly batch: string; readonly code: string; readonly reason: string; readonly events: readonly RecordedEvent[]; readonly replayed: boolean };

export interface RuntimeOptions {
    readonly store: Store;
    readonly clock: Clock;
    /** A name for this runtime node when claiming timers. */
    readonly node?: string;
}

/** A workflow the runtime refuses to load. */
export class DefinitionError extends Error {
    constructor(readonly code: string, message: string) {
        super(message);
    }
}

interface Loaded {
    readonly definition: Definition;
    readonly state: BatchState;
    readonly head: string;
}

const MAX_ATTEMPTS = 12;

export interface ExecuteOptions {
    /** The batch version the client decided on (0 before the start); refused with COIL-RT034 when the batch has moved on. */
    readonly expectedVersion?: number;
}

export class Runtime {
    readonly store: Store;
    readonly clock: Clock;
    private readonly node: string;
    private readonly definitions = new Map<string, Definition>();
    private readonly cache = new Map<string, Loaded>();
    private readonly locks = new Map<string, Promise<unknown>>();

    constructor(options: RuntimeOptions) {
        this.store = options.store;
        this.clock = options.clock;
        this.node = options.node ?? `node-${process.pid}`;
    }

    /** Verifies a compiled workflow (format, schema, digest), stores it, and returns its definition. */
    async load(workflow: unknown): Promise<Definition> {
        const verified = verifyWorkflow(workflow);
        if (!verified.ok) throw new DefinitionError(verified.code, verified.message);
        const signed = workflow as SignedWorkflow;
        const known = this.definitions.get(signed.digest);
        if (known) return known;
        await this.store.putDefinition(signed.digest, JSON.stringify(signed));
        const definition = definitionOf(signed);
        this.definitions.set(signed.digest, definition);
        return definition;
    }

    /** The definition with this digest: loaded already, or from the store (verified again). */
    async definition(digest: string): Promise<Definition> {
        const known = this.definitions.get(digest);
        if (known) return known;
        const text = await this.store.definition(digest);
        if (text === null) throw new DefinitionError('COIL-RT033', `no definition with digest ${digest} is registered`);
        return this.load(JSON.parse(text));
    }

    /**
     * Executes a command. `definition` names the digest a `start-batch` pins the batch to. With
     * `expectedVersion`, the command is refused (COIL-RT034) unless the batch is still at that
     * version: a client that decided on what it saw learns that something happened meanwhile.
     */
    async execute(command: Command, definition?: string, options: ExecuteOptions = {}): Promise<CommandOutcome> {
        return this.serialised(typeof command?.batch === 'string' ? command.batch : '', () => this.executeNow(command, definition, options));
    }

    private async executeNow(command: Command, digest: string | undefined, options: ExecuteOptions): Promise<CommandOutcome> {
        const problem = commandProblem(command);
        if (problem) return { ok: false, batch: typeof command?.batch === 'string' ? command.batch : '', code: 'COIL-RT030', reason: problem, events: [], replayed: false };
        if (command.key.startsWith('timer:') && command.actor.user !== SYSTEM.user) {
            return { ok: false, batch: command.batch, code: 'COIL-RT030', reason: `idempotency keys starting with 'timer:' are the runtime's own`, events: [], replayed: false };
        }
        for (let attempt = 1; ; attempt++) {
            // Fast path: a batch this runtime holds is decided on at once. The commit checks the version
            // and the key, so a stale cache or a repeated key ends in a retry that looks them up; a
            // refusal, which commits nothing, looks them up before it is answered.
            const cached = attempt === 1 ? this.cache.get(command.batch) : undefined;
            if (!cached) {
                const previous = await this.previousOutcome(command);
                if (previous) return previous;
            }
            const loaded = cached ?? (await this.loadBatch(command.batch));
            const at = loaded?.state.version ?? 0;
            if (options.expectedVersion !== undefined && at !== options.expectedVersion) {
                // A retry of a command that got through is answered with its outcome, not a conflict.
                const previous = await this.previousOutcome(command);
                if (previous) return previous;
                if (cached) {
                    this.cache.delete(command.batch);
                    continue;
                }
                return { ok: false, batch: command.batch, code: 'COIL-RT034', reason: `batch ${command.batch} is at version ${at}, not ${options.expectedVersion}: another command was recorded first; reload the batch and decide again`, events: [], replayed: false };
            }
            let definition = loaded?.definition;
            if (!definition) {
                if (command.type !== 'start-batch') {
                    return { ok: false, batch: command.batch, code: 'COIL-RT001', reason: `batch ${command.batch} has not been started`, events: [], replayed: false };
                }
                if (!digest) return { ok: false, batch: command.batch, code: 'COIL-RT030', reason: 'starting a batch needs the digest of the definition to run it on', events: [], replayed: false };
                definition = await this.definition(digest);
            }
            const now = this.clock.now();
            const { decision, state } = decideWithState(definition, loaded?.state, command, now);
            if (decision.events.length === 0) {
                // Nothing to record: an accepted command always records something, so this is a plain refusal.
                if (decision.ok) throw new Error(`command ${command.type} was accepted without events`);
                if (cached) {
                    const previous = await this.previousOutcome(command);
                    if (previous) return previous;
                    const row = await this.store.batch(command.batch);
                    if (row?.version !== cached.state.version || row.head !== cached.head) {
                        this.cache.delete(command.batch);
                        continue;
                    }
                }
                return { ok: false, batch: command.batch, code: decision.code, reason: decision.reason, events: [], replayed: false };
            }
            const version = loaded?.state.version ?? 0;
            const { events, signatures } = chain(command.batch, loaded?.head ?? GENESIS, version, decision.events, command.key);
            const before = loaded?.state.timers ?? {};
            const after = state!.timers;
            const set: TimerRow[] = [];
            for (const key in after) if (!(key in before)) set.push({ batch: command.batch, key, timer: after[key].timer, due: after[key].due });
            const clear: string[] = [];
            for (const key in before) if (!(key in after)) clear.push(key);
            const seqs: [number, number] = [events[0].seq, events.at(-1)!.seq];
            const outcome: StoredOutcome = decision.ok
                ? { batch: command.batch, type: command.type, ok: true, code: null, reason: null, seqs }
                : { batch: command.batch, type: command.type, ok: false, code: decision.code, reason: decision.reason, seqs };
            try {
                await this.store.commit({
                    batch: command.batch, definition: definition.digest, identity: state!.identity, expectedVersion: version,
                    events, signatures, timers: { set, clear }, outcome: { key: command.key, value: outcome },
                    status: batchStatus(state!), time: now,
                });
            } catch (error) {
                this.cache.delete(command.batch);
                if ((error instanceof ConcurrencyError || error instanceof DuplicateCommandError) && attempt < MAX_ATTEMPTS) {
                    // Jittered backoff, so that the loser of a race does not lose every round to the same winner.
                    if (attempt > 1) await new Promise(resolve => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
                    continue;
                }
                throw error;
            }
            this.cache.set(command.batch, { definition, state: state!, head: events.at(-1)!.hash });
            return decision.ok
                ? { ok: true, batch: command.batch, events, replayed: false }
                : { ok: false, batch: command.batch, code: decision.code, reason: decision.reason, events, replayed: false };
        }
    }

    /** The stored outcome of a repeated key, or a refusal when the key named another command. */
    private async previousOutcome(command: Command): Promise<CommandOutcome | null> {
        const previous = await this.store.outcome(command.key);
        if (!previous) return null;
        if (previous.batch !== command.batch || (previous.type !== undefined && previous.type !== command.type)) {
            return { ok: false, batch: command.batch, code: 'COIL-RT030', reason: `idempotency key ${command.key} was already used for ${previous.type ?? 'a command'} on batch ${previous.batch}: use a new key for a new command`, events: [], replayed: false };
        }
        return this.replayed(previous);
    }

    private async replayed(outcome: StoredOutcome): Promise<CommandOutcome> {
        const events = outcome.seqs ? (await this.store.events(outcome.batch, outcome.seqs[0] - 1)).filter(e => e.seq <= outcome.seqs![1]) : [];
        return outcome.ok
            ? { ok: true, batch: outcome.batch, events, replayed: true }
            : { ok: false, batch: outcome.batch, code: outcome.code ?? 'COIL-RT000', reason: outcome.reason ?? '', events, replayed: true };
    }

    /** A batch's current state and definition, replayed from the store on first use. */
    async batch(batch: string): Promise<{ definition: Definition; state: BatchState } | null> {
        const loaded = await this.loadBatch(batch);
        return loaded ? { definition: loaded.definition, state: loaded.state } : null;
    }

    private async loadBatch(batch: string): Promise<Loaded | null> {
        const row = await this.store.batch(batch);
        if (!row) return null;
        const cached = this.cache.get(batch);
        if (cached && cached.state.version === row.version && cached.head === row.head) return cached;
        const definition = await this.definition(row.definition);
        const events = await this.store.events(batch);
        let state: BatchState | undefined;
        for (const event of events) state = evolve(state, event);
        const loaded = { definition, state: state!, head: events.at(-1)?.hash ?? GENESIS };
        this.cache.set(batch, loaded);
        return loaded;
    }

    /**
     * Fires every timer due by `now` (default: the clock), earliest first, each exactly once. The
     * firing is recorded at the clock's time, with the timer's due time in the event.
     */
    async sweep(limit = 1000): Promise<CommandOutcome[]> {
        const fired: CommandOutcome[] = [];
        for (;;) {
            const due = await this.store.claimDueTimers(this.clock.now(), limit, this.node, 60_000);
            if (due.length === 0) return fired;
            let progressed = false;
            for (const t of due) {
                const outcome = await this.fire(t);
                fired.push(outcome);
                progressed ||= outcome.ok && !outcome.replayed;
            }
            // Stop when a full round changed nothing, rather than claiming the same rows for ever.
            if (due.length < limit || !progressed) return fired;
        }
    }

    /** Fires one due timer (a refusal means another node or an earlier sweep already did). */
    fire(t: TimerRow): Promise<CommandOutcome> {
        return this.execute(fireCommand(t));
    }

    /** The next timer due after the clock's time, if any. */
    async nextDue(batch?: string): Promise<TimerRow | undefined> {
        return (await this.store.timers(batch))[0];
    }

    async verify(batch: string): Promise<VerifyIssue[]> {
        const [events, signatures, row] = await Promise.all([this.store.events(batch), this.store.signatures(batch), this.store.batch(batch)]);
        return verifyBatch(batch, events, signatures, row ? { version: row.version, head: row.head } : null);
    }

    /** Runs `work` after every earlier command on the same batch in this process. */
    private serialised<T>(batch: string, work: () => Promise<T>): Promise<T> {
        const previous = this.locks.get(batch) ?? Promise.resolve();
        const next = previous.then(work, work);
        const settled = next.catch(() => undefined);
        this.locks.set(batch, settled);
        void settled.then(() => {
            if (this.locks.get(batch) === settled) this.locks.delete(batch);
        });
        return next;
    }
}

/** The command that fires a timer instance: the runtime's own, keyed by the instance so that it fires once. */
export function fireCommand(t: TimerRow): Command {
    return { type: 'fire-timer', timer: t.key, batch: t.batch, key: `timer:${t.batch}:${t.key}`, actor: SYSTEM };
}
