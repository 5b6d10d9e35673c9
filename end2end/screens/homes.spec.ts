import { expect, test } from "@playwright/test";
import * as path from "node:path";
import { goto, login } from "../tests/helpers";

const docs = path.join(__dirname, "..", "..", "docs");

// Each role's home at 390×844, as the demo shows it on the day the script runs.
for (const [phone, who, shows] of [
  ["13800000006", "member", ".next-meeting"],
  ["13800000001", "secretary", ".desk"],
  ["13900000001", "resident", ".my-wishes-home"],
] as const) {
  test(`the ${who}'s home`, async ({ page }) => {
    await login(page, phone);
    await goto(page, "/");
    await expect(page.locator(shows)).toBeVisible();
    await page.screenshot({ path: path.join(docs, `home-${who}.png`) });
  });
}
