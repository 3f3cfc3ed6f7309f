import { themes, UnifiedThemeProvider } from '@backstage/theme';
import { render, screen } from '@testing-library/react';
import type { CredentialStatus } from '../api/types';
import { cascaded, textContrast } from '../testing/contrast';
import { StatusChip } from './StatusChip';

const STATUSES: Array<[CredentialStatus, string]> = [
  ['active', 'active'],
  ['expiring', 'expiring'],
  ['expired', 'expired'],
  ['not-yet-valid', 'not yet valid'],
  ['revoked', 'revoked'],
  ['compromised', 'compromised'],
];

describe.each(['light', 'dark'] as const)(
  'StatusChip in the %s theme',
  mode => {
    const palette = themes[mode].getTheme('v4')!.palette;

    function renderChips() {
      render(
        <UnifiedThemeProvider theme={themes[mode]}>
          {STATUSES.map(([status]) => (
            <StatusChip key={status} status={status} />
          ))}
        </UnifiedThemeProvider>,
      );
      return Object.fromEntries(
        STATUSES.map(([status, words]) => [
          status,
          screen.getByText(words).closest('.MuiChip-root')!,
        ]),
      ) as Record<CredentialStatus, Element>;
    }

    it('says each status in words, readably (WCAG AA, 4.5:1)', () => {
      const chips = renderChips();
      expect(screen.queryByText('not-yet-valid')).toBeNull();
      for (const [status] of STATUSES) {
        expect(
          textContrast(chips[status], palette.background.paper),
        ).toBeGreaterThanOrEqual(4.5);
      }
    });

    it('colours each by its severity, no two alike; expiring as loud as the unrestricted warning', () => {
      const chips = renderChips();
      const backgrounds = STATUSES.map(([status]) =>
        cascaded(chips[status], 'background-color'),
      );
      expect(new Set(backgrounds).size).toBe(STATUSES.length);
      const probe = document.createElement('div');
      probe.style.backgroundColor = palette.warning.light;
      expect(cascaded(chips.expiring, 'background-color')).toBe(
        probe.style.backgroundColor,
      );
    });

    it('never cuts its label short', () => {
      const chips = renderChips();
      expect(cascaded(chips['not-yet-valid'], 'max-width')).toBe('none');
    });
  },
);
