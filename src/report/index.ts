/**
 * Reports: the public entry points for commands (compare, sweep).
 * writeCompareReport writes a whole report; the pieces are exported so a sweep can add its own charts.
 */
export { writeCompareReport } from './write.ts';
export { collectProvenance, commandLine } from './provenance.ts';
export { createProgress } from './progress.ts';
