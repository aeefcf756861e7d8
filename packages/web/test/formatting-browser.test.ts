/**
 * Message formatting in Debian's Chromium against the real chat server: a link
 * arrives clickable (and opens in a new tab), `<script>` in Markdown shows as
 * text and never runs, the subset and emoji shortcodes render, and an edit
 * keeps the formatting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('message formatting in Chromium', () => {
  const people = withTwoPeople();

  const lastMessage = (page: typeof people.ada) => page.getByTestId('message').last().getByTestId('message-text');

  it('shows a link clickable, opening in a new tab, and markup as text that never runs', async () => {
    const { ada, grace } = people;
    await say(ada, 'Notes at https://example.com/notes?week=1 and **bold** <script>window.__pwned = true</script>');
    const text = lastMessage(grace);
    const link = text.getByRole('link', { name: 'https://example.com/notes?week=1' });
    await link.waitFor({ timeout });
    assert.equal(await link.getAttribute('href'), 'https://example.com/notes?week=1');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('title'), 'https://example.com/notes?week=1');
    assert.equal(await text.locator('strong').textContent(), 'bold');
    assert.match((await text.textContent()) ?? '', /<script>window.__pwned = true<\/script>/);
    assert.equal(await grace.locator('[data-testid="message-list"] script').count(), 0);

    // Clicking opens a new tab (the address itself is unreachable here: only that it opens matters).
    const [opened] = await Promise.all([grace.context().waitForEvent('page'), link.click()]);
    assert.equal(await opened.evaluate(() => window.opener), null);
    await opened.close();
    assert.equal(await grace.evaluate(() => (window as { __pwned?: boolean }).__pwned), undefined);
    assert.equal(await ada.evaluate(() => (window as { __pwned?: boolean }).__pwned), undefined);
  });

  it('never links a script address, and shows the host of a named link', async () => {
    const { ada, grace } = people;
    await say(ada, '[prize](javascript:window.__pwned=true) and [the docs](https://docs.example.org/start)');
    const text = lastMessage(grace);
    await text.getByRole('link', { name: 'the docs' }).waitFor({ timeout });
    assert.equal(await text.getByRole('link').count(), 1);
    assert.match((await text.textContent()) ?? '', /\(docs\.example\.org\)/);
  });

  it('renders code blocks, quotes, lists and emoji shortcodes, and keeps formatting through an edit', async () => {
    const { ada, grace } = people;
    await say(ada, 'Plan :rocket:\n- `npm test`\n- ~~ship~~\n\n> quoted');
    const text = lastMessage(grace);
    await text.locator('li code').filter({ hasText: 'npm test' }).waitFor({ timeout });
    assert.equal(await text.locator('s').textContent(), 'ship');
    assert.equal(await text.locator('blockquote').textContent(), 'quoted');
    await text.filter({ hasText: 'Plan 🚀' }).waitFor({ timeout });

    const mine = ada.getByTestId('message').last();
    await mine.hover();
    await mine.getByTestId('edit-message').click();
    const editor = ada.getByTestId('edit-input');
    // The editor holds the text as typed, shortcodes and Markdown included.
    assert.equal(await editor.inputValue(), 'Plan :rocket:\n- `npm test`\n- ~~ship~~\n\n> quoted');
    await editor.fill('Plan **B** :tada:\n```\nmake all\n```');
    await editor.press('Enter');
    await text.locator('strong').filter({ hasText: 'B' }).waitFor({ timeout });
    assert.equal(await text.locator('pre code').textContent(), 'make all');
    assert.equal(
      await text.locator('pre').evaluate((element) => getComputedStyle(element).fontFamily.includes('monospace')),
      true,
    );
    await text.filter({ hasText: '🎉' }).waitFor({ timeout });
    await text.getByText('(edited)').waitFor({ timeout });
  });
});
