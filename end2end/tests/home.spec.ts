import { Browser, expect, Page } from "@playwright/test";
import { checkinCode, goto, login, scheduleMeeting, SECRETARY_1, slotNow, sql, test } from "./helpers";

async function phone(browser: Browser, number: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, number);
  return page;
}

test("a member's home leads to the meeting that is on and checks in there", async ({ browser }) => {
  const secretary = await phone(browser, SECRETARY_1);
  const title = `今天的主题党日${Date.now() % 100000}`;
  // Begun before any other test's meeting, so it is the member's next one whatever ran first.
  const meeting = await scheduleMeeting(secretary, title, -45, 60);
  const member = await phone(browser, "13800000015");
  await goto(member, "/");
  const next = member.locator(".next-meeting");
  await expect(next).toContainText(title);
  await member.screenshot({ path: "test-results/home-member.png", fullPage: true });
  await next.getByRole("link", { name: "现在签到" }).click();
  await expect(member).toHaveURL(new RegExp(`/checkin/${meeting}$`));
  await member.getByLabel("输入屏幕上的 6 位签到码").fill(checkinCode(meeting, slotNow()));
  await member.getByRole("button", { name: "签到", exact: true }).click();
  await expect(member.locator(".checked-in")).toContainText("已签到", { timeout: 20_000 });
  // Home no longer offers this meeting's check-in (another meeting still open may come
  // first now); the meetings tab shows the line.
  await goto(member, "/");
  await expect(member.locator(".next-meeting").filter({ hasText: title }).getByRole("link", { name: "现在签到" })).toHaveCount(0);
  await goto(member, "/meetings");
  await expect(member.locator(".meeting").filter({ hasText: title }).locator(".presence")).toHaveText("迟到");
});

test("a secretary's home counts the queues; a refusal's missing reason shows beside the item", async ({ browser }) => {
  const member = await phone(browser, "13800000016");
  await goto(member, "/points");
  const note = `打扫楼道${Date.now() % 100000}`;
  const form = member.locator("details.claim");
  await form.locator("summary").click();
  await form.getByLabel("积分项目").selectOption({ label: "社区志愿服务（每次） +2 （每月最多 10 分）" });
  await form.getByLabel("说明").fill(note);
  await form.getByRole("button", { name: "申报积分" }).click();
  await expect.poll(() => sql(`SELECT COUNT(*) FROM point_claims WHERE note = '${note}'`), { timeout: 15_000 }).toBe("1");

  const secretary = await phone(browser, SECRETARY_1);
  await goto(secretary, "/");
  const tile = secretary.locator('.desk [data-queue="points"]');
  await expect(tile.locator("strong")).not.toHaveText("0");
  await secretary.screenshot({ path: "test-results/home-secretary.png", fullPage: true });
  await tile.click();
  await expect(secretary).toHaveURL(/\/branch\/.+\/points$/);
  // The export's dates say what they are.
  await expect(secretary.getByLabel("开始日期（空：今年）")).toBeVisible();
  await expect(secretary.getByLabel("结束日期")).toBeVisible();

  const item = secretary.locator(".queue-item").filter({ hasText: note });
  await item.locator("summary", { hasText: "不批准" }).click();
  await item.locator("form").getByRole("button", { name: "不批准" }).click();
  await expect(item.getByRole("alert")).toHaveText("请填写原因（不超过 200 字）");
  await expect(secretary.locator(".queue-item").getByRole("alert")).toHaveCount(1);
  await item.getByLabel("不通过的原因").fill("请附上活动照片");
  await item.locator("form").getByRole("button", { name: "不批准" }).click();
  await expect(secretary.locator(".queue-item").filter({ hasText: note })).toHaveCount(0, { timeout: 15_000 });
});

test("the wish form keeps its limits in the fields and its errors beside them", async ({ page }) => {
  await login(page, "13900000003");
  await goto(page, "/wishes");
  await page.getByRole("button", { name: "发布微心愿" }).click();
  const title = page.locator('input[name="title"]');
  await expect(title).toHaveAttribute("maxlength", "40");
  await expect(page.locator('textarea[name="story"]')).toHaveAttribute("maxlength", "1000");
  await page.getByRole("button", { name: "提交审核" }).click();
  // The error sits right under the title, not at the foot of the form.
  const titleError = page.locator('label:has(input[name="title"]) + .error');
  await expect(titleError).toBeVisible();
  await expect(page.locator(".post-wish .error")).toHaveCount(1);
});
