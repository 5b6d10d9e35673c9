import { test as base, Browser, BrowserContext, chromium, expect, Page } from "@playwright/test";

/** Panics of the app seen in the running test, whatever phone they happened on. */
let panics: string[] = [];
/** The panics the running test brings about on purpose. */
let expectedPanics: RegExp | null = null;

/** The running test makes the app panic on purpose with a message matching `pattern`. */
export function expectPanics(pattern: RegExp) {
  expectedPanics = pattern;
}

/**
 * Records any panic of the app in `context`'s pages. A panic stops the app where it stood
 * (public/offline.js then draws 页面没能加载完) while what the test looks at may already be
 * on the page, so a test would pass over it unless told.
 */
export function watchForPanics(context: BrowserContext) {
  context.on("console", (message) => {
    const text = message.text();
    if (message.type() === "error" && text.includes("panicked at") && !expectedPanics?.test(text)) {
      panics.push(text.split("\n").slice(0, 2).join(" "));
    }
  });
}

/**
 * Playwright's `test`, failing any test in which the app panicked: on the default page and
 * on every phone the test makes (`browser.newContext`, `newPhone`, `launchPhone`).
 */
export const test = base.extend<{ noPanics: void }>({
  context: async ({ context }, use) => {
    watchForPanics(context);
    await use(context);
  },
  noPanics: [
    async ({ browser }, use) => {
      panics = [];
      expectedPanics = null;
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        watchForPanics(context);
        return context;
      };
      await use();
      browser.newContext = newContext;
      expect(panics, "the app panicked").toEqual([]);
    },
    { auto: true },
  ],
});

export const DEMO_PASSWORD = "zhibu2024";
export const ADMIN = "13800000000";
export const SECRETARY_1 = "13800000001";
export const MEMBER_1 = "13800000006";

/** Waits until the wasm app has hydrated, so clicks reach the Leptos handlers. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated='true']").waitFor({ timeout: 30_000 });
}

export async function goto(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

/** A phone number nobody has used yet in this run. */
export function freshPhone(prefix = "137"): string {
  const tail = String(Date.now() % 1e8).padStart(8, "0");
  return prefix + tail;
}

export async function login(page: Page, phone: string, password = DEMO_PASSWORD) {
  await goto(page, "/login");
  await page.getByLabel("手机号").fill(phone);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
  await hydrated(page);
}

export async function expectLoggedOut(page: Page) {
  await goto(page, "/");
  await expect(page.getByRole("link", { name: "登录" })).toBeVisible();
}

export const RESIDENT = "13900000001";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Runs SQL against the test server's database (end2end/serve.sh puts it there). */
export function sql(query: string): string {
  const { execFileSync } = require("node:child_process");
  const path = require("node:path");
  const db = path.join(__dirname, "..", ".data", "zhibu.db");
  return execFileSync("sqlite3", [db, query], { encoding: "utf8" }).trim();
}

/** Waits until the service worker keeps an answer of `endpoint` for reading offline. */
export async function readKept(page: Page, endpoint: string) {
  await expect
    .poll(() =>
      page.evaluate(async (endpoint) => {
        const keys = await (await caches.open("zhibu-reads")).keys();
        return keys.some((request) => new URL(request.url).pathname === `/api/${endpoint}`);
      }, endpoint),
    )
    .toBe(true);
}

/** Makes sure the service worker controls the page (the first load of a fresh context is not). */
export async function controlledByServiceWorker(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload();
    await hydrated(page);
  }
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  // The worker takes a while to fetch every chunk of the build before it takes over; a page
  // that finished loading in that while is kept only when the worker activates, or on the
  // next load through it.
  const kept = () =>
    page.evaluate(async () => {
      const keys = await (await caches.open("zhibu-pages")).keys();
      return keys.some((request) => request.url === location.href);
    });
  if (!(await kept())) {
    await page.reload();
    await hydrated(page);
  }
  await expect.poll(kept).toBe(true);
}

/**
 * A phone's own network: a forward proxy in this test process through which its browser
 * context reaches the server, so a test can cut everything, the service worker's fetches
 * and Background Sync included. `context.setOffline` alone does not reach requests a
 * service worker makes (microsoft/playwright issue 2311); both are used together.
 */
export class PhoneNetwork {
  private sockets = new Set<import("node:net").Socket>();
  private down = false;
  private blocked: string | null = null;
  /** The path of every request that reached the server through this network. */
  readonly fetched: string[] = [];

  private constructor(private server: import("node:http").Server, readonly port: number) {}

  static async start(): Promise<PhoneNetwork> {
    const http = require("node:http") as typeof import("node:http");
    let network: PhoneNetwork | undefined;
    const server = http.createServer((request, response) => {
      if (network!.down) return request.socket.destroy();
      const target = new URL(request.url ?? "/");
      network!.fetched.push(target.pathname);
      if (network!.blocked && target.pathname.startsWith(network!.blocked)) {
        response.writeHead(503).end();
        return;
      }
      const headers = { ...request.headers };
      delete headers["proxy-connection"];
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: request.method,
          headers,
          agent: false,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", () => response.destroy());
      request.pipe(upstream);
    });
    server.on("connection", (socket) => {
      if (network!.down) return socket.destroy();
      network!.sockets.add(socket);
      socket.on("close", () => network!.sockets.delete(socket));
    });
    server.on("connect", (_request, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    network = new PhoneNetwork(server, (server.address() as import("node:net").AddressInfo).port);
    return network;
  }

  /** Context options that send every request of the browser through this network. */
  get proxy() {
    // Chromium bypasses proxies for loopback unless told not to.
    return { server: `http://127.0.0.1:${this.port}`, bypass: "<-loopback>" };
  }

  get isDown() {
    return this.down;
  }

  cut() {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore() {
    this.down = false;
  }

  /** Answers 503 to every request whose path starts with `prefix` (a server in trouble). */
  block(prefix: string | null) {
    this.blocked = prefix;
  }

  close() {
    this.cut();
    this.server.close();
  }
}

const networks = new WeakMap<BrowserContext, PhoneNetwork>();

/** A phone at 390×844 with its own network the test can cut. */
export async function newPhone(browser: Browser): Promise<BrowserContext> {
  const network = await PhoneNetwork.start();
  const context = await browser.newContext({ proxy: network.proxy });
  networks.set(context, network);
  context.on("close", () => network.close());
  return context;
}

/**
 * Launches a browser profile on disk (a phone that keeps its IndexedDB and caches across
 * launches) with its own network; `offline` cuts it from the first instant, Background Sync
 * included, so nothing is sent before the test looks.
 */
export async function launchPhone(profile: string, options: { offline?: boolean } = {}): Promise<BrowserContext> {
  const network = await PhoneNetwork.start();
  if (options.offline) network.cut();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    baseURL: `http://127.0.0.1:${process.env.E2E_PORT ?? 3100}`,
    offline: options.offline,
    proxy: network.proxy,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
  });
  watchForPanics(context);
  networks.set(context, network);
  context.on("close", () => network.close());
  return context;
}

function networkOf(context: BrowserContext): PhoneNetwork {
  const network = networks.get(context);
  if (!network) throw new Error("this context was not made by newPhone or launchPhone: its network cannot be cut");
  return network;
}

/** No signal at all: the pages, the service worker and Background Sync. */
export async function goOffline(context: BrowserContext) {
  networkOf(context).cut();
  await context.setOffline(true);
}

export async function goOnline(context: BrowserContext) {
  networkOf(context).restore();
  await context.setOffline(false);
}

/** The server answers 503 to this phone's requests under `prefix`, until called with null. */
export function failRequests(context: BrowserContext, prefix: string | null) {
  networkOf(context).block(prefix);
}

/** Paths this phone has fetched from the server so far, its service worker's fetches included. */
export function fetchedPaths(context: BrowserContext): string[] {
  return [...networkOf(context).fetched];
}

/** Proves the cut reaches the service worker: a fetch of its own fails. */
export async function expectWorkerCutOff(context: BrowserContext) {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  const result = await worker.evaluate(() =>
    fetch("/healthz", { cache: "no-store" }).then(
      () => "up",
      () => "down",
    ),
  );
  expect(result, "the service worker still reached the server").toBe("down");
}

/** A datetime-local value in Shanghai time, `minutes` from now. */
export function shanghai(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** Schedules a 主题党日 of the secretary's first branch through the server function; returns its id. */
export async function scheduleMeeting(secretary: Page, title: string, fromMinutes: number, toMinutes: number) {
  const branch = sql(`SELECT id FROM orgs WHERE name = '幸福里社区第一党支部'`);
  const response = await secretary.request.post("/api/schedule_meeting", {
    form: {
      org_id: branch,
      kind: "theme_day",
      title,
      agenda: "",
      place: "党群服务中心",
      starts_at: shanghai(fromMinutes),
      ends_at: shanghai(toMinutes),
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
  const id = (await response.json()) as string;
  // Scheduled the day before, as meetings are: codes exist from then on.
  sql(`UPDATE meetings SET created_at = created_at - 86400 WHERE id = '${id}'`);
  return id;
}

/** The 6 digits of a meeting for a slot, as the secretary's screen computes them. */
export function checkinCode(meetingId: string, slot: number): string {
  const crypto = require("node:crypto") as typeof import("node:crypto");
  const secret = sql(`SELECT secret FROM meetings WHERE id = '${meetingId}'`);
  const slotBytes = Buffer.alloc(8);
  slotBytes.writeBigInt64BE(BigInt(slot));
  const digest = crypto.createHmac("sha256", secret).update(meetingId).update(slotBytes).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const value = ((digest[offset] & 0x7f) << 24) | (digest[offset + 1] << 16) | (digest[offset + 2] << 8) | digest[offset + 3];
  return String(value % 1_000_000).padStart(6, "0");
}

export function slotNow(): number {
  return Math.floor(Date.now() / 1000 / 30);
}
