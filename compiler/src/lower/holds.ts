/** Holds: limits between two events, on a material, optionally at a storage temperature. */
import type { Hold as AstHold, EventRef as AstEventRef } from '@coil/language';
import type { EventRef, Hold } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';
import { quantity, range } from './quantities.js';

function eventRef(lowering: Lowering, event: AstEventRef | undefined): EventRef {
    return { activity: lowering.required(event?.activity, ids.activity), point: (event?.point ?? 'start') as EventRef['point'] };
}

/** Holds get ids from what they hold and between which events; a repeated hold gets `#2`, `#3`. */
export function lowerHolds(lowering: Lowering, holds: readonly AstHold[]): Hold[] {
    const seen = new Map<string, number>();
    return holds.map(hold => {
        const from = eventRef(lowering, hold.start);
        const to = eventRef(lowering, hold.end);
        const material = lowering.required(hold.material, ids.material);
        const base = `hold:${hold.material?.$refText}:${hold.start?.activity?.$refText}.${from.point}:${hold.end?.activity?.$refText}.${to.point}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        const id = n === 1 ? base : `${base}#${n}`;
        lowering.at(id, hold);
        if (hold.min) lowering.at(`${id}/min`, hold.min);
        if (hold.max) lowering.at(`${id}/max`, hold.max);
        if (hold.storage) lowering.at(`${id}/storage`, hold.storage);
        return {
            id, material, from, to,
            min: quantity(hold.min),
            max: quantity(hold.max),
            storage: range(hold.storage),
            onBreach: lowering.ref(hold.deviation, ids.deviation),
        };
    });
}
