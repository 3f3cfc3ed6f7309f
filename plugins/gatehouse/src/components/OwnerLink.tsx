import { parseEntityRef } from '@backstage/catalog-model';
import { useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink, entityRouteRef } from '@backstage/plugin-catalog-react';
import { makeStyles } from '@material-ui/core';
import type { ReactNode } from 'react';
import {
  NO_OWNER,
  ownerText,
} from '@gatehouse/backstage-plugin-gatehouse-common';

const useStyles = makeStyles(theme => ({
  // A name such as platform-team must not break at its hyphen.
  owner: { whiteSpace: 'nowrap' },
  none: {
    color: (theme.palette as { textSubtle?: string }).textSubtle,
  },
}));

/**
 * Whether the app has the catalog's entity pages: useRouteRef throws
 * ("No path for routeRef") where no catalog plugin binds the entity route.
 * Called on every render, so the hooks inside run in the same order.
 */
function useHasEntityPages(): boolean {
  try {
    return !!useRouteRef(entityRouteRef);
  } catch {
    return false;
  }
}

function isEntityRef(ref: string): boolean {
  try {
    parseEntityRef(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * A credential's owner (an entity ref such as `group:default/payments`) by
 * the entity's display name, linked to its catalog page; the whole ref on
 * hover. Without the catalog's entity pages, or for a ref that is not one,
 * the short ref in plain text ("payments", "user:jane").
 */
export function OwnerLink(props: {
  owner: string | null | undefined;
  /** Shown when nobody owns it. */
  noOwner?: ReactNode;
  /** The kind's icon before the name (the presentation API's). */
  showIcon?: boolean;
}) {
  const { owner, noOwner = NO_OWNER, showIcon = false } = props;
  const classes = useStyles();
  const linked = useHasEntityPages();
  if (!owner) return <span className={classes.none}>{noOwner}</span>;
  return (
    <span title={owner} className={classes.owner}>
      {linked && isEntityRef(owner) ? (
        // Its own tooltip (the ref, after 1.5 s) would double the title.
        <EntityRefLink
          entityRef={owner}
          defaultKind="group"
          hideIcon={!showIcon}
          disableTooltip
        />
      ) : (
        ownerText(owner)
      )}
    </span>
  );
}
