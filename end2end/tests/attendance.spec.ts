import { Browser, expect, Page } from "@playwright/test";
import { goto, hydrated, login, SECRETARY_1, shanghai, sql, test } from "./helpers";


async function phone(browser: Browser, number: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, number);
  return page;
}

/** Schedules a 主题党日 through the form and opens its page; returns the meeting id. */
async function scheduleAndOpen(page: Page, title: string, from: number, to: number): Promise<string> {
  await goto(page, "/meetings");
  await page.getByText("安排会议").first().click();
  await page.getByLabel("会议主题").fill(title);
  await page.getByLabel("开始时间").fill(shanghai(from));
  await page.getByLabel("结束时间").fill(shanghai(to));
  await page.getByRole("button", { name: "安排会议" }).click();
  const card = page.locator(".meeting").filter({ hasText: title });
  await expect(card).toBeVisible();
  const id = (await card.getAttribute("data-meeting"))!;
  await card.getByRole("link").first().click();
  await hydrated(page);
  await expect(page.locator(".meeting-detail h2")).toHaveText(title);
  return id;
}

function userId(number: string): string {
  return sql(`SELECT id FROM users WHERE phone = '${number}'`);
}

test("leave asked by a member and approved by the secretary shows as 请假", async ({ browser }) => {
  const MEMBER = "13800000011";
  const secretary = await phone(browser, SECRETARY_1);
  const title = `支部学习${Date.now() % 100000}`;
  const meeting = await scheduleAndOpen(secretary, title, 120, 180);

  const member = await phone(browser, MEMBER);
  await goto(member, `/meetings/${meeting}`);
  await member.getByText("请假", { exact: true }).first().click();
  await member.getByLabel("请假类型").selectOption({ label: "病假" });
  await member.getByLabel("请假原因").fill("感冒发烧，医生建议休息");
  // The page is read again whenever the outbox changes (as it first does moments after the
  // page opens) and drawn anew: the form stays open, as chosen and typed.
  const reread = member.waitForResponse((response) => response.url().includes("/api/meeting_detail"));
  await member.evaluate(() => window.dispatchEvent(new Event("zhibu-outbox-changed")));
  await (await reread).finished();
  // The answer is decoded and drawn within a few tasks of arriving.
  await member.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  const reason = member.getByLabel("请假原因");
  await expect(reason).toBeVisible();
  await expect(reason).toHaveValue("感冒发烧，医生建议休息");
  await expect(member.getByLabel("请假类型")).toHaveValue("sick");
  await member.getByRole("button", { name: "请假" }).click();
  // Online, the op may sync and the page redraw with the leave on it before the queued note
  // is seen: the member is told either way.
  await expect(member.locator(".my-line")).toContainText(/请假已提交|请假待批准/);
  await expect
    .poll(() => sql(`SELECT status FROM leave_requests WHERE meeting_id = '${meeting}'`), { timeout: 15_000 })
    .toBe("pending");
  await expect(member.locator(".my-line .leave")).toContainText("请假待批准");

  await goto(secretary, `/meetings/${meeting}`);
  const row = secretary.locator(`li[data-user="${userId(MEMBER)}"]`);
  await expect(row.locator(".leave")).toContainText("请假待批准");
  await expect(row).toContainText("感冒发烧");
  await row.getByRole("button", { name: "批准" }).click();
  await expect(row).toHaveAttribute("data-presence", "leave");
  await expect(row.locator(".presence")).toHaveText("请假");
  await expect(secretary.locator('[data-total="leave"] strong')).toHaveText("1");
  await secretary.screenshot({ path: "test-results/attendance-leave.png", fullPage: true });

  await goto(member, `/meetings/${meeting}`);
  await expect(member.locator(".my-line .presence")).toHaveText("请假");
  await expect(member.locator(".my-line .leave")).toContainText("请假已批准");
  expect(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'approve_leave' AND target LIKE '${meeting}/%'`)).toBe("1");
});

test("a correction shows as 补录 with its reason, and a photo of the sheet is kept without EXIF", async ({ browser }) => {
  const MEMBER = "13800000012";
  const secretary = await phone(browser, SECRETARY_1);
  const title = `主题党日补录${Date.now() % 100000}`;
  const meeting = await scheduleAndOpen(secretary, title, -30, 30);

  const row = secretary.locator(`li[data-user="${userId(MEMBER)}"]`);
  await expect(row).toHaveAttribute("data-presence", "awaiting");
  await row.getByText("补录", { exact: true }).first().click();
  await row.getByLabel("补录原因").fill("手机没电，纸质签到表上有本人签名");
  await row.getByRole("button", { name: "补录" }).click();
  await expect(row).toHaveAttribute("data-presence", "corrected");
  await expect(row.locator(".presence")).toHaveText("补录");
  await expect(row.locator(".correction")).toContainText("手机没电，纸质签到表上有本人签名");
  await expect(secretary.locator('[data-total="corrected"] strong')).toHaveText("1");
  expect(
    sql(`SELECT detail FROM audit_log WHERE action = 'correct_attendance' AND target = '${meeting}/${userId(MEMBER)}'`),
  ).toBe("手机没电，纸质签到表上有本人签名");

  // The scanned paper sheet, through the outbox.
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4IaCHFTEMLQkAvr9BgQuV42AAAAAASUVORK5CYII=",
    "base64",
  );
  await secretary.locator('input[name="sheet"]').setInputFiles({ name: "sheet.png", mimeType: "image/png", buffer: png });
  await expect
    .poll(() => sql(`SELECT kind || ' ' || width || 'x' || height FROM meeting_files WHERE meeting_id = '${meeting}'`), {
      timeout: 15_000,
    })
    .toBe("sheet 8x8");
  await goto(secretary, `/meetings/${meeting}`);
  const image = secretary.locator('.photos a[data-kind="sheet"] img');
  await expect(image).toBeVisible();
  // Laid out before its bytes arrive: the width is the decoded photo's once it has loaded.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(8);
  await secretary.screenshot({ path: "test-results/attendance-correction.png", fullPage: true });

  const member = await phone(browser, MEMBER);
  await goto(member, "/meetings");
  await expect(member.locator(".meeting").filter({ hasText: title }).locator(".presence")).toHaveText("补录");
  await goto(member, `/meetings/${meeting}`);
  await expect(member.locator('.photos a[data-kind="sheet"] img')).toBeVisible();
  await expect(member.locator(".sheet")).toHaveCount(0);
});
