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

const { root, labsAsked, jestArgs } = require('./release-labs.cjs');

const labs = labsAsked('watch', process.argv.slice(2));

let running = false;
let pending = new Set(labs);
let timer;

function grade() {
  if (running || pending.size === 0) return;
  const batch = [...pending].sort();
  pending = new Set();
  running = true;
  const child = spawn(process.execPath, jestArgs(batch), { cwd: root, stdio: 'inherit' });
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
