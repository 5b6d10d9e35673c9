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
  sql,
  test,
} from "./helpers";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4IaCHFTEMLQkAvr9BgQuV42AAAAAASUVORK5CYII=",
  "base64",
);

/** A datetime-local value in Shanghai time, `days` from now. */
function shanghaiIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 16);
}

async function phone(browser: Browser, number: string): Promise<Page> {
  const page = await (await newPhone(browser)).newPage();
  await login(page, number);
  return page;
}

async function claimPoints(page: Page, rule: string, note: string) {
  const form = page.locator("details.claim");
  if (!(await form.evaluate((details: HTMLDetailsElement) => details.open))) {
    await form.locator("summary").click();
  }
  await form.getByLabel("积分项目").selectOption({ label: rule });
  await form.getByLabel("说明").fill(note);
  await form.getByRole("button", { name: "申报积分" }).click();
  await expect(form.getByRole("status")).toContainText("已提交");
  // Synced before the next one (the page redraws when it lands).
  await expect.poll(() => sql(`SELECT COUNT(*) FROM point_claims WHERE note = '${note}'`), { timeout: 15_000 }).toBe("1");
}

test("a task handed in offline and two claims are approved in one batch; a refusal shows its reason", async ({
  browser,
}) => {
  const MEMBER = "13800000014";
  const branch = sql("SELECT id FROM orgs WHERE name LIKE '%第一党支部'");
  const secretary = await phone(browser, SECRETARY_1);
  await goto(secretary, `/branch/${branch}/points`);
  const run = Date.now() % 100000;
  const title = `打扫活动室${run}`;
  await secretary.locator("summary", { hasText: "发布积分任务" }).click();
  await secretary.getByLabel("任务名称").fill(title);
  await secretary.getByLabel("任务说明").fill("周六上午九点，带好抹布");
  await secretary.getByLabel("积分", { exact: true }).fill("4");
  await secretary.getByLabel("名额").fill("5");
  await secretary.getByLabel("截止").fill(shanghaiIn(3));
  await secretary.getByRole("button", { name: "发布积分任务" }).click();
  await expect(secretary.getByRole("status")).toContainText("已保存");

  const member = await phone(browser, MEMBER);
  await goto(member, "/points");
  const before = Number(await member.locator('[data-total="balance"] strong').textContent());
  const task = member.locator(".task").filter({ hasText: title });
  await task.getByRole("button", { name: "报名" }).click();
  await expect(task.locator(".task-status")).toHaveText("已报名", { timeout: 15_000 });

  // Handed in with a photo while offline: queued, then synced once back online.
  await controlledByServiceWorker(member);
  await goOffline(member.context());
  await expectWorkerCutOff(member.context());
  await task.getByLabel("说明").fill("活动室已打扫干净");
  await task.locator('input[name="photos"]').setInputFiles({ name: "done.png", mimeType: "image/png", buffer: PNG });
  await task.getByRole("button", { name: "提交完成情况" }).click();
  await expect(member.getByTestId("outbox-count")).toHaveText("1");
  expect(sql(`SELECT COUNT(*) FROM task_entries e JOIN point_tasks t ON t.id = e.task_id WHERE t.title = '${title}' AND e.status = 'submitted'`)).toBe("0");
  await goOnline(member.context());
  await expect(member.getByTestId("outbox-count")).toHaveCount(0, { timeout: 20_000 });

  await claimPoints(member, "参加理论学习 +1 （每月最多 5 分）", `参加支部读书会#${run}`);
  await claimPoints(member, "社区志愿服务（每次） +2 （每月最多 10 分）", `防诈骗宣传#${run}`);
  await claimPoints(member, "先锋模范事迹 +5 （每年最多 20 分）", `顺手扶了老人过马路#${run}`);

  await goto(secretary, `/branch/${branch}/points`);
  await expect(secretary.locator(".queue-item").filter({ hasText: title })).toBeVisible();
  await expect(secretary.locator(".queue-item").filter({ hasText: title }).locator("img")).toBeVisible();
  // The 先锋 claim is refused with a reason; the other three go in one batch.
  const vanguard = secretary.locator(".queue-item").filter({ hasText: `顺手扶了老人过马路#${run}` });
  await vanguard.locator("summary", { hasText: "不批准" }).click();
  await vanguard.getByLabel("不通过的原因").fill("请补充具体时间地点");
  await vanguard.getByRole("button", { name: "不批准" }).click();
  await expect(vanguard).toHaveCount(0);
  for (const text of [title, `参加支部读书会#${run}`, `防诈骗宣传#${run}`]) {
    await secretary.locator(".queue-item").filter({ hasText: text }).getByRole("checkbox").check();
  }
  await expect(secretary.getByRole("button", { name: /批准所选 \(3\)/ })).toBeEnabled();
  await secretary.screenshot({ path: "test-results/points-queue.png", fullPage: true });
  await secretary.getByRole("button", { name: /批准所选/ }).click();
  for (const text of [title, `参加支部读书会#${run}`, `防诈骗宣传#${run}`]) {
    await expect(secretary.locator(".queue-item").filter({ hasText: text })).toHaveCount(0);
  }

  await goto(member, "/points");
  await expect(member.locator('[data-total="balance"] strong')).toHaveText(String(before + 4 + 1 + 2));
  await expect(member.locator('[data-total="rank"] strong')).toHaveText(/^\d+$/);
  await expect(member.locator(".request").filter({ hasText: "先锋模范事迹" }).locator(".reject-reason").first()).toHaveText(
    "请补充具体时间地点",
  );
  await expect(member.locator(".board-rows li.me, .my-place")).toHaveCount(1);
  await member.screenshot({ path: "test-results/points-member.png", fullPage: true });

  // The ledger export has the three new entries.
  const csv = await secretary.evaluate(async (url) => (await fetch(url)).text(), `/branch/${branch}/points.csv`);
  const theirs = csv.split("\r\n").filter((line) => /^\d{4}-/.test(line));
  expect(theirs.some((line) => line.includes(`,${title},`) && line.includes(",4,积分任务,"))).toBe(true);
  expect(theirs.some((line) => line.includes(",参加理论学习,学习,1,申报,"))).toBe(true);
  expect(theirs.some((line) => line.includes(",社区志愿服务（每次）,志愿服务,2,申报,"))).toBe(true);
  // A correction from the rules page: a reversing entry with its reason.
  await goto(secretary, `/branch/${branch}/points/rules`);
  const entry = secretary.locator(".recent-entries .entry").filter({ hasText: "参加理论学习" }).first();
  await entry.locator("summary", { hasText: "更正" }).click();
  await entry.getByLabel("补录原因").fill(`重复申报#${run}`);
  await entry.getByRole("button", { name: "更正（冲销）" }).click();
  await expect(secretary.locator(".recent-entries .entry").filter({ hasText: `重复申报#${run}` })).toHaveCount(1);
  await secretary.screenshot({ path: "test-results/points-rules.png", fullPage: true });
  await goto(member, "/points");
  await expect(member.locator('[data-total="balance"] strong')).toHaveText(String(before + 4 + 2));

  // fetch() drops the BOM that the file carries for Excel.
  expect(csv.replace(/^\uFEFF/, "")).toMatch(/^时间,姓名,项目,类别,积分,来源,说明\r\n/);
});
