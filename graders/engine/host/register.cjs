'use strict';
/*
 * Lets plain `node` require the project's TypeScript: each .ts file is transpiled (no type
 * check; `npm run typecheck` does that) and the output cached in node_modules/.cache, so a
 * warm start does not even load the compiler.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const Module = require('module');

/*
 * Ours even where a `.ts` loader is already there: Node's own (type stripping, which cannot
 * compile all of TypeScript), or a hook someone else installs for a while and then removes
 * (Jest does so around its global setup): without ours, a later require of .ts would fail.
 */
const OWN = Symbol.for('gradecheck.register');
if (!(Module._extensions['.ts'] && Module._extensions['.ts'][OWN])) {
  const cacheDir = path.join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'gradecheck', 'tsc');
  let ts;
  Module._extensions['.ts'] = function compileTs(module, filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const key = crypto.createHash('sha1').update(filename).update('\0').update(source).digest('hex');
    const cached = path.join(cacheDir, `${key}.js`);
    let js;
    try {
      js = fs.readFileSync(cached, 'utf8');
    } catch {
      ts = ts || require('typescript');
      js = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
      }).outputText;
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        fs.writeFileSync(`${cached}.${process.pid}`, js);
        fs.renameSync(`${cached}.${process.pid}`, cached);
      } catch {
        /* a read-only checkout just compiles every time */
      }
    }
    module._compile(js, filename);
  };
  Module._extensions['.ts'][OWN] = true;
}

/**
 * Runs an entry point's `main()` promise: its number is the exit code, and an exception is a
 * bug of the harness (exit code 3), reported as `name: internal error`.
 */
exports.runMain = function runMain(name, promise) {
  promise.then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${name}: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 3;
    },
  );
};
