import { makeStyles } from '@material-ui/core';

/**
 * Form labels in the body text colour: Material UI's default grey on the
 * app's white fails the WCAG AA contrast ratio (axe: color-contrast).
 */
export const useReadableLabel = makeStyles(theme => ({
  label: { color: theme.palette.text.primary },
}));
