import { relative } from 'node:path';
import { bundleService } from './bundle';

/** `npm run build` in a service's folder: bundles its src/index.ts into dist/index.js. */
const started = Date.now();
const outfile = await bundleService(process.cwd(), process.argv[2]);
console.log(`built ${relative(process.cwd(), outfile)} in ${Date.now() - started} ms`);
