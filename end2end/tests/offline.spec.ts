import { expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  controlledByServiceWorker,
  expectWorkerCutOff,
  failRequests,
  goOffline,
  goOnline,
  goto,
  hydrated,
  launchPhone,
  login,
  MEMBER_1,
  newPhone,
  readKept,
  RESIDENT,
  sql,
  test,
} from "./helpers";

async function suggest(page: Page, text: string) {
  await page.getByLabel("内容").fill(text);
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByRole("status").filter({ hasText: "已保存" })).toBeVisible();
}

test("writes made offline survive reload and a new browser, then sync exactly once", async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "zhibu-profile-"));
  const tag = `离线${Date.now()}`;
  let context = await launchPhone(profile);
  let page = context.pages()[0] ?? (await context.newPage());
  await login(page, MEMBER_1);
  await goto(page, "/suggestions");
  await controlledByServiceWorker(page);
  await readKept(page, "my_suggestions");

  await goOffline(context);
  await expectWorkerCutOff(context);
  for (const n of [1, 2, 3]) await suggest(page, `${tag} 第${n}条`);
  await expect(page.getByTestId("outbox-count")).toHaveText("3");
  await expect(page.locator(".suggestion.pending")).toHaveCount(3);

  await page.reload();
  await hydrated(page);
  await expect(page.locator(".strip")).toContainText("离线");
  await expect(page.locator(".suggestion.pending")).toHaveCount(3);
  await expect(page.locator(".freshness")).toContainText(/离线 · 更新于 \d\d:\d\d/);
  await page.screenshot({ path: "test-results/offline-pending.png" });
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body LIKE '${tag}%'`)).toBe("0");
  await context.close();

  // Offline from its first instant, so nothing is sent before the test looks.
  context = await launchPhone(profile, { offline: true });
  page = context.pages()[0] ?? (await context.newPage());
  await goto(page, "/suggestions");
  await expect(page.getByTestId("outbox-count")).toHaveText("3");
  await expectWorkerCutOff(context);
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body LIKE '${tag}%'`)).toBe("0");

  await goOnline(context);
  await expect(page.getByTestId("outbox-count")).toHaveCount(0, { timeout: 20_000 });
  await expect(page.locator(".suggestion.sent").filter({ hasText: tag })).toHaveCount(3);
  for (const n of [1, 2, 3]) {
    expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body = '${tag} 第${n}条'`)).toBe("1");
  }
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test("the same op sent twice, and by two tabs at once, is applied once", async ({ browser }) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await login(first, MEMBER_1);
  const second = await context.newPage();
  await goto(second, "/");
  const tag = `重放${Date.now()}`;
  const op = {
    op_id: "0192f0c4-7b1e-7cc0-8000-" + String(Date.now()).slice(-12).padStart(12, "0"),
    kind: "suggestion.submit",
    payload: { id: "0192f0c4-7b1e-7cc0-9000-" + String(Date.now()).slice(-12).padStart(12, "0"), body: tag },
    created_at: Math.floor(Date.now() / 1000),
  };
  const send = (page: Page) =>
    page.evaluate(async (op) => {
      const r = await fetch("/api/sync", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ ops: [op] }),
      });
      return r.json();
    }, op);
  const [a, b] = await Promise.all([send(first), send(second)]);
  expect(a).toEqual(b);
  expect(a[0].outcome).toHaveProperty("Applied");
  const again = await send(first);
  expect(again).toEqual(a);
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body = '${tag}'`)).toBe("1");
  expect(sql(`SELECT COUNT(*) FROM applied_ops WHERE op_id = '${op.op_id}'`)).toBe("1");
  await context.close();
});

test("an op the server refuses stays visible with its reason", async ({ page }) => {
  await login(page, RESIDENT);
  await goto(page, "/suggestions");
  const text = `居民的建议${Date.now()}`;
  await suggest(page, text);
  const refused = page.locator(".suggestion.rejected").filter({ hasText: text });
  await expect(refused).toBeVisible({ timeout: 20_000 });
  await expect(refused.getByRole("alert")).toHaveText("你还没有加入支部，无法提交");

  await goto(page, "/outbox");
  const op = page.locator(".op.rejected").filter({ hasText: text });
  await expect(op).toContainText("未通过");
  await expect(op.getByRole("alert")).toHaveText("你还没有加入支部，无法提交");
  await page.screenshot({ path: "test-results/outbox-rejected.png" });
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body = '${text}'`)).toBe("0");
  await op.getByRole("button", { name: "知道了，删除" }).click();
  await expect(op).toHaveCount(0);
});

test("the app is installable and its start URL opens offline", async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "zhibu-install-"));
  const context = await launchPhone(profile);
  const page = context.pages()[0] ?? (await context.newPage());
  await goto(page, "/");
  await controlledByServiceWorker(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);

  await goOffline(context);
  await expectWorkerCutOff(context);
  await goto(page, "/");
  await expect(page.getByRole("heading", { name: "支部通" })).toBeVisible();
  // The network really is gone: only the service worker could have served the page.
  expect(await page.evaluate(() => fetch("/healthz").then(() => "up", () => "down"))).toBe("down");
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test("on a shared phone each person sees and sends only their own ops", async ({ browser }) => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const tag = `共用手机${Date.now()}`;
  await login(page, MEMBER_1);
  await goto(page, "/suggestions");
  // The server cannot take ops just now: A's suggestion stays on the phone.
  failRequests(context, "/api/sync");
  await suggest(page, tag);
  await expect(page.getByTestId("outbox-count")).toHaveText("1");

  // A hands the phone to B.
  await goto(page, "/me");
  await page.getByRole("button", { name: "退出登录" }).click();
  await page.waitForURL(/\/login/);
  await login(page, "13800000007");
  await goto(page, "/outbox");
  await expect(page.locator(".op")).toHaveCount(0);
  await expect(page.getByTestId("outbox-count")).toHaveCount(0);
  failRequests(context, null);
  await page.getByRole("button", { name: "立即同步" }).click();
  await page.waitForTimeout(1500);
  expect(sql(`SELECT COUNT(*) FROM suggestions WHERE body = '${tag}'`), "not sent under B's name").toBe("0");
  const kept = await page.evaluate(() => (window as any).ZhibuOffline.list());
  expect(kept).toHaveLength(1);
  expect(kept[0].user_id).toBe(sql(`SELECT id FROM users WHERE phone = '${MEMBER_1}'`));

  // A signs in again: it goes, once, as A's.
  await goto(page, "/me");
  await page.getByRole("button", { name: "退出登录" }).click();
  await page.waitForURL(/\/login/);
  await login(page, MEMBER_1);
  await expect
    .poll(() => sql(`SELECT u.phone FROM suggestions s JOIN users u ON u.id = s.user_id WHERE s.body = '${tag}'`), {
      timeout: 20_000,
    })
    .toBe(MEMBER_1);
  await context.close();
});

test("after logging in, a next address of another site is not followed", async ({ page }) => {
  await goto(page, "/login?next=/%5Cevil.example");
  await page.getByLabel("手机号").fill(MEMBER_1);
  await page.getByLabel("密码").fill("zhibu2024");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
  expect(new URL(page.url()).host).toBe(`127.0.0.1:${process.env.E2E_PORT ?? 3100}`);
  expect(new URL(page.url()).pathname).toBe("/");
});
