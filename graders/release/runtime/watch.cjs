#!/usr/bin/env node
'use strict';
/*
 * `npm run watch [-- lab ...]`: grades the labs (default: all), then grades a lab again each time
 * one of its files, or a file of labs/common, changes. Uses fs.watch, so it needs no git and no
 * Jest watch mode. Stop it with Ctrl+C.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const all = fs
  .readdirSync(path.join(root, 'rubrics'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((l) => !all.includes(l));
if (unknown.length) {
  process.stderr.write(`watch: no lab ${unknown.join(', ')} (labs: ${all.join(', ')})\n`);
  process.exit(2);
}
const labs = asked.length ? asked : all;
const jest = require.resolve('jest/bin/jest', { paths: [root] });

let running = false;
let pending = new Set(labs);
let timer;

function grade() {
  if (running || pending.size === 0) return;
  const batch = [...pending].sort();
  pending = new Set();
  running = true;
  const patterns = batch.map((l) => `graders/${l}\\.test\\.ts$`);
  const child = spawn(process.execPath, [jest, '-c', path.join(root, 'jest.config.js'), ...patterns], { cwd: root, stdio: 'inherit' });
  child.on('exit', () => {
    running = false;
    if (pending.size) grade();
    else process.stdout.write(`\nwatching ${labs.map((l) => `labs/${l}`).join(', ')} and labs/common for changes (Ctrl+C to stop)\n`);
  });
}

function schedule(changed) {
  for (const l of changed) pending.add(l);
  clearTimeout(timer);
  timer = setTimeout(grade, 300);
}

/** Watches a folder and its subfolders (fs.watch's recursive mode is not on every platform). */
function watchTree(dir, onChange) {
  if (!fs.existsSync(dir)) return;
  fs.watch(dir, (event, file) => {
    if (!file || /\.(ts|js|json)$/.test(String(file))) onChange();
  });
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'node_modules') watchTree(path.join(dir, entry.name), onChange);
  }
}

for (const lab of labs) watchTree(path.join(root, 'labs', lab), () => schedule([lab]));
watchTree(path.join(root, 'labs', 'common'), () => schedule(labs));
grade();
