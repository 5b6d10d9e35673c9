// What a fresh phone downloads before a page is interactive: every response of the page
// (headers and body as sent, compressed or not) from navigation until the app has hydrated,
// by kind. Shared by the byte-budget test (budget/) and the benchmark (bench/).
import { Browser, BrowserContext } from "@playwright/test";
import { checkinCode, DEMO_PASSWORD, hydrated, MEMBER_1, scheduleMeeting, SECRETARY_1, slotNow } from "./tests/helpers";

export type Kind = "html" | "js" | "wasm" | "css" | "other";
export const KINDS: Kind[] = ["html", "js", "wasm", "css", "other"];

export interface FirstLoad {
  page: string;
  path: string;
  bytes: Record<Kind, number>;
  /** html + js + wasm + css: what the budget covers. */
  shell: number;
  files: { path: string; kind: Kind; bytes: number; encoding: string }[];
}

function kindOf(type: string, path: string, mime: string): Kind {
  if (type === "Document") return "html";
  if (path.endsWith(".wasm") || mime.includes("wasm")) return "wasm";
  if (type === "Script" || path.endsWith(".js")) return "js";
  if (type === "Stylesheet" || path.endsWith(".css")) return "css";
  return "other";
}

/** Loads `path` in `context` (which must have an empty cache) and counts its bytes. */
export async function measureFirstLoad(context: BrowserContext, name: string, path: string): Promise<FirstLoad> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const seen = new Map<string, { path: string; kind: Kind; encoding: string }>();
  const files: FirstLoad["files"] = [];
  let counting = true;
  cdp.on("Network.responseReceived", (event: any) => {
    const url = new URL(event.response.url);
    const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    seen.set(event.requestId, {
      path: url.pathname + url.search,
      kind: kindOf(event.type, url.pathname, headers["content-type"] ?? ""),
      encoding: headers["content-encoding"] ?? "identity",
    });
  });
  cdp.on("Network.loadingFinished", (event: any) => {
    const response = seen.get(event.requestId);
    if (counting && response) files.push({ ...response, bytes: event.encodedDataLength });
  });
  await page.goto(path);
  await hydrated(page);
  counting = false;
  await page.close();
  const bytes = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  for (const file of files) bytes[file.kind] += file.bytes;
  const shell = bytes.html + bytes.js + bytes.wasm + bytes.css;
  return { page: name, path, bytes, shell, files };
}

/** A fresh browser context (empty cache, no service worker) signed in as `phone`. */
export async function signedInContext(browser: Browser, phone: string): Promise<BrowserContext> {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const response = await context.request.post("/api/login", { form: { phone, password: DEMO_PASSWORD } });
  if (!response.ok()) throw new Error(`login of ${phone} failed: ${response.status()}`);
  return context;
}

/**
 * The two pages a member meets first: their home, and the check-in page their phone's
 * camera opens from the QR on the secretary's screen. Each in a fresh, signed-in context.
 */
export async function measureFirstPages(browser: Browser): Promise<FirstLoad[]> {
  const secretary = await signedInContext(browser, SECRETARY_1);
  const secretaryPage = await secretary.newPage();
  const meeting = await scheduleMeeting(secretaryPage, `首次加载${Date.now() % 100000}`, -5, 60);
  await secretary.close();
  const slot = slotNow();
  const pages: [string, string][] = [
    ["member's home", "/"],
    ["check-in from a QR", `/checkin/${meeting}?s=${slot}&c=${checkinCode(meeting, slot)}`],
  ];
  const results: FirstLoad[] = [];
  for (const [name, path] of pages) {
    const context = await signedInContext(browser, MEMBER_1);
    results.push(await measureFirstLoad(context, name, path));
    await context.close();
  }
  return results;
}

export function formatFirstLoads(results: FirstLoad[]): string {
  const kb = (n: number) => (n / 1000).toFixed(1).padStart(7);
  const lines = [`${"page".padEnd(22)} ${KINDS.map((k) => k.padStart(7)).join(" ")}  shell (KB)`];
  for (const r of results) lines.push(`${r.page.padEnd(22)} ${KINDS.map((k) => kb(r.bytes[k])).join(" ")}  ${kb(r.shell)}`);
  return lines.join("\n");
}

