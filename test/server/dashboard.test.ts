// The dashboard in real headless Chromium: findings from a watched simulator cluster, a crash loop that appears
// without a reload, hostile names shown as text, search, and screenshots for a person to look at.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sim, startSimulator } from "../sim/index.js";
import { crashLoopingPod, runningPod } from "../watch/pods.js";
import { type RunningCli, startCli } from "../watch/cli-run.js";
import { BROKEN, TEAM_PAGE } from "./support.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true")
  throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
if (!haveChromium)
  console.warn(`skipping the browser tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

const ARTIFACTS = "test-artifacts";
const HOSTILE = "<img src=x onerror=alert(1)>";

let sim: Sim;
let dir: string;
let cli: RunningCli;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const cspViolations: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  sim = await startSimulator({ cluster: BROKEN });
  dir = mkdtempSync(join(tmpdir(), "pitfall-dashboard-"));
  const kubeconfig = sim.writeKubeconfig(dir, { context: "k3s-office" });
  copyFileSync(TEAM_PAGE, join(dir, "team-page.txt"));
  cli = await startCli(
    ["serve", "--watch", "--kubeconfig", kubeconfig, "--port", "0", "--page", "team-page.txt", "--no-mcp"],
    {
      cwd: dir,
      ready: /listening on (http:\/\/\S+)/,
    },
  );
  context = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1366, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (cli) expect(await cli.stop()).toBe(0);
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("dashboard in Chromium", () => {
  it("shows the cluster's findings with their evidence and steps", async () => {
    await page.goto(cli.announced);
    // The page may have been served before the first evaluation; it fills in on its own.
    const card = page.locator("article.finding", { hasText: "ge-ingest-6f7d8b9c5d-nf4kc" });
    await card.first().waitFor({ timeout: 20_000 });
    await expect(card.first().locator(".title").textContent()).resolves.toBe("CrashLoopBackOff");
    await expect(card.first().locator(".step code").first().textContent()).resolves.toContain(
      "ge-ingest-6f7d8b9c5d-nf4kc",
    );
    await expect(card.first().locator("button.copy").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator("section.group.sev-high h3").textContent()).resolves.toContain("HIGH");
    await expect(page.getByText("OOMKilled", { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.locator("h4.zone").first().textContent()).resolves.toBe("Zone 1");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: false });
  });

  it("shows a pod that starts crash-looping without a reload, its name and log as text", async () => {
    // Evaluated in the page (strings: the tests are typed without the DOM library).
    await page.evaluate("window.marker = 'same page'");
    sim.setLog({
      namespace: "ge-agents",
      pod: "orders-worker-5d8f7",
      container: "app",
      previous: true,
      text: "Traceback (most recent call last):\nKeyError: 'DATABASE_URL' <script>alert('log')</script>\n",
    });
    sim.apply(runningPod("ge-agents", "orders-worker-5d8f7"));
    sim.apply(crashLoopingPod("ge-agents", "orders-worker-5d8f7"));
    sim.apply(crashLoopingPod("ge-agents", HOSTILE));

    const orders = page.locator("article.finding", { hasText: "orders-worker-5d8f7" });
    await orders.first().waitFor({ timeout: 20_000 });
    await expect(orders.first().locator(".message").textContent()).resolves.toContain(
      "environment variable DATABASE_URL is missing",
    );
    await expect(
      orders.first().locator(".evidence pre", { hasText: "<script>alert('log')</script>" }).count(),
    ).resolves.toBeGreaterThan(0);
    const hostile = page.locator("article.finding", { hasText: HOSTILE });
    await hostile.first().waitFor({ timeout: 20_000 });
    await expect(page.evaluate("window.marker")).resolves.toBe("same page");
    // Shown as text: no element was made from the name or the log, no script ran.
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
    await expect(page.locator("article script").count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
    await orders.first().screenshot({ path: join(ARTIFACTS, "dashboard-new-crash-loop.png") });
    await hostile.first().screenshot({ path: join(ARTIFACTS, "dashboard-hostile-name.png") });

    // Running again: it goes away, still without a reload.
    sim.apply(runningPod("ge-agents", "orders-worker-5d8f7"));
    await orders.first().waitFor({ state: "detached", timeout: 20_000 });
    await expect(page.evaluate("window.marker")).resolves.toBe("same page");
  });

  it("finds a pitfall from the search box", async () => {
    await page.locator("#search-input").fill("exit code 137");
    const hit = page.locator("#search-results a", { hasText: "OOMKilled" });
    await hit.first().waitFor({ timeout: 10_000 });
    await expect(page.locator("#search-results li").first().textContent()).resolves.toContain("OOMKilled");
    await hit.first().click();
    await expect(page.locator("details#p-oomkilled").getAttribute("open")).resolves.not.toBeNull();
    await page.locator("details#p-oomkilled").scrollIntoViewIfNeeded();
  });

  it("reads on a phone, and the CSP held", async () => {
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-full.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator("article.finding").first().waitFor();
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: false });
    expect(cspViolations).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
