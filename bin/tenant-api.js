#!/usr/bin/env node
// The compiled CLI; `npm install` and `npm start` build it (see package.json).
import '../dist/main.js'
