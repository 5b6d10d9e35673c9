import { Browser, expect, Page } from "@playwright/test";
import {
  ADMIN,
  goOffline,
  goOnline,
  goto,
  login,
  MEMBER_1,
  newPhone,
  SECRETARY_1,
  sql,
  test,
} from "./helpers";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4IaCHFTEMLQkAvr9BgQuV42AAAAAASUVORK5CYII=",
  "base64",
);

async function phone(browser: Browser, number: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, number);
  return page;
}

/** Marks every item of the form: basics pass (1) or fail (0), then each task's points. */
async function mark(page: Page, basics: number[], tasks: number[], highlights: number, comment: string) {
  const form = page.getByTestId("assessment-form");
  for (const [i, pass] of basics.entries()) {
    await form.locator(`[data-item="b${i}"]`).locator(".verdict").getByLabel(pass ? "达标" : "未达标", { exact: true }).check();
  }
  for (const [i, points] of tasks.entries()) {
    await form.locator(`[data-item="f${i}"] input[type="number"]`).fill(String(points));
  }
  await form.locator('[data-item="h"] input[type="number"]').fill(String(highlights));
  await form.locator("textarea[name=comment]").fill(comment);
}

test("the 党委 rates a branch and sees it move group", async ({ browser }) => {
  const admin = await phone(browser, ADMIN);
  await goto(admin, "/");
  await admin.getByRole("link", { name: "星级评定" }).click();
  await expect(admin).toHaveURL(/\/admin\/stars$/);
  const card = admin.locator(".standing").filter({ hasText: "幸福里社区第二党支部" });
  await card.getByRole("link").click();
  await expect(admin).toHaveURL(/\/branch\/.+\/stars\?year=\d+$/);
  await expect(admin.getByTestId("records")).toContainText("党小组 1 个");

  // 基本活动 fails: four stars whatever the tasks earn, a 转化 branch.
  await mark(admin, [1, 1, 1, 0, 1], [25, 20, 25, 20, 10], 10, "主题党日有两个月没开");
  await admin.getByRole("button", { name: "提交评定" }).click();
  const current = admin.getByTestId("current-rating");
  await expect(current.locator(".stars").first()).toHaveAttribute("data-stars", "4");
  await expect(current).toContainText("未达标：基本活动");
  await expect(current.locator("[data-tier]").first()).toHaveText("转化");

  await admin.getByRole("link", { name: "‹ 返回" }).click();
  await goto(admin, "/admin/stars");
  await expect(card).toHaveAttribute("data-tier", "transforming");
  await expect(card).toContainText("未达标：基本活动");

  // Rated again once the meetings are made up: all five and 60 points, 8 stars, a 头雁.
  await card.getByRole("link").click();
  await mark(admin, [1, 1, 1, 1, 1], [20, 10, 20, 10, 0], 0, "已整改");
  await admin.getByRole("button", { name: "提交评定" }).click();
  await expect(current.locator(".stars").first()).toHaveAttribute("data-stars", "8");
  await expect(current).toContainText("坚强堡垒");
  // Both ratings stay in the history (a rerun on the same database keeps earlier ones too).
  await expect.poll(() => admin.locator(".history li[data-kind=rating]").count()).toBeGreaterThanOrEqual(2);
  await admin.screenshot({ path: "test-results/stars-branch.png", fullPage: true });
  await goto(admin, "/admin/stars");
  await expect(card).toHaveAttribute("data-tier", "leading");
  await expect(card.locator("[data-tier]")).toHaveText("头雁");
  await admin.screenshot({ path: "test-results/stars-committee.png", fullPage: true });
});

test("a secretary assesses the branch with its records beside the items; a member sees none of it", async ({ browser }) => {
  const secretary = await phone(browser, SECRETARY_1);
  await goto(secretary, "/");
  await secretary.locator(".desk").getByRole("link", { name: "星级评定" }).click();
  await expect(secretary).toHaveURL(/\/branch\/.+\/stars$/);
  const path = new URL(secretary.url()).pathname;
  await expect(secretary.getByTestId("records")).toContainText("党小组 2 个");
  await expect(secretary.getByTestId("activities")).toContainText("三会一课");
  const form = secretary.getByTestId("assessment-form");
  await expect(form).toHaveAttribute("data-kind", "self");
  await expect(secretary.getByRole("button", { name: "提交评定" })).toHaveCount(0);

  // An item left unmarked is named by the browser; one over its maximum by the server.
  await mark(secretary, [1, 1, 1, 1, 1], [30, 20, 25, 20, 10], 5, "");
  await form.locator('[data-item="f0"] input[type="number"]').evaluate((input: HTMLInputElement) => input.removeAttribute("max"));
  await secretary.getByRole("button", { name: "提交自评" }).click();
  await expect(form.getByRole("alert")).toContainText("特色项不超过该项分值");
  await form.locator('[data-item="f0"] input[type="number"]').fill("25");
  await form.locator('[data-item="b3"]').getByLabel("佐证说明").fill("全年主题党日 12 次，见会议记录");
  await secretary.getByRole("button", { name: "提交自评" }).click();
  const current = secretary.getByTestId("current-rating");
  await expect(current.locator(".stars").last()).toHaveAttribute("data-stars", "10");
  await secretary.screenshot({ path: "test-results/stars-self.png", fullPage: true });

  const member = await phone(browser, MEMBER_1);
  await goto(member, path);
  await expect(member.getByRole("alert")).toBeVisible();
  await expect(member.getByTestId("current-rating")).toHaveCount(0);
});

test("a secretary keeps a photo of evidence with no signal, and the 党委 sees it", async ({ browser }) => {
  const context = await newPhone(browser);
  const secretary = await context.newPage();
  await login(secretary, SECRETARY_1);
  await goto(secretary, "/");
  await secretary.locator(".desk").getByRole("link", { name: "星级评定" }).click();
  await expect(secretary).toHaveURL(/\/branch\/.+\/stars$/);
  const path = new URL(secretary.url()).pathname;
  const branch = path.split("/")[2];
  const stored = () => sql(`SELECT COUNT(*) FROM star_photos WHERE branch_id = '${branch}' AND item = 'support'`);
  const before = stored();
  const evidence = secretary.getByTestId("evidence");
  const support = evidence.locator('[data-item="support"]');

  // Words typed into the 自评 are still there once the photo has synced.
  const note = secretary.getByTestId("assessment-form").locator('[data-item="b4"]').getByLabel("佐证说明");
  await note.fill("党员活动室照片见佐证");

  await goOffline(context);
  await evidence.getByLabel("照片佐证哪一项").selectOption({ label: "基本保障" });
  await evidence.locator('input[name="evidence"]').setInputFiles({ name: "activity-room.png", mimeType: "image/png", buffer: PNG });
  await expect(support.locator("figure.waiting")).toHaveCount(1);
  await expect(evidence.getByRole("status")).toContainText("联网后上传");
  await secretary.screenshot({ path: "test-results/stars-evidence-offline.png", fullPage: true });
  expect(stored()).toBe(before);

  await goOnline(context);
  await expect(support.locator("figure.waiting")).toHaveCount(0, { timeout: 20_000 });
  expect(Number(stored())).toBe(Number(before) + 1);
  const kept = support.locator("a img").last();
  await kept.scrollIntoViewIfNeeded(); // loaded lazily
  await expect.poll(() => kept.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(note).toHaveValue("党员活动室照片见佐证");

  const admin = await phone(browser, ADMIN);
  await goto(admin, path);
  const seen = admin.getByTestId("evidence").locator('[data-item="support"] a img').last();
  await seen.scrollIntoViewIfNeeded();
  await expect.poll(() => seen.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await admin.screenshot({ path: "test-results/stars-evidence.png", fullPage: true });
});
