#!/usr/bin/env -S node --max-semi-space-size=4
// The compiled CLI; `npm install` and `npm start` build it (see package.json). A young generation
// of 4 MiB semi-spaces keeps the server's memory near 120 MiB under load (V8's default lets it
// reach 200 MiB) at the same throughput (bench/RESULTS.md); `node bin/tenant-api.js` without
// the flag works too, only with more memory.
import '../dist/main.js'
