/**
 * The room view in Chromium against the real chat server: the owner (who
 * created the room) sets the topic from the keyboard, the other member sees it
 * change live and has no way to edit it, and the header fits a 390-px-wide
 * screen and keeps the room's name whole on wider ones; a room opened with unread messages shows a "new messages" divider
 * above the first of them, until another room is opened; a message one person
 * pins shows as pinned to the other at once and is listed under "Pinned"; the
 * owner renames the room and the other member sees the new name at once; a
 * member marks a room unread from a message, and her other tab showing the
 * room keeps it unread too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionState, messageWithText, roomItem, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('room view in Chromium', () => {
  const people = withTwoPeople();

  it('lets the owner set the topic and shows it to the other member live', async () => {
    // Ada creates #launch, which makes her its owner; grace joins it from the directory.
    await people.ada.getByTestId('browse-rooms').click();
    await people.ada.getByTestId('new-room-input').fill('launch');
    await people.ada.getByTestId('create-room').click();
    await people.ada.getByTestId('room-title').filter({ hasText: 'launch' }).waitFor({ timeout });
    await people.grace.getByTestId('browse-rooms').click();
    await people.grace
      .locator('[data-testid="directory-room"][data-room-name="launch"]')
      .getByRole('button', { name: 'Join' })
      .click();
    await roomItem(people.grace, 'launch').click();
    await people.grace.getByTestId('room-title').filter({ hasText: 'launch' }).waitFor({ timeout });
    assert.equal(await people.grace.getByTestId('edit-topic').count(), 0, 'only the owner may edit');

    await people.ada.getByTestId('edit-topic').filter({ hasText: 'Add a topic' }).click();
    await people.ada.keyboard.type('Ship on Tuesday <b>no markup</b>');
    await people.ada.keyboard.press('Enter');
    await people.grace
      .getByTestId('room-topic')
      .filter({ hasText: 'Ship on Tuesday <b>no markup</b>' })
      .waitFor({ timeout });
    await people.ada.getByTestId('room-topic').filter({ hasText: 'Ship on Tuesday' }).waitFor({ timeout });
    assert.equal(await people.grace.locator('.room-topic b').count(), 0);
    // Focus goes back to the button; Escape on a new draft keeps the topic.
    await people.ada.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'edit-topic');
    await people.ada.keyboard.press('Enter');
    await people.ada.getByTestId('topic-input').fill('Never mind');
    await people.ada.keyboard.press('Escape');
    await people.ada.getByTestId('topic-input').waitFor({ state: 'detached', timeout });
    assert.equal(await people.ada.getByTestId('room-topic').textContent(), 'Ship on Tuesday <b>no markup</b>');
    // The directory shows it too, so people can tell rooms apart before joining.
    await people.ada.getByTestId('browse-rooms').click();
    await people.ada
      .locator('[data-testid="directory-room"][data-room-name="launch"]')
      .getByTestId('directory-topic')
      .filter({ hasText: 'Ship on Tuesday <b>no markup</b>' })
      .waitFor({ timeout });
    await people.ada.keyboard.press('Escape');
    await people.ada.getByTestId('room-browser').waitFor({ state: 'hidden', timeout });
  });

  it('fits a 390-px-wide screen with a long topic, in light and dark mode', async () => {
    await people.ada.getByTestId('edit-topic').click();
    await people.ada.getByTestId('topic-input').fill('A long topic '.repeat(19).trim());
    await people.ada.keyboard.press('Enter');
    await people.grace
      .getByTestId('room-topic')
      .filter({ hasText: /^A long topic/ })
      .waitFor({ timeout });
    await people.grace.setViewportSize({ width: 390, height: 844 });
    for (const colorScheme of ['light', 'dark'] as const) {
      await people.grace.emulateMedia({ colorScheme });
      const overflow = await people.grace.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
    }
    await people.grace.emulateMedia({ colorScheme: null });
  });

  it('keeps the room’s name whole beside a long topic and the owner’s buttons on wider screens, nothing overlapping', async () => {
    // Ada owns #launch, whose topic the last test made long.
    for (const width of [1440, 1280, 1100, 900]) {
      await people.ada.setViewportSize({ width, height: 800 });
      const { shortened, overlapping } = await people.ada.evaluate(() => {
        const header = document.querySelector('.room-header') as HTMLElement;
        const name = header.querySelector('[data-testid="room-title"]') as HTMLElement;
        const parts = [name, ...header.querySelectorAll('button, [data-testid="room-topic"]')].map((element) => ({
          label: element.getAttribute('data-testid') ?? element.textContent ?? '',
          box: element.getBoundingClientRect(),
        }));
        const overlapping: string[] = [];
        for (const [i, a] of parts.entries()) {
          for (const b of parts.slice(i + 1)) {
            const apart =
              a.box.right <= b.box.left ||
              b.box.right <= a.box.left ||
              a.box.bottom <= b.box.top ||
              b.box.bottom <= a.box.top;
            if (!apart) overlapping.push(`${a.label} / ${b.label}`);
          }
        }
        return { shortened: name.scrollWidth > name.clientWidth, overlapping };
      });
      assert.equal(shortened, false, `${width} px: the name is shortened`);
      assert.deepEqual(overlapping, [], `${width} px: parts of the header overlap`);
    }
  });

  it('marks where the unread messages begin when a room is opened, until another room is', async () => {
    // Ada is in #launch (the last test's); grace writes in #general meanwhile.
    await people.grace.setViewportSize({ width: 1280, height: 800 });
    await roomItem(people.grace, 'general').click();
    await people.grace.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await say(people.grace, 'Read this first');
    await messageWithText(people.grace, 'Read this first').waitFor({ timeout });
    await say(people.grace, 'And this');
    await messageWithText(people.grace, 'And this').waitFor({ timeout });

    await roomItem(people.ada, 'general').click();
    const divider = people.ada.getByTestId('new-messages-divider');
    await divider.waitFor({ timeout });
    assert.equal(await divider.count(), 1);
    // The divider sits right above the first unread message.
    const next = await divider.evaluate(
      (element) => element.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent ?? null,
    );
    assert.equal(next, 'Read this first');
    // Reading it marks the room read; the divider stays while the room is open, then goes.
    await say(people.ada, 'Got it');
    await messageWithText(people.grace, 'Got it').waitFor({ timeout });
    assert.equal(await divider.count(), 1);
    await roomItem(people.ada, 'launch').click();
    await roomItem(people.ada, 'general').click();
    await people.ada.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await messageWithText(people.ada, 'Got it').waitFor({ timeout });
    assert.equal(await divider.count(), 0);
  });

  it('shows a pin to the other person live, lists it under Pinned, and unpins from the keyboard', async () => {
    const { ada, grace } = people;
    // Both are in #general (the last test's); grace pins ada's message with the mouse.
    const onGrace = messageWithText(grace, 'Got it');
    await onGrace.hover();
    await onGrace.getByTestId('pin-message').click();
    const onAda = messageWithText(ada, 'Got it');
    await onAda.getByTestId('pinned-by').filter({ hasText: 'Pinned by grace' }).waitFor({ timeout });

    await ada.getByTestId('pins-button').click();
    const pin = ada.getByTestId('pin').filter({ hasText: 'Got it' });
    await pin.waitFor({ timeout });
    await pin.getByRole('button', { name: 'Go to message' }).click();
    await ada.getByTestId('pins-dialog').waitFor({ state: 'hidden', timeout });
    await ada.waitForFunction(
      () => document.activeElement?.querySelector('[data-testid="message-text"]')?.textContent === 'Got it',
    );

    // P on the focused message unpins it, for both.
    await ada.keyboard.press('p');
    await onGrace.getByTestId('pinned-by').waitFor({ state: 'detached', timeout });
    await onAda.getByTestId('pinned-by').waitFor({ state: 'detached', timeout });
  });

  it('lets the owner rename the room: the other member sees the new name live, a taken name is refused', async () => {
    const { ada, grace } = people;
    await roomItem(ada, 'launch').click();
    await ada.getByTestId('room-title').filter({ hasText: 'launch' }).waitFor({ timeout });
    assert.equal(await grace.getByTestId('rename-room').count(), 0, 'only the owner and admins may rename');
    // A name another room has: the server's reason shows, the name stays.
    await ada.getByTestId('rename-room').click();
    await ada.getByTestId('room-name-input').fill('general');
    await ada.keyboard.press('Enter');
    await ada.getByTestId('notice').filter({ hasText: 'A room with that name exists.' }).waitFor({ timeout });
    await ada.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'rename-room');
    await ada.keyboard.press('Enter');
    await ada.getByTestId('room-name-input').fill('Launch-Week');
    await ada.keyboard.press('Enter');
    for (const page of [ada, grace]) {
      await roomItem(page, 'launch-week').waitFor({ timeout });
      assert.equal(await roomItem(page, 'launch').count(), 0);
    }
    await ada.getByTestId('room-title').filter({ hasText: 'launch-week' }).waitFor({ timeout });
    await roomItem(grace, 'launch-week').click();
    await grace.getByTestId('room-title').filter({ hasText: 'launch-week' }).waitFor({ timeout });
  });

  it('marks a room unread from a message: badge and divider there, kept while open, read once reopened', async () => {
    const { ada, grace } = people;
    for (const page of [ada, grace]) {
      await roomItem(page, 'general').click();
      await page.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    }
    await say(ada, 'Mark me');
    await say(ada, 'After that');
    await messageWithText(grace, 'After that').waitFor({ timeout });
    const marked = messageWithText(grace, 'Mark me');
    await marked.hover();
    await marked.getByTestId('mark-unread').click();
    const badge = roomItem(grace, 'general').getByTestId('unread-badge');
    await badge.filter({ hasText: /^2$/ }).waitFor({ timeout });
    const divider = grace.getByTestId('new-messages-divider');
    await divider.waitFor({ timeout });
    const next = await divider.evaluate(
      (element) => element.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent ?? null,
    );
    assert.equal(next, 'Mark me');
    // It stays unread while the room stays open, counting the news.
    await say(ada, 'More news');
    await messageWithText(grace, 'More news').waitFor({ timeout });
    await badge.filter({ hasText: /^3$/ }).waitFor({ timeout });
    // Opening it again reads it.
    await roomItem(grace, 'launch-week').click();
    await roomItem(grace, 'general').click();
    await messageWithText(grace, 'More news').waitFor({ timeout });
    await badge.waitFor({ state: 'detached', timeout });
  });

  it('keeps a room marked unread in one tab unread in another tab showing it', async () => {
    const { ada, grace } = people;
    // Grace's second tab (the same browser, so the same session) shows #general too.
    const other = await grace.context().newPage();
    await other.goto(people.chat.server.url);
    await connectionState(other, 'online').waitFor({ timeout });
    await roomItem(other, 'general').click();
    await say(ada, 'Seen in two tabs');
    await messageWithText(other, 'Seen in two tabs').waitFor({ timeout });
    const marked = messageWithText(grace, 'Seen in two tabs');
    await marked.hover();
    await marked.getByTestId('mark-unread').click();
    const otherBadge = roomItem(other, 'general').getByTestId('unread-badge');
    await otherBadge.filter({ hasText: /^1$/ }).waitFor({ timeout });
    await other.getByTestId('new-messages-divider').waitFor({ timeout });
    // Both tabs count the news, and neither reads the room while it stays open.
    await say(ada, 'And more');
    for (const page of [grace, other]) {
      await messageWithText(page, 'And more').waitFor({ timeout });
      await roomItem(page, 'general').getByTestId('unread-badge').filter({ hasText: /^2$/ }).waitFor({ timeout });
    }
    await other.close();
  });
});
