'use strict';
// A batch worker process (trusted harness code): loads the TypeScript sources and serves
// grading requests from the batch over IPC (see worker.ts).
require('../engine/host/register.cjs');
require('./worker.ts');
