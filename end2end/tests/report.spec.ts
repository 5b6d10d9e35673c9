import { expect } from "@playwright/test";
import { goto, login, MEMBER_1, RESIDENT, sql, test } from "./helpers";

test("a party member reports to a community and can change it; a resident is not asked", async ({ page, browser }) => {
  await login(page, MEMBER_1);
  await goto(page, "/me");
  const card = page.locator(".report");
  // Only communities paired with the member's branch are offered.
  await expect(card.getByLabel("所在社区").locator("option")).toHaveText(["幸福里社区"]);
  // Paired with a second community, the branch's members may report there instead.
  sql(`INSERT INTO branch_communities (branch_id, community_id, created_at)
       SELECT o.id, c.id, 0 FROM orgs o, communities c
       WHERE o.name = '幸福里社区第一党支部' AND c.name = '和平路社区'
       AND NOT EXISTS (SELECT 1 FROM branch_communities bc WHERE bc.branch_id = o.id AND bc.community_id = c.id)`);
  await goto(page, "/me");
  await card.getByLabel("所在社区").selectOption({ label: "和平路社区" });
  await card.getByRole("button", { name: "报到" }).click();
  await expect(card.getByTestId("reported")).toHaveText("已报到：和平路社区");
  await card.getByLabel("所在社区").selectOption({ label: "幸福里社区" });
  await card.getByRole("button", { name: "报到" }).click();
  await expect(card.getByTestId("reported")).toHaveText("已报到：幸福里社区");
  expect(
    sql(`SELECT c.name FROM users u JOIN communities c ON c.id = u.community_id WHERE u.phone = '${MEMBER_1}'`),
  ).toBe("幸福里社区");
  sql(`DELETE FROM branch_communities WHERE community_id = (SELECT id FROM communities WHERE name = '和平路社区')
       AND branch_id = (SELECT id FROM orgs WHERE name = '幸福里社区第一党支部')`);

  const resident = await (await browser.newContext()).newPage();
  await login(resident, RESIDENT);
  await goto(resident, "/me");
  await expect(resident.locator(".profile")).toBeVisible();
  await expect(resident.locator(".report")).toHaveCount(0);
});
