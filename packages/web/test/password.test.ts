/**
 * Changing a password in Chromium against the real chat server: ada, signed in
 * on two devices, is told why a change is refused (a wrong current password,
 * a repetition that differs), then changes it. Her device stays signed in and
 * chatting on the new session; the other device is signed out; a guest is not
 * offered the change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { testPassword } from './accounts.ts';
import { connectionState, logIn, messageWithText, newPage, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

const newPassword = 'a brand new passphrase';

describe('changing a password in Chromium', () => {
  const people = withTwoPeople();

  async function fillIn(page: Page, current: string, next: string, repeated = next): Promise<string> {
    await page.getByTestId('current-password-input').fill(current);
    await page.getByTestId('new-password-input').fill(next);
    await page.getByTestId('repeat-password-input').fill(repeated);
    await page.getByTestId('change-password-submit').click();
    const result = page.getByTestId('password-result');
    await result.filter({ hasText: /./ }).waitFor({ timeout });
    const text = (await result.textContent()) ?? '';
    // Cleared for the next try: the result of this one was read.
    await page.evaluate(() => {
      const element = document.querySelector('[data-testid="password-result"]');
      if (element) element.textContent = '';
    });
    return text;
  }

  it('tells why a change is refused, changes it, keeps this device and signs the other out', async () => {
    const { chat, ada, grace } = people;
    const otherDevice = await newPage(chat.browser);
    await logIn(otherDevice, chat.server.url, 'ada');

    await ada.getByTestId('change-password').click();
    await ada.getByTestId('password-dialog').waitFor({ timeout });
    assert.equal(
      await fillIn(ada, testPassword, newPassword, 'something else'),
      'The new password and its repetition differ.',
    );
    assert.equal(await fillIn(ada, 'not my password', newPassword), 'The current password is wrong.');
    assert.equal(await fillIn(ada, testPassword, newPassword), 'Password changed. Your other devices are signed out.');
    await ada.getByTestId('password-dialog').getByRole('button', { name: 'Close' }).click();

    // This device reconnects with its new session and goes on chatting.
    await connectionState(ada, 'online').waitFor({ timeout: 15_000 });
    await say(ada, 'still here after the change');
    await messageWithText(grace, 'still here after the change').waitFor({ timeout });
    // The other device's session ended: it is back at the sign-in screen, told why.
    await otherDevice.getByTestId('sign-in-form').waitFor({ timeout: 20_000 });
    assert.match((await otherDevice.locator('.form-error').textContent()) ?? '', /session ended/);
    // The new password signs in there.
    await otherDevice.getByTestId('username-input').fill('ada');
    await otherDevice.getByTestId('password-input').fill(newPassword);
    await otherDevice.getByTestId('sign-in-submit').click();
    await connectionState(otherDevice, 'online').waitFor({ timeout });
    await otherDevice.context().close();
  });

  it('offers a guest no password to change', async () => {
    const guest = await newPage(people.chat.browser);
    await guest.goto(people.chat.server.url);
    await guest.getByTestId('guest-button').click();
    await connectionState(guest, 'online').waitFor({ timeout });
    assert.equal(await guest.getByTestId('change-password').count(), 0);
    await guest.context().close();
  });
});
