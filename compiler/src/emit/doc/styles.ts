/**
 * The record's stylesheet: readable on screen (a measure, clear tables) and on paper (A4, a new
 * page for each major section, rows never split, black on white, page numbers "x of y" and the
 * document number on every page, as a controlled document needs).
 */
import { cssString } from './html.js';

export function stylesheet(documentNumber: string): string {
    return `${SCREEN}
@page{size:A4;margin:16mm 14mm 18mm 14mm;
@bottom-left{content:${cssString(`${documentNumber} — Master batch record`)};font-size:8pt}
@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt}}
${PRINT}`;
}

const SCREEN = `
*{box-sizing:border-box}
html{background:#eef0f3}
body{margin:0 auto;max-width:1100px;padding:24px 40px 64px;background:#fff;color:#111;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:26px;margin:4px 0 2px;line-height:1.2}
h2{font-size:20px;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid #111}
h3{font-size:16px;margin:24px 0 8px}
h4{font-size:13px;margin:14px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#333}
code{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:.9em;background:#f3f4f6;padding:0 3px;border-radius:3px}
code.digest{word-break:break-all}
.doctype{margin:0;text-transform:uppercase;letter-spacing:.12em;font-weight:600;color:#555}
.subtitle{margin:0 0 16px;color:#333}
.front{display:grid;grid-template-columns:3fr 2fr;gap:20px;align-items:start}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:8px 0}
dl.facts dt{font-weight:600;color:#333}
dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
caption{text-align:left;font-weight:700;padding:4px 0}
th,td{border:1px solid #8a8f98;padding:4px 6px;text-align:left;vertical-align:top}
thead th{background:#e7eaee}
tbody th{background:#f5f6f8;font-weight:600;width:30%}
.control td,.batch td{min-width:120px}
.blank{display:inline-block;min-width:70px;min-height:1.3em}
td:has(>.blank){background:#fffef4}
.none{color:#666;font-style:italic}
nav.contents ol{columns:2;padding-left:0;list-style:none}
nav.contents a{color:#1d3d6e;text-decoration:none}
article.step,article.transfer,article.qc{border:1px solid #c3c8cf;border-radius:4px;padding:4px 14px 8px;margin:16px 0}
article h3 .number{color:#555;margin-right:4px}
aside.decision{border-left:4px solid #7c3aed;background:#faf8ff;padding:4px 12px;margin:12px 0}
p.pointer{margin:10px 0;padding:6px 12px;border:1px dashed #8a8f98;border-radius:4px;color:#333}
p.pointer.gate{border-color:#15803d}
.severity{font-weight:700;text-transform:uppercase;font-size:11px}
.severity.critical{color:#b91c1c}.severity.major{color:#c2410c}.severity.minor{color:#4b5563}
.point{font-style:italic}
figure{margin:8px 0;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:12px;color:#444;margin-top:4px}
table.approvals td{height:3.2em}
.end-note{margin-top:32px;text-align:center;color:#555}
`;

const PRINT = `
@media print{
html,body{background:#fff;color:#000}
body{max-width:none;padding:0;font-size:10pt}
.major{break-before:page}
.signature-page{break-before:page;break-after:page}
tr,dl.facts,figure,aside.decision,p.pointer{break-inside:avoid}
thead{display:table-header-group}
h2,h3,h4{break-after:avoid;color:#000}
table{font-size:9pt}
thead th,tbody th,code,td:has(>.blank),aside.decision{background:#fff!important}
a{color:#000}
article.step{break-inside:auto}
figure svg{max-height:240mm}
nav.contents ol{columns:1}
}
`;
