#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { main } from "../dist/cli/main.js";

// The old generation grows to twice what is live, not four times: a lint of a 200 MB input holds its findings
// and an index of every object for minutes, and V8's default growth for a cheap GC held 1.9 GB for 300 MB live.
setFlagsFromString("--heap-growing-percent=100");

// A closed pipe (`pitfall kb list | head`) is the reader saying it has enough, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2), process.env);
