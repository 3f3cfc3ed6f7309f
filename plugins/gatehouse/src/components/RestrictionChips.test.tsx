import { themes, UnifiedThemeProvider } from '@backstage/theme';
import { render, screen, within } from '@testing-library/react';
import type { AccessRestriction } from '../api/types';
import { cascaded, textContrast } from '../testing/contrast';
import { RestrictionChips, restrictionChipLabel } from './RestrictionChips';
import { restrictionLines } from '@gatehouse/backstage-plugin-gatehouse-common';

const RESTRICTIONS: AccessRestriction[] = [
  { plugin: 'catalog' },
  { plugin: 'search', permissionAttribute: { action: ['read'] } },
  {
    plugin: 'techdocs',
    permission: ['techdocs.entity.read'],
    permissionAttribute: { action: ['read'] },
  },
  {
    plugin: 'scaffolder',
    permission: [
      'scaffolder.task.create',
      'scaffolder.task.read',
      'scaffolder.template.parameter.read',
    ],
    permissionAttribute: { action: ['create', 'read'] },
  },
  {
    plugin: 'kubernetes',
    permission: ['kubernetes.proxy', 'kubernetes.resources.read'],
  },
];

const renderChips = (
  restrictions: AccessRestriction[] | null | undefined,
  mode: 'light' | 'dark' = 'light',
) =>
  render(
    <UnifiedThemeProvider theme={themes[mode]}>
      <RestrictionChips restrictions={restrictions} />
    </UnifiedThemeProvider>,
  );

describe('RestrictionChips', () => {
  it("shows a chip per plugin in restrictionLines' words, counting several permissions", () => {
    renderChips(RESTRICTIONS);
    const chips = within(screen.getByRole('list')).getAllByRole('listitem');
    expect(chips.map(chip => chip.textContent)).toEqual([
      'catalog: everything',
      'search (read)',
      'techdocs: techdocs.entity.read (read)',
      'scaffolder: 3 permissions (create, read)',
      'kubernetes: 2 permissions',
    ]);
  });

  it('puts what a label leaves out in its title, and no title that repeats it', () => {
    renderChips(RESTRICTIONS);
    expect(
      screen
        .getByText('scaffolder: 3 permissions (create, read)')
        .closest('[title]'),
    ).toHaveAttribute(
      'title',
      'scaffolder: scaffolder.task.create, scaffolder.task.read, scaffolder.template.parameter.read (create, read)',
    );
    expect(
      screen.getByText('kubernetes: 2 permissions').closest('[title]'),
    ).toHaveAttribute(
      'title',
      'kubernetes: kubernetes.proxy, kubernetes.resources.read',
    );
    expect(
      screen.getByText('catalog: everything').closest('[title]'),
    ).toBeNull();
  });

  it('wraps between chips, never inside a label, and never cuts a label short', () => {
    renderChips(RESTRICTIONS);
    const list = screen.getByRole('list');
    expect(cascaded(list, 'display')).toBe('flex');
    expect(cascaded(list, 'flex-wrap')).toBe('wrap');
    for (const item of within(list).getAllByRole('listitem')) {
      const chip = item.querySelector('.MuiChip-root')!;
      expect(cascaded(chip, 'max-width')).toBe('none');
      expect(
        cascaded(chip.querySelector('.MuiChip-label')!, 'white-space'),
      ).toBe('nowrap');
    }
  });

  it.each(['light', 'dark'] as const)(
    'marks an unrestricted credential (%s theme) with a readable warning chip, "every plugin"',
    mode => {
      renderChips(null, mode);
      const chip = screen.getByText('every plugin').closest('.MuiChip-root')!;
      expect(chip).toHaveAttribute(
        'title',
        'Unrestricted: this credential may call every plugin of this Backstage',
      );
      const palette = themes[mode].getTheme('v4')!.palette;
      const probe = document.createElement('div');
      probe.style.backgroundColor = palette.warning.light;
      expect(cascaded(chip, 'background-color')).toBe(
        probe.style.backgroundColor,
      );
      expect(
        textContrast(chip, palette.background.paper),
      ).toBeGreaterThanOrEqual(4.5);
      expect(screen.queryByRole('list')).toBeNull();
    },
  );

  it('treats absent restrictions as unrestricted, as restrictionLines does', () => {
    renderChips(undefined);
    expect(
      screen.getByText(restrictionLines(undefined)[0]),
    ).toBeInTheDocument();
  });

  it('labels a restriction of at most one permission by its whole line; none at all as no plugin', () => {
    expect(restrictionChipLabel({ plugin: 'catalog' })).toBe(
      'catalog: everything',
    );
    expect(
      restrictionChipLabel({
        plugin: 'catalog',
        permission: ['catalog.entity.read'],
      }),
    ).toBe('catalog: catalog.entity.read');
    renderChips([]);
    expect(screen.getByText('no plugin')).toBeInTheDocument();
  });
});
