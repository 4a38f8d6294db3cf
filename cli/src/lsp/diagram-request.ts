/**
 * `coil/diagram`: the editor's "Show process diagram". It draws the document as it is in the
 * editor, saved or not, from the AST the server already holds: the compiler's lowering and SVG,
 * plus where each drawn node is written, so that a click on a step can reveal it.
 */
import { AstUtils, type AstNode, type LangiumDocument } from 'langium';
import type { Location } from 'vscode-languageserver';
import { anchorRange, lowerProcess, renderSvg, type Lowered } from '@coil/compiler';
import { isProcess, type Model, type Process } from '@coil/language';
import type { DiagramResult, ProcessDiagram } from './protocol.js';

export async function diagramsOf(document: LangiumDocument): Promise<DiagramResult> {
    const processes = (document.parseResult.value as Model).elements.filter(isProcess);
    const diagrams: ProcessDiagram[] = [];
    for (const process of processes) diagrams.push(await diagramOf(process));
    return { diagrams };
}

async function diagramOf(process: Process): Promise<ProcessDiagram> {
    const lowered = lowerProcess(process);
    return { process: process.name, svg: await drawing(lowered), complete: lowered.complete, nodes: declarationsOf(lowered.anchors) };
}

/**
 * The SVG, or none when the layout fails on a process whose names do not all resolve (an edge to
 * a step not declared has nothing to point at): the page then says the process is incomplete.
 */
async function drawing(lowered: Lowered): Promise<string> {
    try {
        return await renderSvg(lowered.workflow);
    } catch (e) {
        if (lowered.complete) throw e;
        return '';
    }
}

/**
 * Where each IR node is declared: its name, in whichever file declares it (a site or role may be
 * in the shared library). Facets (`step:X/duration`) are left out: the drawing shows whole nodes.
 */
function declarationsOf(anchors: ReadonlyMap<string, AstNode>): Record<string, Location> {
    const nodes: Record<string, Location> = {};
    for (const [id, node] of anchors) {
        const range = id.includes('/') ? undefined : anchorRange(node);
        if (range) nodes[id] = { uri: AstUtils.getDocument(node).uri.toString(), range };
    }
    return nodes;
}
