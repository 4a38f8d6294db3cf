/**
 * The people a scenario's batch is run by: for each role, two qualified users (a second person
 * is needed for verification and independent scans), plus whoever a scenario names with `by "…"`.
 */
import type { Id } from '@coil/compiler/ir';
import type { Definition } from '../engine/definition.js';
import type { Actor } from '../engine/types.js';

export class Cast {
    private readonly named = new Map<string, Actor>();

    constructor(private readonly def: Definition) {}

    /** The `n`th user (1 or 2) holding a role, with its qualifications valid. */
    holder(roleId: Id | null, n = 1): Actor {
        if (roleId === null) return this.coordinator;
        const name = this.def.name(roleId);
        const key = `${name}#${n}`;
        let actor = this.named.get(key);
        if (!actor) {
            actor = {
                user: `${name.replace(/[A-Z]/g, (c, i) => (i > 0 ? '.' : '') + c.toLowerCase())}.${n}`,
                name: `${name.replace(/([a-z])([A-Z])/g, '$1 $2')} ${n}`,
                roles: [roleId],
                qualifications: (this.def.role(roleId)?.qualifications ?? []).map(id => ({ id, expires: null })),
            };
            this.named.set(key, actor);
        }
        return actor;
    }

    /** A user the scenario names, acting in `roleId` (and in every role it has acted in before). */
    person(user: string, roleId: Id | null): Actor {
        const known = this.named.get(`@${user}`);
        const roles = new Set(known?.roles ?? []);
        if (roleId) roles.add(roleId);
        const qualifications = [...roles].flatMap(r => this.def.role(r)?.qualifications ?? []).map(id => ({ id, expires: null }));
        const actor: Actor = { user, name: user, roles: [...roles], qualifications };
        this.named.set(`@${user}`, actor);
        return actor;
    }

    /** Someone other than `user` holding the role. */
    other(roleId: Id | null, user: string | null): Actor {
        const first = this.holder(roleId, 1);
        return first.user === user ? this.holder(roleId, 2) : first;
    }

    /** Starts batches and raises deviations by hand: no role is checked for either. */
    readonly coordinator: Actor = { user: 'coordinator.1', name: 'Batch Coordinator 1', roles: [] };
    /** Enters QC results. */
    readonly analyst: Actor = { user: 'qc.analyst.1', name: 'QC Analyst 1', roles: [] };
}
