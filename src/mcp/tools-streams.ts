// check_streams: Redis Streams consumer groups — dead consumers, stuck and poison messages. Read-only.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { formatDuration } from "../k8s/duration.js";
import type { GroupSummary } from "../service/streams.js";
import type { ToolContext } from "./context.js";
import { findingsText, notReadLines } from "./render.js";
import { guarded, ToolInputError, toolResult } from "./result.js";

type RedisModule = typeof import("../sources/redis.js");
type RedisTarget = import("../sources/redis.js").RedisTarget;

export function registerStreamsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "check_streams",
    {
      title: "Redis Streams: Check consumer groups",
      description:
        "Check Redis Streams consumer groups for the 'stale consumer groups' pitfall: consumers of restarted pods that still hold pending messages, entries stuck with a live consumer, poison messages delivered too often. Returns each stream/group with its consumers and one block per finding with the XPENDING/XCLAIM commands to run. Read-only: it never claims, acknowledges or deletes. The Redis password is the server's own (REDIS_PASSWORD or config) and is sent only to the server's own Redis, never to another `url`; never put a password in `url`. Over HTTP (pitfall serve /mcp) without the server's token, only the server's own Redis is read: another `url` is refused and nothing is contacted.",
      inputSchema: {
        url: z
          .string()
          .min(1)
          .max(500)
          .optional()
          .describe(
            "redis://host:port[/db] without a password (default: the server's --redis or config, else 127.0.0.1:6381). Another server than the default needs the server's token over HTTP, and never gets the server's password.",
          ),
        streams: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("SCAN MATCH pattern of stream keys, e.g. 'triggers.*' (default: config, else *)"),
        group: z.string().min(1).max(200).optional().describe("Only this consumer group"),
      },
      annotations: {
        title: "Redis Streams: Check consumer groups",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    ({ url, streams, group }) =>
      guarded(async () => {
        if (url && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^@/]*@/i.test(url))
          throw new ToolInputError(
            "do not put a password in `url`: the server uses its own (REDIS_PASSWORD or redis.passwordFile). Call again with redis://host:port only.",
          );
        const { deps } = ctx;
        const redis = await import("../sources/redis.js");
        const target = targetOf(ctx, redis, url);
        const where = redis.describeTarget(target);
        const client = await redis.connectRedis(target, { timeoutMs: deps.redis.timeoutMs });
        try {
          const groups = group ? [group] : deps.config.redis?.groups;
          let snapshot: Awaited<ReturnType<typeof redis.readStreams>>;
          try {
            snapshot = await redis.readStreams(client, {
              pattern: streams ?? deps.config.redis?.streams ?? "*",
              ...(groups?.length ? { groups } : {}),
            });
          } catch (e) {
            throw new ToolInputError(
              `reading streams from ${where} failed: ${redis.safeMessage(String((e as Error)?.message ?? e), target)}`,
            );
          }
          const kb = await ctx.kb();
          const { streamFindings, summarizeStreams } = await import("../service/streams.js");
          const opts = { idleMs: deps.redis.idleMs, maxDeliveries: deps.redis.maxDeliveries };
          const { findings } = streamFindings(snapshot, { kb, config: deps.config, ...opts, server: target });
          const { compareFindings } = await import("../model/finding.js");
          findings.sort(compareFindings);
          const summaries = summarizeStreams(snapshot, opts);
          const { jsonFinding } = await import("../report/json.js");
          const text = [
            `${where}${snapshot.serverVersion ? ` · Redis ${snapshot.serverVersion}` : ""} · ${summaries.length} groups · idle threshold ${formatDuration(deps.redis.idleMs)}`,
            ...summaries.map(groupLine),
            "",
            findingsText(findings, kb, 50, "give a group or a narrower streams pattern"),
            ...notReadLines(snapshot.incomplete),
          ].join("\n");
          return toolResult(redis.safeMessage(text, target), {
            target: where,
            streams: summaries,
            findings: findings.map(jsonFinding),
            incomplete: snapshot.incomplete,
          } as unknown as Record<string, unknown>);
        } finally {
          await client.close();
        }
      }),
  );
}

function groupLine(g: GroupSummary): string {
  const consumers = g.consumers.map(
    (c) => `${c.name} (${c.state}, ${c.pending} pending, seen ${formatDuration(c.idleMs, 2)} ago)`,
  );
  return `${g.stream} / ${g.group}: ${g.pending} pending${g.lag !== undefined ? `, lag ${g.lag}` : ""}; consumers: ${consumers.join("; ") || "none"}`;
}

/** Host, port and TLS alike: the same server, to which the server's own credentials may go. */
function sameServer(a: RedisTarget, b: RedisTarget): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.tls === b.tls;
}

/**
 * The server's own Redis (with its password), or the one `url` names: with the own credentials only when it is
 * the same server; another server only for a trusted caller, and never with the password. Decided before
 * anything is contacted, so a refusal tells nothing about the other address.
 */
function targetOf(ctx: ToolContext, redis: RedisModule, url: string | undefined): RedisTarget {
  const { deps } = ctx;
  const defaultPort = deps.config.expect.redisPort;
  const own = redis.redisTargetOf({
    ...(deps.redis.url ? { url: deps.redis.url } : {}),
    ...(deps.config.redis ? { config: deps.config.redis } : {}),
    ...(deps.redis.password ? { password: deps.redis.password } : {}),
    defaultPort,
  });
  if (url === undefined) return own;
  const asked = redis.redisTargetOf({ url, defaultPort });
  if (sameServer(asked, own))
    return {
      ...asked,
      ...(own.username !== undefined ? { username: own.username } : {}),
      ...(own.password !== undefined ? { password: own.password } : {}),
    };
  if (!ctx.caller.trusted)
    throw new ToolInputError(
      `without the server's token, check_streams reads only the server's own Redis (${redis.describeTarget(own)}): leave out \`url\`, or send the server's bearer token (Authorization: Bearer <token>). Nothing was contacted.`,
    );
  return asked;
}
