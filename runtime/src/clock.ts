/** Where the runtime gets the time: the system clock in production, a virtual one in tests and scenarios. */
export interface Clock {
    /** Milliseconds since the Unix epoch. */
    now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to; it never goes backwards. */
export class VirtualClock implements Clock {
    private time: number;

    constructor(time: number) {
        this.time = Math.round(time);
    }

    now(): number {
        return this.time;
    }

    set(time: number): void {
        // Whole milliseconds, as a system clock gives and stores keep them.
        time = Math.round(time);
        if (time < this.time) throw new Error(`the virtual clock cannot go back from ${new Date(this.time).toISOString()} to ${new Date(time).toISOString()}`);
        this.time = time;
    }

    advance(ms: number): void {
        this.set(this.time + ms);
    }
}
