import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `npm run bench` runs without --expose-gc; this turns it on for the process.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The heap in use after a full collection: what is kept, not garbage. */
export function heapUsedAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
