/**
 * Inlay hints: figures an engineer would otherwise work out by hand. A duration not written in
 * hours shows its value in hours (`2 d = 48 h`, `90 min = 1.5 h`), and each step and transfer shows
 * when it starts and ends at the earliest, counted from batch start (`T+3 h → T+27 h`), from the
 * compiler's schedule of the fastest way through the process. Only the range the editor shows is
 * hinted; a process whose references do not all resolve gets no times, as it cannot be lowered.
 * When a shared file changes the times of a process on screen, the client is asked to refresh.
 */
import { AstUtils, DocumentState, GrammarUtils, type AstNode, type LangiumDocument } from 'langium';
import { AbstractInlayHintProvider, type InlayHintAcceptor, type LangiumServices } from 'langium/lsp';
import type { CancellationToken, InlayHint, InlayHintParams, Position, Range } from 'vscode-languageserver';
import { hasSyntaxErrors, isModel, isProcess, isQuantity, unitOf, type Process, type Quantity } from '@coil/language';
import { formatDuration } from '@coil/language/units';
import { lowerProcess, scheduleOf } from '@coil/compiler';

const HOUR = 3600;

/** When an activity starts and ends at the earliest, in seconds from batch start. */
interface Timing {
    readonly start: number;
    readonly end: number;
}

export class CoilInlayHintProvider extends AbstractInlayHintProvider {
    /** Each process's timings, kept until the next change to the workspace (a shared file's too). */
    private timings = new WeakMap<Process, ReadonlyMap<AstNode, Timing> | undefined>();
    /** The documents whose hints the client has asked for and not closed since. */
    private readonly hinted = new Set<string>();
    /** The documents changed by the update being built. */
    private changed = new Set<string>();
    private refreshSupported = false;

    constructor(protected readonly services: LangiumServices) {
        super();
        const { workspace, lsp } = services.shared;
        lsp.LanguageServer.onInitialize(params => {
            this.refreshSupported = params.capabilities.workspace?.inlayHint?.refreshSupport ?? false;
        });
        workspace.TextDocuments.onDidClose(event => this.hinted.delete(event.document.uri));
        workspace.DocumentBuilder.onUpdate(changed => {
            this.timings = new WeakMap();
            this.changed = new Set(changed.map(uri => uri.toString()));
        });
        workspace.DocumentBuilder.onBuildPhase(DocumentState.IndexedReferences, documents => this.refreshIfRelinked(documents));
    }

    override async getInlayHints(document: LangiumDocument, params: InlayHintParams, cancelToken?: CancellationToken): Promise<InlayHint[]> {
        this.hinted.add(document.uri.toString());
        // Times first, before anything yields: a change arriving meanwhile would unlink the process.
        const times = this.scheduleHints(document, params.range);
        const durations = (await super.getInlayHints(document, params, cancelToken)) ?? [];
        return [...durations, ...times];
    }

    computeInlayHint(node: AstNode, acceptor: InlayHintAcceptor): void {
        const hint = isQuantity(node) ? hoursHint(node) : undefined;
        if (hint) acceptor(hint);
    }

    /**
     * A change to a shared file moves the times of the processes that use it, in editors the client
     * would not otherwise ask again: once one of those is relinked, the client is asked to refresh.
     * An edited document is asked for again anyway.
     */
    private refreshIfRelinked(documents: readonly LangiumDocument[]): void {
        const relinked = documents.some(d => this.hinted.has(d.uri.toString()) && !this.changed.has(d.uri.toString()));
        // A client that fails to refresh shows the old times until it next asks: nothing to recover.
        if (this.refreshSupported && relinked) this.services.shared.lsp.Connection?.languages.inlayHint.refresh().catch(() => undefined);
    }

    /** The earliest times of the activities in `range`; none where the text does not parse. */
    private scheduleHints(document: LangiumDocument, range: Range): InlayHint[] {
        const model = document.parseResult.value;
        // While a change is being linked, the times wait for the refresh that follows it.
        if (!isModel(model) || hasSyntaxErrors(document.parseResult) || document.state < DocumentState.IndexedReferences) return [];
        const hints: InlayHint[] = [];
        for (const process of model.elements.filter(isProcess)) {
            if (!overlaps(process.$cstNode?.range, range)) continue;
            for (const [node, timing] of this.timingsOf(process) ?? []) {
                const at = openingBrace(node);
                if (at && inside(at, range)) hints.push(timeHint(at, timing, process.name));
            }
        }
        return hints;
    }

    private timingsOf(process: Process): ReadonlyMap<AstNode, Timing> | undefined {
        if (!this.timings.has(process)) this.timings.set(process, earliestTimes(process));
        return this.timings.get(process);
    }
}

/** `2 d` → `= 48 h`: a duration in any unit but hours. */
function hoursHint(quantity: Quantity): InlayHint | undefined {
    const unit = unitOf(quantity);
    const end = quantity.$cstNode?.range.end;
    if (!unit || unit.kind !== 'duration' || unit.ucum === 'h' || !Number.isFinite(quantity.value) || !end) return undefined;
    const hours = unit.toCanonical(quantity.value) / HOUR;
    const shown = roundHours(hours);
    return { position: end, label: `${shown === hours ? '=' : '≈'} ${shown} h`, paddingLeft: true };
}

/** Hours to two decimals, or to two significant digits below a tenth of an hour (30 s ≈ 0.0083 h). */
function roundHours(hours: number): number {
    return Math.abs(hours) >= 0.1 ? Math.round(hours * 100) / 100 : Number(hours.toPrecision(2));
}

/** The earliest start and end of each step and transfer of the process, by its node; none when it cannot be lowered. */
function earliestTimes(process: Process): ReadonlyMap<AstNode, Timing> | undefined {
    const lowered = lowerProcess(process);
    if (!lowered.complete) return undefined;
    const times = new Map<AstNode, Timing>();
    for (const activity of scheduleOf(lowered.workflow).activities) {
        const node = lowered.anchors.get(activity.id);
        if (node && AstUtils.getDocument(node) === AstUtils.getDocument(process)) {
            times.set(node, { start: activity.earliestStart, end: activity.earliestEnd });
        }
    }
    return times;
}

function timeHint(position: Position, timing: Timing, processName: string): InlayHint {
    const at = (seconds: number) => `T+${roundHours(seconds / HOUR)} h`;
    const label = timing.start === timing.end ? at(timing.start) : `${at(timing.start)} → ${at(timing.end)}`;
    const after = (seconds: number) => (seconds === 0 ? 'at batch start' : `${formatDuration(seconds, 3)} after batch start`);
    const tooltip = `Earliest start ${after(timing.start)}, earliest end ${after(timing.end)}: on the fastest way through ${processName}, `
        + 'with every minimum duration and hold, no rework, and release waiting for its QC results.';
    return { position, label, paddingLeft: true, tooltip };
}

/** Just after the `{` that opens a step or transfer: the end of its header line. */
function openingBrace(node: AstNode): Position | undefined {
    return GrammarUtils.findNodeForKeyword(node.$cstNode, '{')?.range.end;
}

const notAfter = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);

function inside(position: Position, range: Range): boolean {
    return notAfter(range.start, position) && notAfter(position, range.end);
}

function overlaps(node: Range | undefined, range: Range): boolean {
    return !!node && notAfter(node.start, range.end) && notAfter(range.start, node.end);
}
