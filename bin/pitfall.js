#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

// A closed pipe (`pitfall kb list | head`) is the reader saying it has enough, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2), process.env);
