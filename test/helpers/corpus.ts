import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './run-cli.js';

/** The shared real-photo corpus beside the repo; override with PHOTOBATCH_PHOTOS. Never copied into the repo. */
export const CORPUS = path.resolve(REPO_ROOT, process.env.PHOTOBATCH_PHOTOS ?? '../shared/photos');
export const HAVE_CORPUS = existsSync(CORPUS);
