/**
 * The engine's public entry point: what scripts, tests and tools import. Lab authors' ops files
 * import only `kit.ts` (it is what runs inside the student process).
 *
 * The layers under it:
 *   core/       what a lab is (rubric, ops, cases, mutant format), grading, comparing values,
 *               gradient checks, results, totals, root causes: no processes, no rendering
 *   host/       the student process: building modules, the sandbox, the type-check, budgets,
 *               the TypeScript loader (register.cjs)
 *   authoring/  instructor tools: computing expected values (reference and mutants), validate,
 *               oracle, the call graph; never shipped in a student release
 *   jest/       the Jest front end of `npm test` (lab tests and the reporter)
 * Renderers (the score table, figures, text escaping) live with the other writers in
 * graders/emit/.
 */
export * from './core/assignment';
export * from './core/cases';
export * from './core/compare';
export * from './core/errors';
export * from './core/expected';
export * from './core/files';
export * from './core/gradcheck';
export * from './core/grade';
export * from './core/labs';
export * from './core/mutants';
export * from './core/ops';
export * from './core/results';
export * from './core/rootcause';
export * from './core/rubric';
export * from './core/spec-files';
export * from './core/totals';
export * from './core/values';
export * from './host/budgets';
export * from './host/disk-cache';
export * from './host/modules';
export * from './host/sandbox';
export * from './host/student-process';
export * from './host/typecheck';
export * from './authoring/callgraph';
export * from './authoring/expected-values';
export * from './authoring/oracle';
export * from './authoring/validate';
