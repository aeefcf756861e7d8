/**
 * Files on S3 in Chromium, as the container stack keeps them: the chat server
 * serves the page, the page uploads straight to the bucket (a local S3 server
 * with the stacks' CORS rule) and shows images from it. The page's
 * Content-Security-Policy must let exactly that through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalS3, startLocalS3 } from '../../chat/test/files/local-s3.ts';
import { png } from '../../chat/test/files/sample-files.ts';
import { messageWithText, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('attachments on S3 in Chromium', () => {
  let s3: LocalS3;
  const refused: string[] = [];
  before(async () => {
    s3 = await startLocalS3('web-files', 'http://127.0.0.1:*');
  });
  after(() => s3?.close());
  const people = withTwoPeople(() => ({ files: { s3: { bucket: s3.bucket, client: s3.client } } }));
  before(() => {
    for (const page of [people.ada, people.grace]) {
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
      });
    }
  });

  it('uploads an image from the page to the bucket, and both people see it from there', async () => {
    const { ada, grace } = people;
    const bucketOrigin = new URL(s3.client.endpoint as string).origin;
    const uploaded = ada.waitForRequest((request) => request.method() === 'PUT', { timeout });
    await ada
      .getByTestId('file-input')
      .setInputFiles([{ name: 'map.png', mimeType: 'image/png', buffer: png(320, 200) }]);
    assert.equal(new URL((await uploaded).url()).origin, bucketOrigin);
    const upload = ada.getByTestId('upload');
    await upload.and(ada.locator('[data-status="done"], [data-status="failed"]')).waitFor({ timeout });
    assert.equal(await upload.getAttribute('data-status'), 'done', (await upload.textContent()) ?? '');
    await ada.getByTestId('composer-input').fill('The map');
    await ada.getByTestId('composer-input').press('Enter');
    for (const page of [ada, grace]) {
      const image = messageWithText(page, 'The map').getByTestId('thumbnail');
      await image.waitFor({ timeout });
      assert.equal(new URL((await image.getAttribute('src')) ?? '').origin, bucketOrigin);
      await page.waitForFunction(
        (element) => element instanceof HTMLImageElement && element.complete && element.naturalWidth === 320,
        await image.elementHandle(),
        { timeout },
      );
    }
    assert.deepEqual(refused, []);
  });
});
