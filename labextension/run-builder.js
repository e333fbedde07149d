#!/usr/bin/env node
/*
 * Run the `jupyter-builder` CLI (PyPI package jupyter-builder, a dependency
 * of jupyterlab >= 4.6) with the given arguments.
 *
 * It is looked up on PATH first (an activated virtual environment, or the
 * isolated build environment of `pip install .`), then in $VIRTUAL_ENV and
 * in the repository's own .venv, so `.venv/bin/jlpm build` works without
 * activating the environment.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const isWindows = process.platform === 'win32';
const exe = isWindows ? 'jupyter-builder.exe' : 'jupyter-builder';
const binDir = isWindows ? 'Scripts' : 'bin';

const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
if (process.env.VIRTUAL_ENV) {
  dirs.push(path.join(process.env.VIRTUAL_ENV, binDir));
}
dirs.push(path.join(__dirname, '..', '.venv', binDir));

const found = dirs
  .map(dir => path.join(dir, exe))
  .find(candidate => fs.existsSync(candidate));

if (!found) {
  console.error(
    'jupyter-builder was not found on PATH, in $VIRTUAL_ENV or in ./.venv. ' +
      'Install it (pip install jupyter-builder; jupyterlab >= 4.6 brings it) ' +
      'or activate the virtual environment.'
  );
  process.exit(127);
}

const result = spawnSync(found, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`Could not run ${found}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status === null ? 1 : result.status);
