import { expect } from "@playwright/test";
import { freshPhone, goto, hydrated, login, MEMBER_1, SECRETARY_1, test } from "./helpers";

test("a secretary invites and a new member joins the branch", async ({ browser }) => {
  const secretary = await browser.newPage();
  await login(secretary, SECRETARY_1);
  await secretary.getByRole("link", { name: "邀请党员" }).click();
  await hydrated(secretary);
  await secretary.getByRole("button", { name: "生成邀请码" }).click();
  const link = secretary.locator(".new-invite a.invite-link");
  await expect(link).toBeVisible();
  const href = (await link.getAttribute("href"))!;
  expect(href).toMatch(/^\/join\/[2-9A-Z]{8}$/);
  await secretary.screenshot({ path: "test-results/invite.png" });

  const context = await browser.newContext();
  const member = await context.newPage();
  const phone = freshPhone("135");
  await goto(member, href);
  await expect(member.getByText("你被邀请加入")).toBeVisible();
  await expect(member.locator(".branch-name")).toHaveText("幸福里社区第一党支部");
  await member.getByLabel("姓名").fill("新来的党员");
  await member.getByLabel("手机号").fill(phone);
  await member.getByLabel("密码").fill("member2024");
  await member.getByRole("button", { name: "加入支部" }).click();
  await member.waitForURL("/");
  await hydrated(member);
  await expect(member.locator(".branch-name")).toHaveText("幸福里社区第一党支部");

  await goto(secretary, "/");
  await secretary.getByRole("link", { name: "党员名册" }).click();
  await hydrated(secretary);
  await expect(secretary.locator(".member-list")).toContainText("新来的党员");
  await expect(secretary.locator(".member-list")).toContainText(phone);
  await context.close();
});

test("a member is refused the secretary's page and server function", async ({ browser }) => {
  const secretary = await browser.newPage();
  await login(secretary, SECRETARY_1);
  const membersHref = (await secretary.getByRole("link", { name: "党员名册" }).getAttribute("href"))!;
  const branchId = membersHref.split("/")[2];

  const context = await browser.newContext();
  const member = await context.newPage();
  await login(member, MEMBER_1);
  await expect(member.getByRole("heading", { name: "书记工作台" })).toHaveCount(0);
  await goto(member, membersHref);
  await expect(member.getByRole("alert")).toContainText("无权访问");
  await expect(member.locator(".member-list")).toHaveCount(0);
  await member.screenshot({ path: "test-results/forbidden.png" });

  const reply = await member.request.post("/api/create_invite", {
    form: { branch_id: branchId, valid_days: "7" },
    headers: { Accept: "application/json" },
  });
  expect(reply.ok()).toBeFalsy();
  expect(await reply.text()).toContain("Forbidden");
  await goto(member, `/branch/${branchId}/invites`);
  await expect(member.getByRole("alert").first()).toContainText("无权访问");
  await context.close();
});

test("an unknown invite code explains itself", async ({ page }) => {
  await goto(page, "/join/ZZZZZZZZ");
  await expect(page.getByRole("alert")).toHaveText("邀请码不存在，请核对后重试");
});
