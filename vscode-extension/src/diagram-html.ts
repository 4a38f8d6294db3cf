/**
 * The process diagram's web page, apart from VS Code so that a real browser can test it. The
 * page runs nothing but its own script (a strict Content-Security-Policy with a nonce). The
 * compiler's SVG travels as data, is parsed as XML and stripped of anything active before it is
 * shown, and a click (or Enter) on a drawn node asks the extension to reveal its declaration.
 */
import { randomBytes } from 'node:crypto';

/** One process's drawing, as the `coil/diagram` request gives it. */
export interface DiagramView {
    readonly process: string;
    readonly svg: string;
    readonly complete: boolean;
}

/** The message the page sends to the extension: reveal where the node `id` of `process` is declared. */
export type DiagramPageMessage = { readonly command: 'reveal'; readonly process: string; readonly id: string };

/** The message the extension sends to redraw the page in place (keeping its scroll position). */
export interface DiagramUpdate {
    readonly command: 'show';
    readonly diagrams: readonly DiagramView[];
}

/** The update for `diagrams`, with just what the page draws (the request's answer carries more). */
export function diagramUpdate(diagrams: readonly DiagramView[]): DiagramUpdate {
    return { command: 'show', diagrams: diagrams.map(({ process, svg, complete }) => ({ process, svg, complete })) };
}

/** A fresh nonce for each page: what lets the page's own script and styles, and nothing else, run. */
export function newNonce(): string {
    return randomBytes(18).toString('base64');
}

export function diagramHtml(options: { readonly title: string; readonly diagrams: readonly DiagramView[]; readonly nonce: string }): string {
    const { nonce } = options;
    const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<main id="diagrams" aria-live="polite"></main>
<script type="application/json" id="coil-diagrams">${jsonForScript(diagramUpdate(options.diagrams).diagrams)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot end the script element it sits in, nor be read as HTML markup. */
function jsonForScript(value: unknown): string {
    return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
        .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const PAGE_STYLE = `
body { margin: 0; padding: 12px; background: var(--vscode-editor-background, #ffffff); color: var(--vscode-foreground, #1d1d1d);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); }
section { margin-bottom: 24px; }
h2 { font-size: 1.1em; font-weight: 600; margin: 0 0 8px; }
.incomplete { margin: 0 0 8px; padding: 6px 10px; border-left: 3px solid var(--vscode-editorWarning-foreground, #b86e00);
  background: var(--vscode-inputValidation-warningBackground, #fff4e0); }
.paper { display: inline-block; background: #ffffff; border-radius: 4px; overflow: auto; max-width: 100%; }
.paper [data-id] { cursor: pointer; }
.paper [data-id]:focus { outline: 2px solid var(--vscode-focusBorder, #0066cc); }
.empty { opacity: 0.8; }
`;

/**
 * The page's behaviour: draw the diagrams from the data block (or the webview's saved state, which
 * holds the latest), redraw on a `show` message, and post `reveal` for the innermost drawn node
 * clicked. Only SVG elements and attributes that draw
 * are kept; anything that could run or fetch (scripts, foreign objects, links, event handlers)
 * is dropped, so that even a hostile title in the source cannot act in the webview.
 */
const PAGE_SCRIPT = String.raw`
(() => {
  const vscode = acquireVsCodeApi();
  const nonce = document.currentScript.nonce;
  const main = document.getElementById('diagrams');
  const SVG = 'http://www.w3.org/2000/svg';
  const DROPPED = new Set(['script', 'style', 'foreignObject', 'a', 'image', 'use', 'iframe', 'animate', 'set', 'animateTransform', 'animateMotion']);

  function clean(root) {
    for (const element of [...root.querySelectorAll('*')]) {
      if (element.namespaceURI !== SVG || DROPPED.has(element.localName)) { element.remove(); continue; }
      for (const attribute of [...element.attributes]) {
        const name = attribute.name.toLowerCase();
        if (name.startsWith('on') || name === 'href' || name === 'xlink:href' || name === 'style') element.removeAttribute(attribute.name);
      }
    }
  }

  // The drawing's stylesheet (scoped under svg.coil-graph) moves to the page's head, with the
  // nonce: parsing a <style> element, even into a detached document, would break the policy.
  const stylesheets = new Set();
  function adoptStyles(text) {
    return text.replace(/<style\b[^>]*>([\s\S]*?)<\/style>/g, (_, css) => {
      if (!stylesheets.has(css)) {
        stylesheets.add(css);
        const style = document.createElement('style');
        style.nonce = nonce;
        style.textContent = css;
        document.head.append(style);
      }
      return '';
    });
  }

  function parse(text) {
    const svg = new DOMParser().parseFromString(adoptStyles(text), 'image/svg+xml').documentElement;
    if (svg.namespaceURI !== SVG || svg.localName !== 'svg') return null;
    clean(svg);
    for (const node of svg.querySelectorAll('[data-id]')) node.setAttribute('tabindex', '0');
    return document.importNode(svg, true);
  }

  function show(diagrams) {
    // VS Code reloads a hidden webview's page when it is shown again: the state keeps the latest drawing.
    vscode.setState({ diagrams });
    main.replaceChildren();
    if (diagrams.length === 0) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'This file declares no process to draw (only shared declarations such as sites, roles, materials and assays).';
      main.append(p);
    }
    for (const diagram of diagrams) {
      const section = document.createElement('section');
      section.dataset.process = diagram.process;
      const heading = document.createElement('h2');
      heading.textContent = diagram.process;
      section.append(heading);
      if (!diagram.complete) {
        const note = document.createElement('p');
        note.className = 'incomplete';
        note.textContent = 'Some names in this process do not resolve yet: the diagram leaves out what it cannot place. See the Problems view.';
        section.append(note);
      }
      const paper = document.createElement('div');
      paper.className = 'paper';
      const svg = parse(diagram.svg);
      if (svg) paper.append(svg);
      section.append(paper);
      main.append(section);
    }
  }

  function reveal(event) {
    const node = event.target instanceof Element ? event.target.closest('[data-id]') : null;
    if (node && main.contains(node)) vscode.postMessage({ command: 'reveal', process: node.closest('section').dataset.process, id: node.getAttribute('data-id') });
  }

  main.addEventListener('click', reveal);
  main.addEventListener('keydown', event => { if (event.key === 'Enter') reveal(event); });
  window.addEventListener('message', event => {
    if (event.data && event.data.command === 'show') show(event.data.diagrams);
  });
  const state = vscode.getState();
  show(state ? state.diagrams : JSON.parse(document.getElementById('coil-diagrams').textContent));
})();
`;
