import { expect, Page } from "@playwright/test";

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

/** Makes sure the service worker controls the page (the first load of a fresh context is not). */
export async function controlledByServiceWorker(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload();
    await hydrated(page);
  }
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}
