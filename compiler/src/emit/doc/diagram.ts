/**
 * Section "Process diagram": the flow drawn by the SVG emitter, inlined so that the record stays
 * one self-contained file. The markup is embedded as an element, so any XML prolog or doctype
 * the emitter writes for standalone files is removed first.
 */
import type { SignedWorkflow } from '../../ir/types.js';
import { renderSvg } from '../svg.js';
import { section, type Html } from './html.js';
import { sectionTitle } from './header.js';

export async function diagramSection(workflow: SignedWorkflow): Promise<Html> {
    const svg = embeddable(await renderSvg(workflow));
    return section('diagram', sectionTitle('diagram'), `<figure class="diagram">${svg}
<figcaption>The step graph as compiled: steps, transfers, decisions and the release gate, in flow order.</figcaption></figure>`);
}

/** An SVG document as an element of HTML: without `<?xml ...?>`, doctype or comments before the root. */
export function embeddable(svg: string): string {
    const root = svg.indexOf('<svg');
    if (root < 0) throw new Error('the diagram emitter returned no <svg> element');
    return svg.slice(root).trim();
}
