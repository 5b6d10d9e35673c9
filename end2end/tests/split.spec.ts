import { expect, Page } from "@playwright/test";
import {
  controlledByServiceWorker,
  expectPanics,
  expectWorkerCutOff,
  fetchedPaths,
  goOffline,
  goto,
  hydrated,
  login,
  MEMBER_1,
  newPhone,
  SECRETARY_1,
  test,
} from "./helpers";

// Each tab's page is titled as its tab.
const TABS: [string, string][] = [
  ["会议", "/meetings"],
  ["积分", "/points"],
  ["心愿", "/wishes"],
  ["我的", "/me"],
];

async function openTab(page: Page, tab: string) {
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: tab }).click();
}

test("after one online visit every tab opens with no signal, though the home loaded none of their code", async ({
  browser,
}) => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await login(page, SECRETARY_1);
  await controlledByServiceWorker(page);

  const chunks: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/pkg/split_")) chunks.push(path);
  });
  const before = fetchedPaths(context).length;
  await goto(page, "/");
  expect(chunks, "the home needs no other page's code").toEqual([]);
  const fromServer = () => fetchedPaths(context).slice(before).filter((path) => path.startsWith("/pkg/"));
  expect(fromServer(), "a repeat visit fetches none of the app's code").toEqual([]);

  await goOffline(context);
  await expectWorkerCutOff(context);
  for (const [tab, path] of TABS) {
    await openTab(page, tab);
    await expect(page).toHaveURL(path);
    await expect(page.locator(".page-header h1")).toHaveText(tab);
    await expect(page.locator("#app-stopped")).toHaveCount(0);
  }
  expect(chunks.length, "each tab fetched its own code (from the worker's cache)").toBeGreaterThanOrEqual(TABS.length);
  expect(fromServer()).toEqual([]);
  await openTab(page, "首页");
  await expect(page).toHaveURL("/");
  await page.screenshot({ path: "test-results/split-offline-home.png" });
  await context.close();
});

test("a page whose code cannot be fetched says so, and the reload it offers brings it back", async ({ browser }) => {
  // A chunk that cannot be fetched stops the app (the router cannot draw the page).
  expectPanics(/load callback should succeed/);
  // No service worker: the chunk must come from the network, which fails once.
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  await login(page, MEMBER_1);
  await page.route("**/pkg/split_points_*", (route) => route.abort("internetdisconnected"));
  await openTab(page, "积分");
  const notice = page.locator("#app-stopped");
  await expect(notice).toContainText("页面没能加载完");
  await page.screenshot({ path: "test-results/split-chunk-failed.png" });

  await page.unroute("**/pkg/split_points_*");
  await Promise.all([page.waitForEvent("load"), notice.getByRole("link", { name: "重试" }).click()]);
  await hydrated(page);
  // The address had not moved yet when the chunk failed: the reload is of the home, and the
  // tab works now.
  await expect(page).toHaveURL("/");
  await openTab(page, "积分");
  await expect(page.locator(".page-header h1")).toHaveText("积分");
  await expect(page.locator("#app-stopped")).toHaveCount(0);
  await context.close();
});

test("a split page opened by its address hydrates with its code, or says why it cannot", async ({ browser }) => {
  // A chunk that cannot be fetched stops the app (the router cannot draw the page).
  expectPanics(/load callback should succeed/);
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  await login(page, MEMBER_1);
  // The app fetches the page's code before it hydrates: opened by its address, the page is
  // live, its tab bar navigates.
  await goto(page, "/points");
  await expect(page.locator(".page-header h1")).toHaveText("积分");
  await openTab(page, "心愿");
  await expect(page.locator(".page-header h1")).toHaveText("心愿");

  // Playwright's routing bypasses the HTTP cache: the chunk must come from the network.
  await page.route("**/pkg/split_points_*", (route) => route.abort("internetdisconnected"));
  await page.goto("/points");
  const notice = page.locator("#app-stopped");
  await expect(notice).toContainText("页面没能加载完");
  await expect(page.locator("body[data-hydrated='true']")).toHaveCount(0);

  await page.unroute("**/pkg/split_points_*");
  await Promise.all([page.waitForEvent("load"), notice.getByRole("link", { name: "重试" }).click()]);
  await hydrated(page);
  await expect(page).toHaveURL("/points");
  await expect(page.locator(".page-header h1")).toHaveText("积分");
  await expect(page.locator("#app-stopped")).toHaveCount(0);
  await context.close();
});
