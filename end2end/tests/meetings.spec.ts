import { Browser, expect, Page } from "@playwright/test";
import {
  controlledByServiceWorker,
  expectWorkerCutOff,
  goOffline,
  goOnline,
  goto,
  hydrated,
  login,
  newPhone,
  SECRETARY_1,
  shanghai,
  sql,
  test,
} from "./helpers";


async function memberPage(browser: Browser, phone: string): Promise<Page> {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await login(page, phone);
  return page;
}

function attendance(meeting: string, phone: string): string {
  return sql(
    `SELECT a.presence FROM attendance a JOIN users u ON u.id = a.user_id WHERE a.meeting_id = '${meeting}' AND u.phone = '${phone}'`,
  );
}

test("a meeting is scheduled, its code shown, and members check in by QR, digits and offline", async ({ browser }) => {
  const secretary = await memberPage(browser, SECRETARY_1);
  await goto(secretary, "/meetings");
  const title = `主题党日${Date.now() % 100000}`;
  await secretary.getByText("安排会议").first().click();
  await secretary.getByLabel("会议主题").fill(title);
  await secretary.getByLabel("地点").fill("党群服务中心");
  await secretary.getByLabel("开始时间").fill(shanghai(-5));
  await secretary.getByLabel("结束时间").fill(shanghai(60));
  await secretary.getByRole("button", { name: "安排会议" }).click();
  const card = secretary.locator(".meeting").filter({ hasText: title });
  await expect(card).toBeVisible();
  const meeting = (await card.getAttribute("data-meeting"))!;

  await card.getByRole("link").first().click();
  await hydrated(secretary);
  await secretary.getByRole("link", { name: "签到码" }).click();
  await hydrated(secretary);
  const code = secretary.getByTestId("checkin-code");
  await expect(code).toHaveText(/^\d{6}$/);
  await secretary.screenshot({ path: "test-results/checkin-code.png" });
  const url = (await secretary.locator(".qr").getAttribute("data-url"))!;
  expect(url).toContain(`/checkin/${meeting}?s=`);

  // By the QR's URL.
  const byQr = await memberPage(browser, "13800000007");
  await goto(byQr, url);
  await expect(byQr.locator(".checked-in")).toContainText("已签到", { timeout: 15_000 });
  await expect.poll(() => attendance(meeting, "13800000007"), { timeout: 15_000 }).toBe("late");

  // By typing the digits.
  const byDigits = await memberPage(browser, "13800000008");
  await goto(byDigits, `/checkin/${meeting}`);
  await byDigits.getByLabel("输入屏幕上的 6 位签到码").fill((await code.textContent())!);
  await byDigits.getByRole("button", { name: "签到", exact: true }).click();
  await expect.poll(() => attendance(meeting, "13800000008"), { timeout: 15_000 }).toBe("late");

  // Offline: queued on the phone, judged by its slot once synced, counted once.
  const offline = await memberPage(browser, "13800000009");
  await goto(offline, `/checkin/${meeting}`);
  await controlledByServiceWorker(offline);
  await goOffline(offline.context());
  await expectWorkerCutOff(offline.context());
  await offline.getByLabel("输入屏幕上的 6 位签到码").fill((await code.textContent())!);
  await offline.getByRole("button", { name: "签到", exact: true }).click();
  await expect(offline.getByTestId("outbox-count")).toHaveText("1");
  expect(attendance(meeting, "13800000009")).toBe("");
  await goOnline(offline.context());
  await expect(offline.getByTestId("outbox-count")).toHaveCount(0, { timeout: 20_000 });
  expect(attendance(meeting, "13800000009")).toBe("late");
  expect(sql(`SELECT COUNT(*) FROM attendance WHERE meeting_id = '${meeting}'`)).toBe("3");

  await goto(offline, "/meetings");
  await expect(offline.locator(".meeting").filter({ hasText: title }).locator(".presence")).toHaveText("迟到");

  // A code from before the window is refused with a clear message.
  const early = await memberPage(browser, "13800000010");
  const slot = Number(new URL(url).searchParams.get("s"));
  await goto(early, `/checkin/${meeting}?s=${slot - 200}&c=123456`);
  await expect(early.locator(".checkin .refused").getByRole("alert")).toHaveText(/不在签到时间内/, { timeout: 15_000 });
  expect(attendance(meeting, "13800000010")).toBe("");
});

test("the compliance calendar turns a month red when a required meeting is missing", async ({ page }) => {
  await login(page, SECRETARY_1);
  const href = (await page.getByRole("link", { name: "三会一课合规日历" }).getAttribute("href"))!;
  const year = new Date().getFullYear() - 1;
  await goto(page, `${href}?year=${year}`);
  const committee = page.locator('li[data-kind="支部委员会会议"]');
  const october = committee.locator('.cell[data-period="10"]');
  await expect(october).toHaveClass(/short/);
  await expect(page.locator('.month[data-month="10"]')).toHaveClass(/short/);

  await goto(page, "/meetings");
  await page.getByText("安排会议").first().click();
  await page.getByLabel("会议类型").selectOption({ label: "支部委员会会议" });
  await page.getByLabel("会议主题").fill("十月支委会");
  await page.getByLabel("开始时间").fill(`${year}-10-15T19:00`);
  await page.getByLabel("结束时间").fill(`${year}-10-15T21:00`);
  // Over long ago: only a record afterwards (补记), with a reason.
  await page.getByRole("button", { name: "安排会议" }).click();
  await expect(page.getByRole("alert")).toContainText("补记已开过的会议");
  await page.getByLabel("补记原因").fill("按会议记录本补记");
  await page.getByRole("button", { name: "安排会议" }).click();
  await expect(page.locator(".meeting").filter({ hasText: "十月支委会" })).toBeVisible();

  await goto(page, `${href}?year=${year}`);
  await expect(october).toHaveClass(/ok/);
  await expect(october).toContainText("1/1");
  await expect(october).toContainText("补记1");
  await expect(committee.locator('.cell[data-period="9"]')).toHaveClass(/short/);
  await page.screenshot({ path: "test-results/compliance.png", fullPage: true });
});
