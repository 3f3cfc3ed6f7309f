/**
 * The Service access page end to end, in a real browser: `npm start` as a
 * developer runs it (backend, identity provider, and the dev app with
 * Gatehouse's page), Debian's Chromium driven by playwright-core. A guest
 * signs in; the form refuses a bad subject at its field and an empty scope;
 * the guest creates a token restricted to the catalog's read actions, which
 * Escape and a click outside do not take away, reads it from the page,
 * calls the catalog with it (200) and a write (403), finds it in the table
 * with its last use, revokes it after a confirmation that names it, is told
 * so, and the call fails (401). At 1280 and 390 px wide, no word of the
 * table breaks across lines and nothing overflows. Screenshots of each step
 * and accessibility scans (axe-core: no serious or critical violation) are
 * kept in GATEHOUSE_BROWSER_ARTIFACTS (default browser-artifacts/). Not a
 * Jest test: `npm run test:browser` runs it with node:test.
 *
 * GATEHOUSE_UPDATE_SCREENSHOT=1 also writes the README's screenshot
 * (docs/images/service-access.png) from the table at 1280 px.
 */
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  ARTIFACTS,
  DevStack,
  launchChromium,
  ROOT,
  startDevStack,
} from './devStack';

const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 390, height: 844 };
const DAY = 86_400_000;

/**
 * Runs in the page: what in `root`'s cells reads badly. A word (text
 * between white space) whose letters sit on two lines, which is how
 * `external:dev -idp:*` and words split letter by letter looked; a cell, or
 * an element in it that clips (a chip's label), narrower than its text.
 * Text styled `overflow-wrap: anywhere` is a long identifier allowed to wrap.
 */
function unreadableCells(root: Element): string[] {
  const problems: string[] = [];
  for (const cell of root.querySelectorAll('th, td')) {
    const text = (cell.textContent ?? '').trim();
    if (!text) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`"${text}" is wider than its cell`);
    }
    for (const element of cell.querySelectorAll<HTMLElement>('*')) {
      if (
        element.clientWidth > 0 &&
        element.scrollWidth > element.clientWidth + 1 &&
        getComputedStyle(element).overflowX !== 'visible'
      ) {
        problems.push(`"${element.textContent}" is cut in "${text}"`);
      }
    }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (getComputedStyle(node.parentElement!).overflowWrap === 'anywhere') {
        continue;
      }
      for (const word of (node.textContent ?? '').matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index!);
        range.setEnd(node, word.index! + word[0].length);
        const lines = new Set(
          [...range.getClientRects()]
            .filter(rect => rect.width > 0)
            .map(rect => Math.round(rect.bottom)),
        );
        if (lines.size > 1) {
          problems.push(`"${word[0]}" breaks across lines in "${text}"`);
        }
      }
    }
  }
  return problems;
}

/** Runs in the page: whether `table` or the page scrolls sideways. */
function scrollsSideways(table: Element): string[] {
  const problems: string[] = [];
  for (
    let box = table.parentElement;
    box && box !== document.body;
    box = box.parentElement
  ) {
    if (
      getComputedStyle(box).overflowX === 'auto' &&
      box.scrollWidth > box.clientWidth + 1
    ) {
      problems.push(
        `the table scrolls sideways (${box.scrollWidth} px in ${box.clientWidth} px)`,
      );
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) {
    problems.push(
      `the page scrolls sideways (${page.scrollWidth} px in ${page.clientWidth} px)`,
    );
  }
  return problems;
}

describe('the Service access page in a browser', () => {
  let stack: DevStack;
  let backendUrl: string;
  let appUrl: string;
  let browser: Browser;
  let page: Page;
  let token: string;
  let step = 0;

  /**
   * Once dialogs have faded in: Material UI fades a dialog's container (the
   * paper's parent) in 225 ms, and a screenshot or a contrast check made
   * meanwhile sees it half transparent.
   */
  const settled = () =>
    page.waitForFunction(() =>
      [...document.querySelectorAll('[role="dialog"]')].every(
        paper => getComputedStyle(paper.parentElement!).opacity === '1',
      ),
    );
  /** A screenshot into ARTIFACTS, numbered by step; the path it was written to. */
  const shot = async (name: string, options = { fullPage: true }) => {
    await settled();
    step += 1;
    const path = join(
      ARTIFACTS,
      `${String(step).padStart(2, '0')}-${name}.png`,
    );
    await page.screenshot({ path, fullPage: options.fullPage });
    return path;
  };
  /**
   * axe-core's serious and critical violations on the page as it is now. The
   * app's mobile bottom navigation (Backstage's MobileSidebar, below 600 px)
   * is left out: its menu button has no name, which is the app's, not this
   * page's.
   */
  const seriousViolations = async (view: string) => {
    await settled();
    const results = await new AxeBuilder({ page })
      .exclude('[data-testid="mobile-sidebar-root"]')
      .analyze();
    return results.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(
        v =>
          `${view}: ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`,
      );
  };
  const violations: string[] = [];
  const call = (method: string, path: string, body?: object) =>
    fetch(`${backendUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }).then(r => r.status);
  /** The inventory's table (the details dialog has one too). */
  const inventoryTable = (): Locator =>
    page
      .locator('table')
      .filter({ has: page.getByRole('columnheader', { name: 'Status' }) });
  const rowOf = (subject: string) =>
    page.getByRole('row').filter({
      has: page.getByRole('button', { name: subject, exact: true }),
    });
  /** Token creations the page has asked for. */
  const creations: string[] = [];

  before(async () => {
    stack = await startDevStack({
      devApp: true,
      tokensFile: join(ARTIFACTS, 'tokens.yaml'),
    });
    ({ backendUrl, appUrl } = stack);
    ({ browser, page } = await launchChromium());
    await page.setViewportSize(WIDE);
    page.on('request', request => {
      if (
        request.method() === 'POST' &&
        new URL(request.url()).pathname === '/api/gatehouse/tokens'
      ) {
        creations.push(request.postData() ?? '');
      }
    });
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in as a guest and shows the inventory under the themed header', async () => {
    await page.goto(`${appUrl}/gatehouse`);
    await shot('sign-in');
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByText(/^Credentials \(\d+\)$/).waitFor();
    await rowOf('dev-admin').waitFor();
    await page
      .getByRole('heading', { level: 1, name: 'Service access' })
      .waitFor();
    // The subject opens the details: no Details column, no button per row.
    assert.deepEqual(
      await inventoryTable().getByRole('columnheader').allInnerTexts(),
      [
        'SUBJECT',
        'OWNER',
        'SOURCE',
        'RESTRICTED TO',
        'STATUS',
        'EXPIRES',
        'LAST USED',
      ],
    );
    assert.equal(
      await page.getByRole('button', { name: /^Details/ }).count(),
      0,
    );
    // Words, not the API's words or a dash.
    const next = rowOf('deploy-bot-next');
    await next.getByText('not yet valid', { exact: true }).waitFor();
    assert.equal(await page.getByText('not-yet-valid').count(), 0);
    assert.equal(await page.getByRole('cell', { name: '—' }).count(), 0);
    await shot('inventory');
    violations.push(...(await seriousViolations('inventory')));
  });

  it('refuses a bad subject at its field, and an empty scope, before asking the backend', async () => {
    const options = page.waitForResponse(
      response =>
        new URL(response.url()).pathname === '/api/gatehouse/tokens/options',
    );
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    const tokenOptions = (await (await options).json()) as {
      maxLifetimeMs: number;
      defaultLifetimeMs: number;
    };
    const subject = dialog.getByLabel(/^Subject/);
    const restrictions = dialog.getByLabel(/^Restricted to/);
    const create = dialog.getByRole('button', { name: 'Create' });
    await subject.fill('Bad Subject!');
    await dialog
      .getByLabel(/^Description/)
      .fill('reads the catalog in the browser test');
    // Neither restrictions nor "No restrictions": nothing to create.
    assert.equal(await create.isDisabled(), true);
    await restrictions.fill('catalog (read)');
    await create.click();
    assert.equal(await subject.getAttribute('aria-invalid'), 'true');
    const describedBy = (await subject.getAttribute('aria-describedby'))!;
    assert.match(
      await page.locator(`[id="${describedBy}"]`).innerText(),
      /without white space/,
    );
    assert.deepEqual(creations, []);
    await shot('new-token-form-error');
    violations.push(...(await seriousViolations('new-token-form-error')));
    await subject.fill('e2e-catalog-reader');
    assert.equal(await subject.getAttribute('aria-invalid'), 'false');

    // Lifetimes up to the dev backend's maxLifetime, its default preselected:
    // never the maximum.
    const lifetime = dialog.getByLabel('Lifetime');
    await lifetime.locator('option', { hasText: '(the maximum)' }).waitFor({
      state: 'attached',
    });
    const choices = await lifetime.locator('option').allInnerTexts();
    assert.equal(
      choices.at(-1),
      `${tokenOptions.maxLifetimeMs / DAY} days (the maximum)`,
    );
    assert.ok(tokenOptions.defaultLifetimeMs < tokenOptions.maxLifetimeMs);
    assert.equal(
      await lifetime.inputValue(),
      `${tokenOptions.defaultLifetimeMs / DAY}d`,
    );
    await lifetime.selectOption('7d');
  });

  it('creates a token restricted to the catalog with read actions, shown once: Escape and a click outside keep it', async () => {
    const dialog = page.getByRole('dialog');
    // The restriction from the picker of the backend's plugins, which lists
    // the catalog's own permissions from its metadata endpoint.
    await dialog.getByLabel(/^Restricted to/).fill('');
    const choice = dialog.getByLabel('Add a plugin or permission');
    assert.ok(
      (await choice.locator('option').allInnerTexts()).includes(
        'catalog: catalog.entity.read (read)',
      ),
    );
    await choice.selectOption({ label: 'catalog: read actions only' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    assert.equal(
      await dialog.getByLabel(/^Restricted to/).inputValue(),
      'catalog (read)',
    );
    await shot('new-token-form');
    violations.push(...(await seriousViolations('new-token-form')));
    await dialog.getByRole('button', { name: 'Create' }).click();
    const shown = dialog.getByLabel('The new token', { exact: true });
    token = (await shown.innerText()).trim();
    assert.match(token, /^gthm_[0-9A-Za-z]{49}$/);
    assert.match(
      await dialog.getByLabel('A curl command with the new token').innerText(),
      new RegExp(`Bearer ${token}" ${backendUrl}/api/catalog/entities$`),
    );
    await dialog.getByText(/shown only once/).waitFor();
    assert.equal(creations.length, 1);

    // Escape, then a click outside (the top left corner, on the backdrop).
    await page.keyboard.press('Escape');
    await page.mouse.click(5, 5);
    await dialog.getByText(/cannot be shown again/).waitFor();
    assert.equal(await dialog.isVisible(), true);
    assert.equal((await shown.innerText()).trim(), token);
    await dialog.getByRole('button', { name: 'Copy the token' }).waitFor();
    await shot('token-shown-once');
    violations.push(...(await seriousViolations('token-shown-once')));
  });

  it('calls the catalog with it: a read is allowed (200), a write refused (403)', async () => {
    assert.equal(await call('GET', '/api/catalog/entities'), 200);
    assert.equal(
      await call('POST', '/api/catalog/locations?dryRun=true', {
        type: 'url',
        target: 'https://example.com/catalog-info.yaml',
      }),
      403,
    );
  });

  it('finds it in the table with its last use, relative, the full time in a title', async () => {
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'I have copied it' })
      .click();
    await page.getByLabel('Subject (* for any text)').fill('e2e-*');
    const row = rowOf('e2e-catalog-reader');
    await row.getByText('called catalog').waitFor();
    // The restriction in the words it was typed in the form.
    assert.match(await row.innerText(), /^catalog \(read\)$/m);
    const used = row.locator('time').last();
    assert.equal(await used.innerText(), 'just now');
    assert.ok(
      !Number.isNaN(Date.parse((await used.getAttribute('dateTime'))!)),
    );
    assert.ok(await used.getAttribute('title'));
    await shot('table-with-last-use');
  });

  it('revokes it after a confirmation that names it, says so, and the call fails (401)', async () => {
    await page
      .getByRole('button', { name: 'e2e-catalog-reader', exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    const fingerprint = await dialog
      .getByRole('rowheader', { name: 'Fingerprint' })
      .locator('xpath=following-sibling::td')
      .innerText();
    await shot('details');
    await dialog.getByRole('button', { name: 'Revoke…' }).click();
    const named = dialog.getByRole('table', { name: 'The token' });
    await named.waitFor();
    const summary = await named.innerText();
    for (const part of [
      'e2e-catalog-reader',
      fingerprint,
      'reads the catalog in the browser test',
      'by user:default/dev-user',
    ]) {
      assert.ok(summary.includes(part), `${part} in ${summary}`);
    }
    await dialog.getByText(/cannot be undone/).waitFor();
    await shot('confirm-revoke');
    violations.push(...(await seriousViolations('confirm-revoke')));
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    const status = dialog.getByRole('status');
    await status.waitFor();
    assert.match(
      await status.innerText(),
      new RegExp(
        `Revoked\\. The token of e2e-catalog-reader \\(fingerprint ${fingerprint}\\) is refused on every replica within seconds\\.`,
      ),
    );
    await shot('revoked');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Revoked and expired credentials are shown on request.
    await rowOf('e2e-catalog-reader').waitFor({ state: 'detached' });
    await page.getByLabel('Show revoked, expired and compromised').check();
    await rowOf('e2e-catalog-reader')
      .getByText('revoked', { exact: true })
      .waitFor();
    assert.equal(await call('GET', '/api/catalog/entities'), 401);
  });

  for (const size of [WIDE, NARROW]) {
    it(`reads at ${size.width} px: no word of the table broken, nothing overflowing`, async () => {
      await page.setViewportSize(size);
      await page.getByLabel('Subject (* for any text)').fill('');
      await rowOf('dev-admin').waitFor();
      await rowOf('e2e-catalog-reader').waitFor();
      // The table's own layout for the width: two stacked columns below 600 px.
      await inventoryTable()
        .getByRole('columnheader', {
          name: size === NARROW ? 'Credential' : 'Subject',
        })
        .waitFor();
      const table = inventoryTable();
      // As a reader sees it: no field focused, its underline done fading.
      await page.evaluate(() => (document.activeElement as HTMLElement).blur());
      await page.waitForFunction(() =>
        document
          .getAnimations()
          .every(
            animation =>
              animation.playState !== 'running' ||
              animation.effect?.getTiming().iterations === Infinity,
          ),
      );
      await page.evaluate(() => window.scrollTo(0, 0));
      // Taken first: a failure below is seen in it.
      const path = await shot(`table-${size.width}`, {
        fullPage: size === NARROW,
      });
      assert.deepEqual(await table.evaluate(unreadableCells), []);
      assert.deepEqual(await table.evaluate(scrollsSideways), []);
      if (size === WIDE && process.env.GATEHOUSE_UPDATE_SCREENSHOT === '1') {
        copyFileSync(path, join(ROOT, 'docs', 'images', 'service-access.png'));
      }
      violations.push(...(await seriousViolations(`table-${size.width}`)));

      // A dialog at this width: the details, and the form.
      await page
        .getByRole('button', { name: 'e2e-catalog-reader', exact: true })
        .click();
      const dialog = page.getByRole('dialog');
      const details = dialog.getByRole('table', {
        name: 'Details of e2e-catalog-reader',
      });
      await details.waitFor();
      assert.deepEqual(await details.evaluate(unreadableCells), []);
      await shot(`dialog-${size.width}`, { fullPage: false });
      violations.push(...(await seriousViolations(`dialog-${size.width}`)));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'New token' }).first().click();
      await dialog.getByLabel(/^Subject/).waitFor();
      await shot(`new-token-${size.width}`, { fullPage: false });
      violations.push(...(await seriousViolations(`new-token-${size.width}`)));
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
    });
  }

  it('says when no credential matches the filters, and clears them', async () => {
    await page.setViewportSize(WIDE);
    await page.getByLabel('Subject (* for any text)').fill('nobody-at-all');
    await page.getByText('No credentials match these filters').waitFor();
    assert.equal(await page.getByText('No records to display').count(), 0);
    await shot('no-match');
    violations.push(...(await seriousViolations('no-match')));
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await rowOf('dev-admin').waitFor();
    assert.equal(
      await page.getByLabel('Subject (* for any text)').inputValue(),
      '',
    );
  });

  it('marks a static token compromised from its details: the call with it fails (401) at once, the table says compromised', async () => {
    const demoOnly = 'gth_dev_demo_plugin_only_0001';
    const asDemoOnly = () =>
      fetch(`${backendUrl}/api/demo/whoami`, {
        headers: { authorization: `Bearer ${demoOnly}` },
      }).then(r => r.status);
    assert.equal(await asDemoOnly(), 200);
    await page
      .getByRole('button', { name: 'dev-demo-only', exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Mark as compromised…' }).click();
    await dialog.getByRole('table', { name: 'The token' }).waitFor();
    await dialog
      .getByLabel('Where it leaked (optional)')
      .fill('pasted in a chat');
    await shot('confirm-compromise');
    violations.push(...(await seriousViolations('confirm-compromise')));
    await dialog
      .getByRole('button', { name: 'Mark as compromised', exact: true })
      .click();
    const status = dialog.getByRole('status');
    await status.waitFor();
    assert.match(
      await status.innerText(),
      /^Marked compromised\. The token of dev-demo-only \(fingerprint [0-9a-f]{8}\) is refused on every replica within seconds\./,
    );
    assert.equal(await asDemoOnly(), 401);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Show revoked, expired and compromised').check();
    await rowOf('dev-demo-only')
      .getByText('compromised', { exact: true })
      .waitFor();
    await rowOf('dev-demo-only')
      .getByRole('button', { name: 'dev-demo-only', exact: true })
      .click();
    await dialog
      .getByRole('rowheader', { name: 'Marked compromised' })
      .locator('xpath=following-sibling::td')
      .getByText(/by user:default\/dev-user: pasted in a chat$/)
      .waitFor();
    await shot('compromised-details');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('has no serious accessibility violations (axe-core) on any of its views', () => {
    assert.deepEqual(violations, []);
  });
});
