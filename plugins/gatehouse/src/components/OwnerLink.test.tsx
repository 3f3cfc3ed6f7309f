import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  entityPresentationApiRef,
  entityRouteRef,
  type EntityPresentationApi,
} from '@backstage/plugin-catalog-react';
import { renderInTestApp as renderInLegacyApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { OwnerLink } from './OwnerLink';

/** The catalog's entity pages, where the catalog plugin mounts them. */
const CATALOG = {
  '/catalog/:namespace/:kind/:name': entityRouteRef as any,
};

/** The catalog's presentation API: a group's profile display name. */
const presentation: EntityPresentationApi = {
  forEntity: ref => {
    const entityRef = String(ref);
    const snapshot = {
      entityRef,
      primaryTitle:
        entityRef === 'group:default/payments-team'
          ? 'Payments Team'
          : entityRef,
      secondaryTitle: entityRef,
    };
    return { snapshot, promise: Promise.resolve(snapshot) };
  },
};

describe('OwnerLink', () => {
  it('shows a group by its display name, linked to its catalog page, the whole ref on hover, in one piece', async () => {
    await renderInTestApp(<OwnerLink owner="group:default/payments-team" />, {
      mountedRoutes: CATALOG,
      apis: [[entityPresentationApiRef, presentation]],
    });
    const link = await screen.findByRole('link', { name: 'Payments Team' });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/group/payments-team',
    );
    const owner = link.closest('[title]')!;
    expect(owner).toHaveAttribute('title', 'group:default/payments-team');
    // Never broken at its hyphen.
    expect(getComputedStyle(owner).whiteSpace).toBe('nowrap');
  });

  it('names the owner by its short ref where the app has no presentation API', async () => {
    await renderInTestApp(
      <>
        <OwnerLink owner="group:default/payments" />
        <OwnerLink owner="user:default/jane" />
        <OwnerLink owner="group:finance/payments" />
      </>,
      { mountedRoutes: CATALOG },
    );
    expect(
      await screen.findByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/group/payments');
    expect(screen.getByRole('link', { name: 'user:jane' })).toHaveAttribute(
      'href',
      '/catalog/default/user/jane',
    );
    expect(
      screen.getByRole('link', { name: 'finance/payments' }),
    ).toHaveAttribute('href', '/catalog/finance/group/payments');
  });

  it('is plain text, the whole ref on hover, where the app has no catalog pages', async () => {
    await renderInTestApp(
      <>
        <OwnerLink owner="group:default/payments-team" />
        <OwnerLink owner="user:default/jane" />
      </>,
    );
    const owner = await screen.findByText('payments-team');
    expect(owner).toHaveAttribute('title', 'group:default/payments-team');
    expect(getComputedStyle(owner).whiteSpace).toBe('nowrap');
    expect(screen.getByText('user:jane')).toBeInTheDocument();
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('is plain text for an owner that is not an entity ref, and says when there is none', async () => {
    await renderInTestApp(
      <>
        <OwnerLink owner="payments" />
        <OwnerLink owner={null} />
        <OwnerLink owner={undefined} noOwner="nobody" />
      </>,
      { mountedRoutes: CATALOG },
    );
    expect(await screen.findByText('payments')).toHaveAttribute(
      'title',
      'payments',
    );
    expect(screen.getByText('no owner')).toBeInTheDocument();
    expect(screen.getByText('nobody')).toBeInTheDocument();
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('links in a legacy app too', async () => {
    await renderInLegacyApp(<OwnerLink owner="group:default/payments" />, {
      mountedRoutes: CATALOG,
    });
    expect(
      await screen.findByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/group/payments');
  });

  it('is plain text in a legacy app without the catalog', async () => {
    await renderInLegacyApp(<OwnerLink owner="group:default/payments" />);
    expect(await screen.findByText('payments')).toHaveAttribute(
      'title',
      'group:default/payments',
    );
    expect(screen.queryByRole('link')).toBeNull();
  });
});
