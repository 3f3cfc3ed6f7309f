import { Chip, makeStyles, Theme } from '@material-ui/core';
import { alpha } from '@material-ui/core/styles';
import type { CredentialStatus } from '../api/types';
import { statusText } from '@gatehouse/backstage-plugin-gatehouse-common';

type Severity = 'success' | 'warning' | 'error' | 'alarm' | 'info' | 'muted';

const SEVERITY: Record<CredentialStatus, Severity> = {
  active: 'success',
  expiring: 'warning',
  expired: 'error',
  'not-yet-valid': 'info',
  revoked: 'muted',
  compromised: 'alarm',
};

/**
 * A tint of the colour under the theme's own text: the text keeps its
 * contrast on the paper of either theme.
 */
const tint = (theme: Theme, color: string) => ({
  backgroundColor: alpha(color, theme.palette.type === 'dark' ? 0.3 : 0.16),
  color: theme.palette.text.primary,
});

// `&&` doubles the class: these win over the Chip's own colours whichever
// style sheet the app injects first.
const useStyles = makeStyles(theme => ({
  chip: { maxWidth: 'none' },
  success: { '&&': tint(theme, theme.palette.success.main) },
  info: { '&&': tint(theme, theme.palette.info.main) },
  error: { '&&': tint(theme, theme.palette.error.main) },
  // Needs doing soon: as loud as the "every plugin" warning.
  warning: {
    '&&': {
      backgroundColor: theme.palette.warning.light,
      color: theme.palette.getContrastText(theme.palette.warning.light),
    },
  },
  // Leaked: louder than expired, which is only over.
  alarm: {
    '&&': {
      backgroundColor: theme.palette.error.dark,
      color: theme.palette.getContrastText(theme.palette.error.dark),
    },
  },
  // Over and done with: the chip's default grey.
  muted: {},
}));

/**
 * A credential's status in words ("not yet valid"), coloured by what it asks
 * of a reviewer: active green, expiring a warning, expired red, not yet
 * valid blue, revoked grey, compromised a solid dark red.
 */
export function StatusChip(props: { status: CredentialStatus }) {
  const classes = useStyles();
  const severity = SEVERITY[props.status] ?? 'muted';
  return (
    <Chip
      size="small"
      className={`${classes.chip} ${classes[severity]}`}
      label={statusText(props.status)}
    />
  );
}
