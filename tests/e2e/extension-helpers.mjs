// Shared by the extension's end-to-end files: headless Chromium with the
// built extension (dist/extension) loaded, its service worker and popup,
// and the in-page steps (a trusted click on the field icon, the extension's
// frames). Not a test file itself (node --test picks up *.test.mjs only).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './server.mjs';

export const EXT = join(ROOT, 'dist', 'extension');
export const WAIT = 60_000;

/**
 * A persistent Chromium profile with the extension loaded: `{ctx, extId,
 * popup, worker(), openPopup(), close()}`. *.test names resolve to
 * 127.0.0.1, so test sites get distinct origins.
 */
export async function launchExtension() {
  assert.ok(existsSync(join(EXT, 'manifest.json')) && existsSync(join(EXT, 'pkg', 'blindvault_bg.wasm')),
    `${EXT} is missing or has no pkg/: run npm run build:extension`);
  const userDir = mkdtempSync(join(tmpdir(), 'bv-ext-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--no-sandbox', '--disable-gpu',
      '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP *.test 127.0.0.1'],
  });
  const ext = {
    ctx,
    extId: null,
    popup: null,
    async worker() {
      const prefix = ext.extId ? `chrome-extension://${ext.extId}/` : 'chrome-extension://';
      const w = ctx.serviceWorkers().find((s) => s.url().startsWith(prefix));
      return w || ctx.waitForEvent('serviceworker', { timeout: WAIT });
    },
    async openPopup() {
      await ext.popup.goto(`chrome-extension://${ext.extId}/popup.html`);
      await ext.popup.locator('#login-screen:not([hidden]), #vault-screen:not([hidden])').waitFor({ timeout: WAIT });
    },
    /** The extension's frame `name` (choose, save) in `page`, if it is there. */
    frameOf(page, name) {
      return page.frames().find((f) => f.url().startsWith(`chrome-extension://${ext.extId}/frames/${name}.html`));
    },
    waitFrame(page, name) {
      return pollFrames(page, () => ext.frameOf(page, name), `the ${name} frame`);
    },
    async waitFrameGone(page, name) {
      await page.waitForFunction(() => !document.querySelector('[data-blindvault-frame]'), null, { timeout: WAIT });
      await pollFrames(page, () => !ext.frameOf(page, name), `the ${name} frame to go`);
    },
    async close() {
      await ctx.close();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
  ext.extId = new URL((await ext.worker()).url()).host;
  ext.popup = await ctx.newPage();
  return ext;
}

/** Polls for a condition on the page's frames (their URLs change without an event we could await). */
async function pollFrames(page, done, what) {
  for (const deadline = Date.now() + WAIT; Date.now() < deadline; await page.waitForTimeout(100)) {
    const r = done();
    if (r) return r;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Clicks the Blindvault icon drawn over `field` with a real (trusted) mouse
 * click, and waits until the content script has finished with it.
 */
export async function clickIcon(page, frame, field) {
  const scope = frame || page;
  await scope.locator('[data-blindvault-icon]').first().waitFor({ state: 'attached', timeout: WAIT });
  const done = await scope.locator('[data-blindvault-state="done"]').count();
  const box = await scope.locator(field).boundingBox();
  await page.mouse.click(box.x + box.width - 12, box.y + box.height / 2);
  await scope.locator('[data-blindvault-state="done"]').nth(done).waitFor({ state: 'attached', timeout: WAIT });
}

export async function values(scope, ...sel) {
  return Promise.all(sel.map((s) => scope.locator(s).inputValue()));
}
