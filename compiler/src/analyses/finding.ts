/** What an analysis reports: a stable code, a message in the process engineer's terms, and where. */
import type { Code } from '@coil/language';
import type { Id, Workflow } from '../ir/types.js';

export interface Finding {
    readonly code: Code;
    readonly message: string;
    /** The IR node (or `node/facet`) it is about; its source location comes from the source map. */
    readonly at: Id;
}

/** An analysis is a pure function of the workflow. */
export type Analysis = (workflow: Workflow) => Finding[];
