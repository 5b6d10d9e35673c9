import { chromium, expect } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { CHROMIUM_ARGS, goto, hydrated, login, SECRETARY_1, shanghai, sql, test, watchForPanics } from "./helpers";


/**
 * A Y4M video (what Chromium's fake camera plays) of one grey frame: the secretary's QR code
 * as the camera would see it. Only luminance matters; chroma is neutral.
 */
function y4m(width: number, height: number, luma: number[]): Buffer {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F1:1 Ip A1:1 C420jpeg\nFRAME\n`);
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  return Buffer.concat([header, Buffer.from(luma), chroma]);
}

test("a member checks in by scanning the code with the app's own scanner", async ({ page }, testInfo) => {
  await login(page, SECRETARY_1);
  await goto(page, "/meetings");
  const title = `扫码${Date.now() % 100000}`;
  await page.getByText("安排会议").first().click();
  await page.getByLabel("会议主题").fill(title);
  await page.getByLabel("开始时间").fill(shanghai(-5));
  await page.getByLabel("结束时间").fill(shanghai(60));
  await page.getByRole("button", { name: "安排会议" }).click();
  const card = page.locator(".meeting").filter({ hasText: title });
  const meeting = (await card.getAttribute("data-meeting"))!;
  await goto(page, `/meetings/${meeting}/code`);
  await expect(page.getByTestId("checkin-code")).toHaveText(/^\d{6}$/);

  // Photograph the screen: the QR's SVG drawn at 480×480 on white, as grey levels.
  const side = 480;
  const luma: number[] = await page.evaluate(async (side) => {
    const svg = document.querySelector(".qr svg")!;
    const blob = new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" });
    const image = new Image();
    image.src = URL.createObjectURL(blob);
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = side;
    const context = canvas.getContext("2d")!;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, side, side);
    context.drawImage(image, 40, 40, side - 80, side - 80);
    const rgba = context.getImageData(0, 0, side, side).data;
    return Array.from({ length: side * side }, (_, i) => (rgba[4 * i] < 128 ? 30 : 210));
  }, side);
  const video = testInfo.outputPath("qr.y4m");
  fs.mkdirSync(path.dirname(video), { recursive: true });
  fs.writeFileSync(video, y4m(side, side, luma));

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      ...CHROMIUM_ARGS,
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  try {
    const context = await browser.newContext({
      baseURL: testInfo.project.use.baseURL,
      viewport: { width: 390, height: 844 },
      locale: "zh-CN",
      permissions: ["camera"],
    });
    watchForPanics(context);
    const member = await context.newPage();
    await login(member, "13800000013");
    await goto(member, "/meetings");
    // Debian's Chromium has no BarcodeDetector: the frames are read by the decoder in the wasm.
    await member.getByRole("button", { name: "扫码签到" }).click();
    await member.waitForURL(new RegExp(`/checkin/${meeting}\\?s=\\d+&c=\\d{6}`), { timeout: 20_000 });
    await hydrated(member);
    await expect(member.locator(".checked-in")).toContainText("已签到", { timeout: 15_000 });
    await expect
      .poll(
        () =>
          sql(
            `SELECT a.presence FROM attendance a JOIN users u ON u.id = a.user_id WHERE a.meeting_id = '${meeting}' AND u.phone = '13800000013'`,
          ),
        { timeout: 15_000 },
      )
      .toBe("late");
  } finally {
    await browser.close();
  }
});
