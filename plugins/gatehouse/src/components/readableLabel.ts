import { makeStyles } from '@material-ui/core';

/**
 * Form labels and errors in colours that meet the WCAG AA contrast ratio on
 * the app's white (axe: color-contrast): Material UI's default grey label,
 * red error text and pale disabled help do not. Errors take Backstage's
 * `errorText`.
 */
export const useReadableLabel = makeStyles(theme => {
  const palette = theme.palette as { errorText?: string; textSubtle?: string };
  const errorText = palette.errorText ?? theme.palette.error.dark;
  return {
    label: {
      color: theme.palette.text.primary,
      '&.Mui-error': { color: errorText },
    },
    helper: {
      '&.Mui-error': { color: errorText },
      // A disabled field's help still says why it is disabled.
      '&.Mui-disabled': {
        color: palette.textSubtle ?? theme.palette.text.secondary,
      },
    },
    error: { color: errorText },
  };
});
