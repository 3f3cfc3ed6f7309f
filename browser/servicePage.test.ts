/**
 * The Service access page end to end, in a real browser: `npm start` as a
 * developer runs it (backend, identity provider, and the dev app with
 * Gatehouse's page), Debian's Chromium driven by playwright-core. A guest
 * signs in, creates a token restricted to the catalog's read actions, reads
 * it from the page, calls the catalog with it (200) and a write (403), finds
 * it in the table with its last use, revokes it, and the call fails (401).
 * Screenshots of each step and an accessibility scan (axe-core: no serious
 * or critical violation) are kept in GATEHOUSE_BROWSER_ARTIFACTS (default
 * browser-artifacts/). Not a Jest test: `npm run test:browser` runs it with
 * node:test.
 *
 * GATEHOUSE_UPDATE_SCREENSHOT=1 also writes the README's screenshot
 * (docs/images/service-access.png).
 */
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  ARTIFACTS,
  DevStack,
  launchChromium,
  ROOT,
  startDevStack,
} from './devStack';

describe('the Service access page in a browser', () => {
  let stack: DevStack;
  let backendUrl: string;
  let appUrl: string;
  let browser: Browser;
  let page: Page;
  let token: string;
  let step = 0;

  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({
      path: join(ARTIFACTS, `${String(step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  };
  /** axe-core's serious and critical violations on the page as it is now. */
  const seriousViolations = async () => {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
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

  before(async () => {
    stack = await startDevStack({
      devApp: true,
      tokensFile: join(ARTIFACTS, 'tokens.yaml'),
    });
    ({ backendUrl, appUrl } = stack);
    ({ browser, page } = await launchChromium());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in as a guest and shows the inventory', async () => {
    await page.goto(`${appUrl}/gatehouse`);
    await shot('sign-in');
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByText(/^Credentials \(\d+\)$/).waitFor();
    await page.getByText('dev-admin').first().waitFor();
    await shot('inventory');
    violations.push(...(await seriousViolations()));
  });

  it('creates a token restricted to the catalog with read actions, shown once', async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Subject/).fill('e2e-catalog-reader');
    await dialog
      .getByLabel(/Description/)
      .fill('reads the catalog in the browser test');
    // Lifetimes up to the dev backend's maxLifetime (30d), no further.
    const lifetime = dialog.getByLabel('Lifetime');
    await lifetime.locator('option', { hasText: '(the maximum)' }).waitFor({
      state: 'attached',
    });
    assert.deepEqual(await lifetime.locator('option').allInnerTexts(), [
      '1 day',
      '7 days',
      '30 days (the maximum)',
    ]);
    await lifetime.selectOption('7d');
    // The restriction from the picker of the backend's plugins, which lists
    // the catalog's own permissions from its metadata endpoint.
    const choice = dialog.getByLabel('A plugin or one of its permissions');
    assert.ok(
      (await choice.locator('option').allInnerTexts()).includes(
        'catalog: catalog.entity.read (read)',
      ),
    );
    await choice.selectOption({ label: 'catalog: read actions only' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    assert.equal(
      await dialog.getByLabel(/Restricted to/).inputValue(),
      'catalog (read)',
    );
    await shot('new-token-form');
    violations.push(...(await seriousViolations()));
    await dialog.getByRole('button', { name: 'Create' }).click();
    token = (
      await dialog.getByLabel('The new token', { exact: true }).innerText()
    ).trim();
    assert.match(token, /^gthm_[0-9A-Za-z]{49}$/);
    assert.match(
      await dialog.getByLabel('A curl command with the new token').innerText(),
      new RegExp(`Bearer ${token}" ${backendUrl}/api/catalog/entities$`),
    );
    await dialog.getByText(/shown only once/).waitFor();
    await shot('token-shown-once');
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

  it('finds it in the table with its last use', async () => {
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'I have copied it' })
      .click();
    await page.getByLabel('Subject (* for any text)').fill('e2e-*');
    const row = page.getByRole('row').filter({ hasText: 'e2e-catalog-reader' });
    await row.getByText(/\(catalog\)$/).waitFor();
    assert.match(await row.innerText(), /catalog: read/);
    await shot('table-with-last-use');
  });

  it('revokes it after a confirmation, and the call fails (401)', async () => {
    await page
      .getByRole('button', { name: 'Details of e2e-catalog-reader' })
      .click();
    const dialog = page.getByRole('dialog');
    await shot('details');
    await dialog.getByRole('button', { name: 'Revoke…' }).click();
    await dialog.getByText(/cannot be undone/).waitFor();
    await shot('confirm-revoke');
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: 'e2e-catalog-reader' });
    await row.getByText('revoked').waitFor();
    await shot('revoked');
    assert.equal(await call('GET', '/api/catalog/entities'), 401);
  });

  it('has no serious accessibility violations (axe-core) on any of its views', async () => {
    await page.getByLabel('Subject (* for any text)').fill('');
    await page.getByText('dev-admin').first().waitFor();
    if (process.env.GATEHOUSE_UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: join(ARTIFACTS, 'service-access.png') });
      copyFileSync(
        join(ARTIFACTS, 'service-access.png'),
        join(ROOT, 'docs', 'images', 'service-access.png'),
      );
    }
    violations.push(...(await seriousViolations()));
    // The inventory, the new-token form and the page at the end.
    assert.deepEqual(violations, []);
  });
});
