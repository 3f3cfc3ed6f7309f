import { Chip, makeStyles } from '@material-ui/core';
import { RiErrorWarningLine } from '@remixicon/react';
import type { AccessRestriction } from '../api/types';
import {
  restrictionLine,
  restrictionLines,
} from '@gatehouse/backstage-plugin-gatehouse-common';

const useStyles = makeStyles(theme => ({
  // Chips wrap between one another; a label never wraps nor is cut short.
  list: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  chip: { maxWidth: 'none' },
  // `&&` wins over the Chip's own colours whichever sheet comes first.
  unrestricted: {
    '&&': {
      maxWidth: 'none',
      backgroundColor: theme.palette.warning.light,
      color: theme.palette.getContrastText(theme.palette.warning.light),
    },
    '& svg': { color: 'inherit' },
  },
}));

/**
 * A restriction as a chip's label, in restrictionLine's words ("catalog:
 * everything", "catalog (read)", "catalog: catalog.entity.read (read)");
 * several permissions are counted ("catalog: 3 permissions (read)"), the
 * full line in the chip's title.
 */
export function restrictionChipLabel(restriction: AccessRestriction): string {
  const permissions = restriction.permission ?? [];
  if (permissions.length <= 1) return restrictionLine(restriction);
  const actions = restriction.permissionAttribute?.action?.join(', ');
  return `${restriction.plugin}: ${permissions.length} permissions${actions ? ` (${actions})` : ''}`;
}

/**
 * What a credential may call: a chip per plugin; none (null or absent) is a
 * warning chip, "every plugin".
 */
export function RestrictionChips(props: {
  restrictions: AccessRestriction[] | null | undefined;
}) {
  const { restrictions } = props;
  const classes = useStyles();
  if (!restrictions) {
    // May call every plugin: a finding of a review, not a description.
    return (
      <Chip
        size="small"
        className={classes.unrestricted}
        icon={<RiErrorWarningLine size={16} aria-hidden />}
        label={restrictionLines(restrictions)[0]}
        title="Unrestricted: this credential may call every plugin of this Backstage"
      />
    );
  }
  if (!restrictions.length) return <>no plugin</>;
  return (
    <ul className={classes.list}>
      {restrictions.map((restriction, i) => {
        const label = restrictionChipLabel(restriction);
        const full = restrictionLines([restriction])[0];
        return (
          <li key={i}>
            <Chip
              size="small"
              className={classes.chip}
              label={label}
              // Only what the label leaves out: a title repeating it is noise.
              title={full === label ? undefined : full}
            />
          </li>
        );
      })}
    </ul>
  );
}
