/**
 * Files in Chromium against the real chat server: ada attaches an image (its
 * upload progress shown while it goes), both see it as a thumbnail, the viewer
 * opens and Escape closes it; a text file shows as a download; a fake image is
 * refused with the server's reason; the server's limits (size, type, files per
 * message, told in the welcome) are checked before anything is sent; all of it
 * fits a 390-px-wide screen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Locator, Page, Request } from 'playwright-core';
import { htmlPage, png } from '../../chat/test/files/sample-files.ts';
import { messageWithText, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('attachments in Chromium', () => {
  const people = withTwoPeople();

  /** Picks files in the composer, as the file dialog would. */
  async function attach(page: Page, files: Array<{ name: string; mimeType: string; buffer: Buffer }>) {
    await page.getByTestId('file-input').setInputFiles(files);
  }

  /** The thumbnail on `message`, loaded (the browser decoded the image). */
  async function loadedThumbnail(message: Locator): Promise<Locator> {
    const image = message.getByTestId('thumbnail');
    await image.waitFor({ timeout });
    await message
      .page()
      .waitForFunction(
        (element) => element instanceof HTMLImageElement && element.complete && element.naturalWidth > 0,
        await image.elementHandle(),
        { timeout },
      );
    return image;
  }

  it('uploads an image with progress, and both people see its thumbnail', async () => {
    const { ada, grace } = people;
    // A slow uplink, so the progress of a real upload can be seen.
    const network = await ada.context().newCDPSession(ada);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    const image = png(640, 400);
    // Padding after the image data makes it big enough to take a while (a PNG ends at IEND; the rest is ignored).
    const big = Buffer.concat([image, Buffer.alloc(768 * 1024)]);
    try {
      await attach(ada, [{ name: 'layout.png', mimeType: 'image/png', buffer: big }]);
      const upload = ada.getByTestId('upload');
      await ada.getByTestId('upload-progress').waitFor({ timeout });
      assert.equal(await ada.getByTestId('send-button').isDisabled(), true, 'no sending before the upload is done');
      await upload.and(ada.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    } finally {
      await network.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await network.detach();
    }
    await ada.getByTestId('composer-input').fill('The new layout');
    await ada.getByTestId('composer-input').press('Enter');
    await ada.getByTestId('uploads').waitFor({ state: 'detached', timeout });

    for (const page of [ada, grace]) {
      const message = messageWithText(page, 'The new layout');
      await message.waitFor({ timeout });
      const thumbnail = await loadedThumbnail(message);
      // The space reserved from the size the server read: 640 x 400 scaled to fit 240.
      assert.equal(await thumbnail.getAttribute('width'), '240');
      assert.equal(await thumbnail.getAttribute('height'), '150');
      assert.equal(await thumbnail.getAttribute('alt'), 'layout.png');
    }
  });

  it('opens the image in a viewer from the keyboard, and Escape closes it', async () => {
    const { grace } = people;
    const message = messageWithText(grace, 'The new layout');
    const open = message.getByRole('button', { name: 'Open image layout.png' });
    await open.focus();
    await grace.keyboard.press('Enter');
    const viewer = grace.getByTestId('image-viewer');
    await viewer.waitFor({ timeout });
    await grace.waitForFunction(
      () => {
        const image = document.querySelector<HTMLImageElement>('.image-viewer__image');
        return image?.complete === true && image.naturalWidth === 640;
      },
      undefined,
      { timeout },
    );
    await grace.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout });
    assert.equal(
      await grace.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Open image layout.png',
      'focus goes back to the thumbnail',
    );
  });

  it('shows other files as downloads, and a file with no text', async () => {
    const { ada, grace } = people;
    await attach(ada, [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('agenda\n') }]);
    await ada.locator('[data-testid="upload"][data-status="done"]').waitFor({ timeout });
    await ada.getByTestId('send-button').click();
    const file = grace.getByTestId('attachment-file').filter({ hasText: 'notes.txt' });
    await file.waitFor({ timeout });
    const download = grace.waitForEvent('download', { timeout });
    await file.click();
    assert.equal((await download).suggestedFilename(), 'notes.txt');
  });

  it('tells why a file is refused: a page of HTML named as a PNG', async () => {
    const { ada } = people;
    await attach(ada, [{ name: 'cat.png', mimeType: 'image/png', buffer: htmlPage }]);
    const failed = ada.locator('[data-testid="upload"][data-status="failed"]');
    await failed.waitFor({ timeout });
    assert.match((await failed.textContent()) ?? '', /not image\/png/);
    assert.equal(await ada.getByTestId('send-button').isDisabled(), true);
    await ada.getByRole('button', { name: 'Remove cat.png' }).click();
    await ada.getByTestId('uploads').waitFor({ state: 'detached', timeout });
  });

  it('checks the server’s file limits before sending anything: size, type, files per message', async () => {
    const { ada } = people;
    const asked: string[] = [];
    const count = (request: Request) => {
      if (request.url().endsWith('/api/files')) asked.push(request.method());
    };
    ada.on('request', count);
    try {
      // One byte over the 10 MiB the server takes, and a type it does not take: both fail at once.
      await attach(ada, [
        { name: 'huge.zip', mimeType: 'application/zip', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) },
        { name: 'page.html', mimeType: 'text/html', buffer: htmlPage },
      ]);
      const failed = ada.locator('[data-testid="upload"][data-status="failed"]');
      await failed.nth(1).waitFor({ timeout });
      const [tooLarge, wrongType] = await failed.allTextContents();
      assert.match(tooLarge ?? '', /^huge\.zip.*Files are at most 10 MB\./);
      assert.match(wrongType ?? '', /^page\.html.*Files of type text\/html cannot be attached\./);
      assert.deepEqual(asked, [], 'nothing was asked of the server');
      // A message carries 4 files: of 5 more picked, 2 are taken beside the 2 refused.
      const notes = Array.from({ length: 5 }, (_, i) => ({
        name: `n${i}.txt`,
        mimeType: 'text/plain',
        buffer: Buffer.from(`note ${i}`),
      }));
      await attach(ada, notes);
      await ada.locator('[data-testid="upload"][data-status="done"]').nth(1).waitFor({ timeout });
      assert.equal(await ada.getByTestId('upload').count(), 4);
      assert.equal(asked.filter((method) => method === 'POST').length, 2);
    } finally {
      ada.off('request', count);
    }
    for (const name of ['huge.zip', 'page.html', 'n0.txt', 'n1.txt']) {
      await ada.getByRole('button', { name: `Remove ${name}` }).click();
    }
    await ada.getByTestId('uploads').waitFor({ state: 'detached', timeout });
  });

  it('fits a 390-px-wide screen with a thumbnail and an upload, in light and dark mode', async () => {
    const { grace } = people;
    await grace.setViewportSize({ width: 390, height: 844 });
    await attach(grace, [
      { name: `${'a-very-long-file-name-'.repeat(6)}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') },
    ]);
    await grace.locator('[data-testid="upload"][data-status="done"]').waitFor({ timeout });
    await messageWithText(grace, 'The new layout').scrollIntoViewIfNeeded();
    for (const colorScheme of ['light', 'dark'] as const) {
      await grace.emulateMedia({ colorScheme });
      const overflow = await grace.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
    }
  });
});
