#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { main } from "../dist/cli/main.js";

// The old generation grows by 30% of what is live, not 300%: a lint of a 200 MB input holds its findings and an
// index of every object for minutes, and V8's default growth for a cheap GC held 1.9 GB for 300 MB live. More
// full collections for a third less peak memory (bench:lint-memory).
setFlagsFromString("--heap-growing-percent=30");

// A closed pipe (`pitfall kb list | head`) is the reader saying it has enough, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2), process.env);
