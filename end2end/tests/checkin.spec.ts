import { Browser, BrowserContext, expect, Page } from "@playwright/test";
import {
  checkinCode,
  controlledByServiceWorker,
  expectWorkerCutOff,
  goOffline,
  goOnline,
  goto,
  hydrated,
  login,
  newPhone,
  scheduleMeeting,
  SECRETARY_1,
  slotNow,
  sql,
  test,
} from "./helpers";

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT ?? 3100}`;

function attendance(meeting: string, phone: string): string {
  return sql(
    `SELECT a.presence || '/' || a.arrival FROM attendance a JOIN users u ON u.id = a.user_id WHERE a.meeting_id = '${meeting}' AND u.phone = '${phone}'`,
  );
}

async function secretaryPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, SECRETARY_1);
  return page;
}

/** A member's phone, signed in, with the service worker in control and the network cut. */
async function memberOffline(browser: Browser, phone: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await login(page, phone);
  await controlledByServiceWorker(page);
  await goOffline(context);
  await expectWorkerCutOff(context);
  return { context, page };
}

async function outboxOps(page: Page) {
  return page.evaluate(() => (window as any).ZhibuOffline.list());
}

test("a QR opened by the phone's camera with no signal, for a meeting never opened, queues and lands once", async ({ browser }) => {
  const secretary = await secretaryPage(browser);
  const meeting = await scheduleMeeting(secretary, `扫码离线${Date.now() % 100000}`, -5, 60);
  const phone = "13800000011";
  const { context, page } = await memberOffline(browser, phone);

  // The camera app opens the URL as a fresh page load; the meeting was never opened here.
  const slot = slotNow();
  await page.goto(`${baseURL}/checkin/${meeting}?s=${slot}&c=${checkinCode(meeting, slot)}`);
  const card = page.locator(".checkin");
  await expect(card).toHaveAttribute("data-state", "waiting");
  await expect(card.getByRole("status")).toContainText("待同步");
  await expect(page.getByTestId("outbox-count")).toHaveText("1");
  let ops = await outboxOps(page);
  expect(ops).toHaveLength(1);
  expect(ops[0].kind).toBe("meeting.checkin");
  expect(ops[0].payload.meeting_id).toBe(meeting);
  expect(new URL(page.url()).search, "the code is dropped from the address").toBe("");
  await page.screenshot({ path: "test-results/checkin-shell-offline.png" });

  // Opened again (the camera app again, or a reload): still one check-in waiting.
  await page.goto(`${baseURL}/checkin/${meeting}?s=${slot}&c=${checkinCode(meeting, slot)}`);
  await expect(card).toHaveAttribute("data-state", "waiting");
  expect(await outboxOps(page)).toHaveLength(1);
  expect(attendance(meeting, phone)).toBe("");

  await goOnline(context);
  await expect(page.locator(".checked-in")).toContainText("已签到", { timeout: 20_000 });
  await expect(page.locator(".checked-in")).toContainText("迟到");
  await hydrated(page);
  expect(await outboxOps(page)).toHaveLength(0);
  expect(attendance(meeting, phone)).toMatch(/^late\//);
  expect(
    sql(
      `SELECT COUNT(*) FROM applied_ops o JOIN users u ON u.id = o.user_id WHERE u.phone = '${phone}' AND o.kind = 'meeting.checkin'`,
    ),
    "sent once",
  ).toBe("1");
  await page.screenshot({ path: "test-results/checkin-synced.png" });
  await context.close();
});

test("typed digits check in to a meeting never opened, offline, and show 已签到 once synced", async ({ browser }) => {
  const secretary = await secretaryPage(browser);
  const title = `输码离线${Date.now() % 100000}`;
  const meeting = await scheduleMeeting(secretary, title, -5, 60);
  const phone = "13800000012";
  const context = await newPhone(browser);
  const page = await context.newPage();
  await login(page, phone);
  await goto(page, "/meetings");
  await controlledByServiceWorker(page);
  await expect(page.locator(".meeting").filter({ hasText: title })).toBeVisible();
  await goOffline(context);
  await expectWorkerCutOff(context);

  // The meeting's page was never read: it cannot load, but the way to check in is there.
  await page.locator(".meeting").filter({ hasText: title }).getByRole("link").click();
  await page.getByRole("link", { name: "签到", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/checkin/${meeting}$`));
  await page.getByLabel("输入屏幕上的 6 位签到码").fill(checkinCode(meeting, slotNow()));
  await page.getByRole("button", { name: "签到", exact: true }).click();
  await expect(page.locator(".checkin")).toHaveAttribute("data-state", "waiting");
  await expect(page.getByTestId("outbox-count")).toHaveText("1");
  expect(attendance(meeting, phone)).toBe("");

  await goOnline(context);
  await expect(page.locator(".checked-in")).toContainText("已签到", { timeout: 20_000 });
  await expect(page.locator(".checkin")).not.toContainText("待同步");
  await expect(page.getByTestId("outbox-count")).toHaveCount(0);
  expect(attendance(meeting, phone)).toMatch(/^late\//);
  await context.close();
});

test("a refused check-in shows only its reason, and the secretary sees it beside the member", async ({ browser }) => {
  const secretary = await secretaryPage(browser);
  const meeting = await scheduleMeeting(secretary, `转发${Date.now() % 100000}`, -30, 60);
  const phone = "13800000013";
  const context = await newPhone(browser);
  const page = await context.newPage();
  await login(page, phone);
  // A link forwarded to the branch chat five minutes ago.
  const old = slotNow() - 10;
  await goto(page, `/checkin/${meeting}?s=${old}&c=${checkinCode(meeting, old)}`);
  const card = page.locator(".checkin");
  await expect(card).toHaveAttribute("data-state", "refused", { timeout: 20_000 });
  await expect(card.getByRole("alert")).toHaveText("签到码已过期，请在会场扫码；不在会场请联系书记补录");
  await expect(card).not.toContainText("待同步");
  await expect(card).not.toContainText("已签到");
  await expect(page.getByTestId("outbox-count")).toHaveCount(0);
  await expect(page.getByTestId("refused-count")).toHaveText("1");
  await page.screenshot({ path: "test-results/checkin-refused.png" });
  expect(attendance(meeting, phone)).toBe("");

  await goto(secretary, `/meetings/${meeting}`);
  const userId = sql(`SELECT id FROM users WHERE phone = '${phone}'`);
  const line = secretary.locator(`li[data-user="${userId}"]`);
  await expect(line.locator(".refused-checkin")).toContainText("签到未通过");
  await expect(line.locator(".refused-checkin").getByRole("alert")).toContainText("签到码已过期");
  await expect(line.locator("summary", { hasText: "补录" })).toBeVisible();
  // Two members named 王建国 are told apart by their phones.
  const namesakes = secretary.locator(".sheet-rows li").filter({ hasText: "王建国" });
  await expect(namesakes).toHaveCount(2);
  await expect(namesakes.locator(".phone-tail")).toHaveText(["尾号0001", "尾号0016"]);
  await secretary.screenshot({ path: "test-results/sheet-refused.png", fullPage: true });
  await context.close();
});

test("right after logging in, the start page kept for offline use is the signed-in one", async ({ browser }) => {
  for (let round = 0; round < 6; round += 1) {
    const context = await newPhone(browser);
    const page = await context.newPage();
    await login(page, "13800000014");
    await controlledByServiceWorker(page);
    await goOffline(context);
    await expectWorkerCutOff(context);
    await page.goto(`${baseURL}/`);
    await hydrated(page);
    await expect(page.locator(".greeting .hello"), `round ${round}`).toContainText("你好");
    await expect(page.getByRole("link", { name: "登录" })).toHaveCount(0);
    await context.close();
  }
});
