// Builds the Candor web client into dist/: type-checks and compiles src/*.ts
// with the pinned TypeScript compiler (one ES module per source file, no
// bundler: the browser loads them with <script type="module">), then copies
// the static files. Exits non-zero on any type error.
import {execFileSync} from 'node:child_process';
import {cpSync, mkdirSync, rmSync, readdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, {recursive: true, force: true});
mkdirSync(dist, {recursive: true});
execFileSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')],
             {stdio: 'inherit'});
for (const f of readdirSync(join(here, 'src'))) {
  if (!f.endsWith('.ts')) cpSync(join(here, 'src', f), join(dist, f));
}
writeFileSync(join(dist, '.stamp'), new Date().toISOString() + '\n');
console.log('web: built', dist);
