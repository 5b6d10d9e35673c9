import { expect, test } from "@playwright/test";
import { goto, login, MEMBER_1, RESIDENT, sql } from "./helpers";

test("a party member reports to a community and can change it; a resident is not asked", async ({ page, browser }) => {
  await login(page, MEMBER_1);
  await goto(page, "/me");
  const card = page.locator(".report");
  await card.getByLabel("所在社区").selectOption({ label: "和平路社区" });
  await card.getByRole("button", { name: "报到" }).click();
  await expect(card.getByTestId("reported")).toHaveText("已报到：和平路社区");
  await card.getByLabel("所在社区").selectOption({ label: "幸福里社区" });
  await card.getByRole("button", { name: "报到" }).click();
  await expect(card.getByTestId("reported")).toHaveText("已报到：幸福里社区");
  expect(
    sql(`SELECT c.name FROM users u JOIN communities c ON c.id = u.community_id WHERE u.phone = '${MEMBER_1}'`),
  ).toBe("幸福里社区");

  const resident = await (await browser.newContext()).newPage();
  await login(resident, RESIDENT);
  await goto(resident, "/me");
  await expect(resident.locator(".profile")).toBeVisible();
  await expect(resident.locator(".report")).toHaveCount(0);
});
