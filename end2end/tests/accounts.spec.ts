import { expect } from "@playwright/test";
import { expectLoggedOut, freshPhone, goto, hydrated, login, SECRETARY_1, test } from "./helpers";

test("a resident registers, logs out and logs back in", async ({ page }) => {
  const phone = freshPhone("139");
  await goto(page, "/register");
  await page.getByLabel("手机号").fill(phone);
  await page.getByLabel("姓名").fill("测试居民");
  await page.getByLabel("密码").fill("resident2024");
  await page.getByLabel("所在社区").selectOption({ label: "幸福里社区" });
  await page.getByRole("button", { name: "注册" }).click();

  await page.waitForURL("/");
  await hydrated(page);
  await expect(page.getByText("你好，测试居民")).toBeVisible();

  await page.getByRole("link", { name: "我的" }).click();
  await expect(page.locator(".profile")).toContainText("居民");
  await expect(page.locator(".profile")).toContainText("幸福里社区");
  await page.getByRole("button", { name: "退出登录" }).click();
  await page.waitForURL("/login");
  await expectLoggedOut(page);

  await login(page, phone, "resident2024");
  await expect(page.getByText("你好，测试居民")).toBeVisible();
});

test("a secretary logs in and sees the secretary tools", async ({ page }) => {
  await login(page, SECRETARY_1);
  await expect(page.getByRole("heading", { name: "书记工作台" })).toBeVisible();
  await expect(page.getByRole("link", { name: "党员名册" })).toBeVisible();
  await page.screenshot({ path: "test-results/home-secretary.png" });
});

test("bad input shows a clear error and saves nothing", async ({ page }) => {
  const phone = freshPhone("136");
  await goto(page, "/register");
  await page.getByLabel("手机号").fill("12345");
  await page.getByLabel("姓名").fill("坏输入");
  await page.getByLabel("密码").fill("resident2024");
  await page.getByLabel("所在社区").selectOption({ label: "幸福里社区" });
  await page.getByRole("button", { name: "注册" }).click();
  await expect(page.getByRole("alert")).toHaveText("手机号格式不正确，应为 11 位数字，以 1 开头");

  await page.getByLabel("手机号").fill(phone);
  await page.getByLabel("密码").fill("onlyletters");
  await page.getByRole("button", { name: "注册" }).click();
  await expect(page.getByRole("alert")).toHaveText("密码需同时包含字母和数字");
  await expect(page).toHaveURL(/\/register$/);

  // Nothing was saved: that phone number has no account.
  await goto(page, "/login");
  await page.getByLabel("手机号").fill(phone);
  await page.getByLabel("密码").fill("onlyletters");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByRole("alert")).toHaveText("手机号或密码不正确");
  await page.screenshot({ path: "test-results/login-error.png" });
});

test("the interface switches to English and back", async ({ page }) => {
  await login(page, SECRETARY_1);
  await goto(page, "/me");
  await expect(page).toHaveTitle("支部通");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("link", { name: "Home" })).toBeVisible();
  // The head is the server's markup: the switch itself keeps its language and title true.
  await expect(page).toHaveTitle("Zhibu");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
  await expect(page).toHaveTitle("Zhibu");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "中文" }).click();
  await expect(page.getByRole("link", { name: "首页" })).toBeVisible();
  await expect(page).toHaveTitle("支部通");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
});
