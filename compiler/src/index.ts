/** The Coil compiler package. Today: the diagnostic report formats shared by the CLI and CI. */
export { REPORTERS, FORMAT_NAMES, type FormatName, type Reporter, type ReportOptions } from './report/index.js';
