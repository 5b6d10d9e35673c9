import { Browser, expect, Locator, Page } from "@playwright/test";
import {
  controlledByServiceWorker,
  expectWorkerCutOff,
  goOffline,
  goOnline,
  goto,
  hydrated,
  login,
  newPhone,
  RESIDENT,
  SECRETARY_1,
  sql,
  test,
} from "./helpers";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4IaCHFTEMLQkAvr9BgQuV42AAAAAASUVORK5CYII=",
  "base64",
);
// Members of the first branch, reported to 幸福里社区 by the demo data.
const MEMBER_A = "13800000008";
const MEMBER_B = "13800000009";
const COUNTS = ["published", "claimed", "fulfilled", "crowd-published", "crowd-fulfilled"] as const;

async function phone(browser: Browser, number: string): Promise<Page> {
  const page = await (await newPhone(browser)).newPage();
  await login(page, number);
  return page;
}

async function counts(page: Page): Promise<Record<string, number>> {
  await goto(page, "/wishes");
  const result: Record<string, number> = {};
  for (const key of COUNTS) {
    result[key] = Number(await page.locator(`[data-count="${key}"] strong`).textContent());
  }
  return result;
}

function balance(number: string): number {
  return Number(
    sql(`SELECT COALESCE(SUM(e.points), 0) FROM point_entries e JOIN users u ON u.id = e.user_id WHERE u.phone = '${number}'`),
  );
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

async function openWish(page: Page, title: string) {
  await goto(page, "/wishes");
  await page.locator(".wish-link", { hasText: title }).click();
  await expect(page.locator(".wish-detail h2")).toHaveText(title);
}

async function fulfil(page: Page, note: string) {
  const mine = page.locator("li.pledge.mine");
  await mine.getByLabel("完成情况").fill(note);
  await mine.locator('input[name="proof_photos"]').setInputFiles({ name: "proof.png", mimeType: "image/png", buffer: PNG });
  await mine.getByRole("button", { name: "标记完成" }).click();
  await expect(page.locator("li.pledge.mine")).toHaveAttribute("data-status", "done", { timeout: 20_000 });
}

async function confirmPart(pledge: Locator, thanks: string) {
  await pledge.getByLabel("说声谢谢（可选）").fill(thanks);
  await pledge.getByRole("button", { name: "确认完成" }).click();
}

test("a resident's crowdfunded wish is reviewed, pledged in two parts (one offline), fulfilled with photos and confirmed; points and counts rise", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const run = Date.now() % 100000;
  const title = `募集 20 套校服 ${run}`;
  const a = await phone(browser, MEMBER_A);
  const before = await counts(a);
  const [aPoints, bPoints] = [balance(MEMBER_A), balance(MEMBER_B)];

  // The resident posts it with a photo and a target of 20 套.
  const resident = await phone(browser, RESIDENT);
  await goto(resident, "/wishes");
  await resident.getByRole("button", { name: "发布微心愿" }).click();
  const form = resident.locator(".post-wish form");
  await form.getByLabel("心愿标题").fill(title);
  await form.getByLabel("心愿详情").fill("社区小学有 20 名困难家庭的孩子需要冬季校服。");
  await form.getByLabel("心愿类别").selectOption({ label: "助学" });
  await form.getByLabel("需要日期").fill(inDays(20));
  await form.getByLabel("数量").fill("20");
  await form.getByLabel("单位").fill("套");
  await form.getByLabel("联系地址").fill("幸福里小区 5 栋 1 单元 302");
  await form.locator('input[name="photos"]').setInputFiles({ name: "uniform.png", mimeType: "image/png", buffer: PNG });
  await form.getByRole("button", { name: "提交审核" }).click();
  await expect(form.getByRole("status")).toContainText("已提交");
  const mine = resident.locator(".my-wishes li.mine", { hasText: title });
  await expect(mine.locator(".wish-status")).toHaveText("待审核", { timeout: 20_000 });

  // The paired branch's secretary approves it to the wall.
  const secretary = await phone(browser, SECRETARY_1);
  await goto(secretary, "/review/wishes");
  const item = secretary.locator(".review-item", { hasText: title });
  await expect(item).toContainText("幸福里小区 5 栋 1 单元 302");
  await expect(item.locator("img")).toBeVisible();
  await item.getByRole("button", { name: "通过，发布到心愿墙" }).click();
  await expect(item).toHaveCount(0);

  // Member A pledges 12 online and then sees the resident's contact.
  await openWish(a, title);
  await expect(a.getByTestId("contact")).toHaveCount(0);
  await expect(a.locator(".wish-detail img")).toBeVisible();
  await a.getByLabel("认领数量").fill("12");
  await a.getByRole("button", { name: "我来认领" }).click();
  await expect(a.locator("li.pledge.mine")).toHaveAttribute("data-status", "active", { timeout: 20_000 });
  await expect(a.getByTestId("contact")).toContainText("幸福里小区 5 栋 1 单元 302");
  await expect(a.locator(".wish-progress")).toContainText("12/20 套");

  // Member B opens the wish with signal, loses it, still reads it with its photo, and
  // pledges the other 8 there: queued, synced once back online.
  const b = await phone(browser, MEMBER_B);
  await goto(b, "/wishes");
  await controlledByServiceWorker(b);
  await openWish(b, title);
  await goto(b, new URL(b.url()).pathname);
  await expect.poll(() => b.locator(".wish-detail img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await goOffline(b.context());
  await expectWorkerCutOff(b.context());
  await b.reload();
  await hydrated(b);
  await expect(b.locator(".wish-detail .freshness")).toContainText("更新于");
  await expect.poll(() => b.locator(".wish-detail img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await b.getByLabel("认领数量").fill("8");
  await b.getByRole("button", { name: "我来认领" }).click();
  await expect(b.getByTestId("outbox-count")).toHaveText("1");
  expect(sql(`SELECT COUNT(*) FROM wish_pledges p JOIN wishes w ON w.id = p.wish_id WHERE w.title = '${title}'`)).toBe("1");
  await goOnline(b.context());
  await expect(b.getByTestId("outbox-count")).toHaveCount(0, { timeout: 20_000 });
  await expect(b.locator("li.pledge.mine")).toHaveAttribute("data-status", "active", { timeout: 20_000 });
  await expect(b.locator(".wish-detail .wish-status")).toHaveText("已认领");

  // Both hand in their part with a photo; A finds the wish under 我认领的心愿.
  await goto(a, "/wishes");
  await a.locator(".my-pledges a", { hasText: title }).click();
  await expect(a.locator(".wish-detail h2")).toHaveText(title);
  await fulfil(a, "12 套校服已送到学校");
  await fulfil(b, "8 套校服已交给社区");
  await expect(b.locator("li.pledge img")).toHaveCount(2);
  await expect(b.locator(".wish-detail .wish-status")).toHaveText("已完成", { timeout: 20_000 });

  // The resident sees two parts waiting, confirms both and thanks them.
  await goto(resident, "/wishes");
  await expect(resident.locator(".my-wishes li.mine", { hasText: title }).locator(".awaiting")).toContainText("待你确认 2");
  await openWish(resident, title);
  const parts = resident.locator("li.pledge");
  await expect(parts).toHaveCount(2);
  await confirmPart(parts.nth(0), "谢谢你们，孩子们很高兴！");
  await expect(parts.nth(0)).toHaveAttribute("data-status", "confirmed", { timeout: 20_000 });
  await confirmPart(parts.nth(1), "谢谢！");
  await expect(parts.nth(1)).toHaveAttribute("data-status", "confirmed", { timeout: 20_000 });
  await expect(resident.locator(".wish-detail .wish-status")).toHaveText("已确认");
  await expect(parts.nth(0).locator(".thanks")).toContainText("孩子们很高兴");

  // The claimers' points rose (the branch's 完成微心愿 rule), and A's ledger says why.
  expect(balance(MEMBER_A)).toBe(aPoints + 5);
  expect(balance(MEMBER_B)).toBe(bPoints + 5);
  await goto(a, "/points");
  await expect(a.locator(".entry", { hasText: title })).toContainText("+5");

  // The community's counts moved by one each.
  const after = await counts(a);
  for (const key of COUNTS) {
    expect(after[key], key).toBe(before[key] + 1);
  }
});

test("a wish read offline and pledged there loses the last part to a member online and says so plainly", async ({
  browser,
}) => {
  const run = Date.now() % 100000;
  const title = `借一把梯子 ${run}`;
  // A reviewed ordinary wish of 钱大爷 on 幸福里's wall.
  sql(`INSERT INTO wishes (id, community_id, poster_id, title, story, category, needed_by, target, contact_name,
         contact_phone, contact_address, status, branch_id, published_at, created_at)
       SELECT lower(hex(randomblob(16))), c.id, u.id, '${title}', '换楼道灯泡要用', 'living', unixepoch() + 864000, 1,
         u.name, u.phone, '幸福里小区 2 栋', 'published', bc.branch_id, unixepoch(), unixepoch()
       FROM communities c JOIN branch_communities bc ON bc.community_id = c.id JOIN users u ON u.phone = '13900000002'
       WHERE c.name = '幸福里社区' LIMIT 1`);

  // C reads the wall and the wish with signal, then loses it and still reads them.
  const c = await phone(browser, "13800000010");
  await goto(c, "/wishes");
  await controlledByServiceWorker(c);
  await openWish(c, title);
  // Loaded as a page once (not only through the app's links), so the worker keeps a copy.
  await goto(c, new URL(c.url()).pathname);
  await goOffline(c.context());
  await expectWorkerCutOff(c.context());
  await c.reload();
  await hydrated(c);
  await expect(c.locator(".wish-detail h2")).toHaveText(title);
  await expect(c.locator(".wish-detail .freshness")).toContainText("更新于");
  await c.getByRole("button", { name: "我来认领" }).click();
  await expect(c.getByTestId("outbox-count")).toHaveText("1");
  await expect(c.locator(".wish-outbox")).toContainText("待同步");

  // D takes it online first.
  const d = await phone(browser, "13800000011");
  await openWish(d, title);
  await d.getByRole("button", { name: "我来认领" }).click();
  await expect(d.locator("li.pledge.mine")).toHaveAttribute("data-status", "active", { timeout: 20_000 });

  // C's pledge reaches the server second: refused, and the page says why.
  await goOnline(c.context());
  await expect(c.locator(".wish-outbox")).toContainText("手慢了一步", { timeout: 20_000 });
  await expect(c.locator(".wish-detail .wish-status")).toHaveText("已认领");
  await expect(c.locator("li.pledge.mine")).toHaveCount(0);
  expect(sql(`SELECT COUNT(*) FROM wish_pledges p JOIN wishes w ON w.id = p.wish_id WHERE w.title = '${title}'`)).toBe("1");
});
