/**
 * Teams on the Service access page, in a real browser, under a real
 * conditional policy: `npm start` with GATEHOUSE_DEV_POLICY=owners (the
 * policy module of docs/examples/owner-policy.ts: the platform team manages
 * every credential, everybody else their user's and groups' own) and the
 * page's guest signed in as alice of team-a (GATEHOUSE_DEV_GUEST), as
 * docs/ownership.md tells a reader to try it. The dev admin token seeds
 * tokens of team-a and team-b through the API. Alice's page opens on her
 * teams' credentials; team-b's are not listed, not with "anyone" either,
 * and a link to one opens nothing; she creates a token for team-a from the
 * form, is refused one for team-b with the backend's 403 message, rotates
 * and revokes team-a's tokens from their details, and the revoked token is
 * refused (401) while team-b's still work. Screenshots at 1280 px go to
 * GATEHOUSE_BROWSER_ARTIFACTS (default browser-artifacts/), prefixed team-.
 * Not a Jest test: `npm run test:browser` runs it with node:test.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { DEV_TOKENS } from '../dev/examples';
import { ARTIFACTS, DevStack, launchChromium, startDevStack } from './devStack';

const WIDE = { width: 1280, height: 900 };
const TEAM_A = 'group:default/team-a';
const TEAM_B = 'group:default/team-b';
/** What the owner policy's non-administrators may give a token: named permissions. */
const CATALOG_READ = [
  { plugin: 'catalog', permission: ['catalog.entity.read'] },
];

/** Retries `check` until it passes, for what the page shows after a refresh. */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(done => setTimeout(done, 250));
    }
  }
}

interface Issued {
  id: string;
  token: string;
  subject: string;
  owner: string;
}

describe('the Service access page of a team member, under the owner policy', () => {
  let stack: DevStack;
  let backendUrl: string;
  let appUrl: string;
  let browser: Browser;
  let page: Page;
  let step = 0;
  /** Seeded by the dev admin token: two of team-a's, two of team-b's. */
  const seeded: Record<string, Issued> = {};

  const settled = () =>
    page.waitForFunction(() =>
      [...document.querySelectorAll('[role="dialog"]')].every(
        paper => getComputedStyle(paper.parentElement!).opacity === '1',
      ),
    );
  const shot = async (name: string) => {
    await settled();
    step += 1;
    await page.screenshot({
      path: join(
        ARTIFACTS,
        `team-${String(step).padStart(2, '0')}-${name}.png`,
      ),
      fullPage: true,
    });
  };
  /** A request as curl would make it, with `token`; its status. */
  const statusWith = (token: string, path = '/api/catalog/entities') =>
    fetch(`${backendUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then(r => r.status);
  /** The dev admin token (a service; unrestricted) on Gatehouse's API. */
  const asAdmin = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${backendUrl}/api/gatehouse${path}`, {
      method,
      headers: {
        authorization: `Bearer ${DEV_TOKENS.admin}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json() };
  };
  /** Every credential, as the administrator's inventory has them. */
  const everything = async () =>
    (await asAdmin('GET', '/inventory')).body.items as Array<{
      id: string;
      subject: string;
      owner?: string;
    }>;
  const seed = async (subject: string, owner: string) => {
    const created = await asAdmin('POST', '/tokens', {
      subject,
      owner,
      description: `seeded for ${owner} by the browser test`,
      expiresIn: '7d',
      accessRestrictions: CATALOG_READ,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seeded[subject] = created.body;
  };

  const subjectButton = (subject: string) =>
    page.getByRole('button', { name: subject, exact: true });
  const rowOf = (subject: string): Locator =>
    page.getByRole('row').filter({ has: subjectButton(subject) });
  const ownerFilter = () => page.getByLabel('Owner', { exact: true });
  /** The inventory's answer to the page's next request for it. */
  const nextInventory = () =>
    page.waitForResponse(
      response =>
        new URL(response.url()).pathname === '/api/gatehouse/inventory',
    );
  /** Opens the page at `path`, signing in as the guest if asked to. */
  const open = async (path: string) => {
    await page.goto(`${appUrl}${path}`);
    const enter = page.getByRole('button', { name: 'Enter' });
    const filter = ownerFilter();
    await enter.or(filter).first().waitFor();
    if (await enter.isVisible()) await enter.click();
    await filter.waitFor();
  };

  before(async () => {
    stack = await startDevStack({
      devApp: true,
      tokensFile: join(ARTIFACTS, 'team-tokens.yaml'),
      env: {
        GATEHOUSE_DEV_POLICY: 'owners',
        GATEHOUSE_DEV_GUEST: 'user:default/alice',
      },
    });
    ({ backendUrl, appUrl } = stack);
    // The guest signs in as the catalog has alice then: wait until the
    // catalog says she is in team-a, or she would own nothing.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(
        `${backendUrl}/api/catalog/entities/by-name/user/default/alice`,
        { headers: { authorization: `Bearer ${DEV_TOKENS.admin}` } },
      );
      const alice = response.ok
        ? ((await response.json()) as {
            relations?: { type: string; targetRef: string }[];
          })
        : undefined;
      if (
        alice?.relations?.some(
          r => r.type === 'memberOf' && r.targetRef === TEAM_A,
        )
      ) {
        break;
      }
      assert.ok(Date.now() < deadline, 'the catalog never had alice in team-a');
      await new Promise(done => setTimeout(done, 500));
    }
    // A service must name the owner of the tokens it makes.
    await seed('team-a-deployer', TEAM_A);
    await seed('team-a-reporter', TEAM_A);
    await seed('team-b-deployer', TEAM_B);
    await seed('team-b-reporter', TEAM_B);
    ({ browser, page } = await launchChromium());
    await page.setViewportSize(WIDE);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("opens on the member's teams: team-a's tokens, not team-b's", async () => {
    const inventory = nextInventory();
    await open('/gatehouse');
    // The policy shows alice some credentials only: her teams' first.
    assert.equal(await ownerFilter().inputValue(), 'mine');
    assert.equal(
      await ownerFilter().locator('option:checked').innerText(),
      'my teams',
    );
    assert.equal(
      new URL((await inventory).url()).searchParams.get('owner'),
      'mine',
    );
    await rowOf('team-a-deployer').waitFor();
    await rowOf('team-a-reporter').waitFor();
    assert.match(await rowOf('team-a-deployer').innerText(), /team-a/);
    assert.equal(await rowOf('team-b-deployer').count(), 0);
    assert.equal(await rowOf('team-b-reporter').count(), 0);
    // Nor the config's credentials: the platform team's, or nobody's.
    assert.equal(await rowOf('ci-pipeline').count(), 0);
    assert.equal(await rowOf('dev-admin').count(), 0);
    await shot('my-teams');
  });

  it('lists no more with the Owner filter on "anyone": the policy, not the filter, hides team-b\'s', async () => {
    const inventory = nextInventory();
    await ownerFilter().selectOption({ label: 'anyone' });
    const answer = await inventory;
    assert.equal(new URL(answer.url()).searchParams.get('owner'), null);
    const subjects = (
      (await answer.json()) as { items: { subject: string }[] }
    ).items.map(item => item.subject);
    assert.deepEqual(subjects.sort(), ['team-a-deployer', 'team-a-reporter']);
    await rowOf('team-a-deployer').waitFor();
    assert.equal(await rowOf('team-b-deployer').count(), 0);
    assert.equal(await rowOf('team-b-reporter').count(), 0);
    await shot('anyone');
  });

  it("opens a team-a token's details from a link, and nothing from a link to team-b's", async () => {
    const mine = `gatehouse-managed:${seeded['team-a-reporter'].id}`;
    await open(`/gatehouse?credential=${encodeURIComponent(mine)}`);
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('table', { name: 'Details of team-a-reporter' })
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const theirs = `gatehouse-managed:${seeded['team-b-deployer'].id}`;
    const inventory = nextInventory();
    await open(`/gatehouse?credential=${encodeURIComponent(theirs)}`);
    await inventory;
    await rowOf('team-a-deployer').waitFor();
    // The page looks the link up once the inventory is in: give it time to.
    await page.waitForTimeout(1_000);
    assert.equal(await dialog.count(), 0);
    assert.equal(await page.getByText('team-b-deployer').count(), 0);
    await shot('link-to-team-b');
  });

  it('creates a token for team-a from the form, and it is listed', async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Subject/).fill('team-a-e2e');
    await dialog.getByLabel(/^Owner/).fill(TEAM_A);
    await dialog
      .getByLabel(/^Description/)
      .fill('made by alice in the browser test');
    // Not an administrator: each permission named.
    await dialog
      .getByLabel(/^Restricted to/)
      .fill('catalog: catalog.entity.read');
    await shot('new-token-team-a');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const token = (
      await dialog.getByLabel('The new token', { exact: true }).innerText()
    ).trim();
    assert.match(token, /^gthm_/);
    assert.equal(await statusWith(token), 200);
    await shot('token-for-team-a');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    await rowOf('team-a-e2e').waitFor();
    assert.match(await rowOf('team-a-e2e').innerText(), /team-a/);
    const made = (await everything()).find(c => c.subject === 'team-a-e2e');
    assert.equal(made?.owner, TEAM_A);
  });

  it("is refused a token for team-b: the form shows the backend's 403 at the Owner field", async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Subject/).fill('team-b-by-alice');
    await dialog.getByLabel(/^Owner/).fill(TEAM_B);
    await dialog.getByLabel(/^Description/).fill('not alice to make');
    await dialog
      .getByLabel(/^Restricted to/)
      .fill('catalog: catalog.entity.read');
    const refusal = page.waitForResponse(
      response =>
        new URL(response.url()).pathname === '/api/gatehouse/tokens' &&
        response.request().method() === 'POST',
    );
    await dialog.getByRole('button', { name: 'Create' }).click();
    assert.equal((await refusal).status(), 403);
    const ownerField = dialog.getByLabel(/^Owner/);
    await dialog.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await ownerField.getAttribute('aria-invalid'), 'true');
    const describedBy = await ownerField.getAttribute('aria-describedby');
    assert.ok(describedBy, 'the Owner field names its message');
    assert.equal(
      (await page.locator(`[id="${describedBy}"]`).innerText()).trim(),
      "'user:default/alice' may not create a token owned by group:default/team-b: gatehouse.token.create is not granted on a token owned by group:default/team-b",
    );
    // Only the owner is wrong: no other field is marked.
    assert.equal(
      await dialog.getByLabel(/^Subject/).getAttribute('aria-invalid'),
      'false',
    );
    // Still the form, as typed: nothing was made.
    assert.equal(await dialog.getByLabel(/^Owner/).inputValue(), TEAM_B);
    assert.equal(
      await dialog.getByLabel('The new token', { exact: true }).count(),
      0,
    );
    await shot('refused-for-team-b');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      (await everything()).some(c => c.subject === 'team-b-by-alice'),
      false,
    );
  });

  it('rotates a team-a token from its details: the new one is listed, the team keeps it', async () => {
    const before = seeded['team-a-deployer'];
    assert.equal(await rowOf(before.subject).count(), 1);
    await subjectButton(before.subject).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Rotate…' }).click();
    const named = dialog.getByRole('table', { name: 'The token' });
    await named.waitFor();
    assert.match(await named.innerText(), /group:default\/team-a/);
    await shot('confirm-rotate');
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    const token = (
      await dialog.getByLabel('The new token', { exact: true }).innerText()
    ).trim();
    assert.match(token, /^gthm_/);
    assert.notEqual(token, before.token);
    assert.equal(await statusWith(token), 200);
    await shot('rotated');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The successor beside the old token, which works for the overlap.
    await eventually(async () =>
      assert.equal(await rowOf(before.subject).count(), 2),
    );
    // Made by alice, for team-a still.
    const old = (await asAdmin('GET', `/tokens/${before.id}`)).body;
    assert.ok(old.rotatedTo, 'the old token names its successor');
    const successor = (await asAdmin('GET', `/tokens/${old.rotatedTo}`)).body;
    assert.equal(successor.owner, TEAM_A);
    assert.equal(successor.status, 'active');
    await shot('after-rotation');
  });

  it('revokes a team-a token from its details: the table updates, the token is refused (401)', async () => {
    const victim = seeded['team-a-reporter'];
    assert.equal(await statusWith(victim.token), 200);
    await subjectButton(victim.subject).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Revoke…' }).click();
    const named = dialog.getByRole('table', { name: 'The token' });
    await named.waitFor();
    assert.match(await named.innerText(), /group:default\/team-a/);
    await shot('confirm-revoke');
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog
      .getByRole('status')
      .getByText(/^Revoked\./)
      .waitFor();
    await shot('revoked');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await rowOf(victim.subject).waitFor({ state: 'detached' });
    await page.getByLabel('Show revoked, expired and compromised').check();
    await rowOf(victim.subject).getByText('revoked', { exact: true }).waitFor();
    assert.equal(await statusWith(victim.token), 401);
    await shot('after-revocation');
  });

  it("follows an owner to its catalog page, where the team's card lists what it owns", async () => {
    await open('/gatehouse');
    await rowOf('team-a-deployer').first().waitFor();
    // The owner by its display name, a link to its page in the catalog.
    await rowOf('team-a-deployer')
      .first()
      .getByRole('link', { name: 'Team A', exact: true })
      .click();
    await page.waitForURL(/\/catalog\/default\/group\/team-a/);
    const card = page.getByRole('table', {
      name: 'Credentials this team owns',
    });
    await card.waitFor();
    const listed = await card.innerText();
    assert.match(listed, /team-a-deployer/);
    assert.doesNotMatch(listed, /team-b-/);
    await shot('team-card');
  });

  it("left team-b's tokens alone: unchanged, and they still work", async () => {
    for (const subject of ['team-b-deployer', 'team-b-reporter']) {
      const token = (await asAdmin('GET', `/tokens/${seeded[subject].id}`))
        .body;
      assert.equal(token.status, 'active', subject);
      assert.equal(token.rotatedTo, undefined, subject);
      assert.equal(await statusWith(seeded[subject].token), 200, subject);
    }
    // And the member's page never showed them, revoked and expired included.
    assert.equal(await page.getByText(/team-b-/).count(), 0);
  });
});
