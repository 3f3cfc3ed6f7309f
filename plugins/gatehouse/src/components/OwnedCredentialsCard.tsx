import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { GatehouseApiError } from '../api/GatehouseClient';
import type { CredentialStatus } from '../api/types';
import { legacyRootRouteRef } from '../legacyRoutes';
import { rootRouteRef } from '../routes';
import { NEVER } from '@gatehouse/backstage-plugin-gatehouse-common';
import { fullTime, relativeTime } from './timeWords';
import { RestrictionChips } from './RestrictionChips';
import { StatusChip } from './StatusChip';
import { useGatehouseClient } from './useGatehouseClient';

/** The credentials that can still be used, as the page shows them. */
const USABLE: CredentialStatus[] = ['active', 'expiring', 'not-yet-valid'];

/** How many the card lists; the page has the rest. */
export const CARD_LIMIT = 10;

const useStyles = makeStyles(theme => ({
  subject: { fontWeight: theme.typography.fontWeightMedium as number },
  nowrap: { whiteSpace: 'nowrap' },
  subtle: { color: (theme.palette as { textSubtle?: string }).textSubtle },
  error: {
    color:
      (theme.palette as { errorText?: string }).errorText ??
      theme.palette.error.dark,
  },
}));

/** A route ref's path, or undefined where the app has not mounted it (useRouteRef throws). */
function useRoutePath(
  ref: typeof rootRouteRef | typeof legacyRootRouteRef,
): string | undefined {
  try {
    // core-plugin-api's hook resolves either system's refs, in either app.
    return useRouteRef(ref as typeof legacyRootRouteRef)();
  } catch {
    return undefined;
  }
}

/**
 * Where the Service access page is: the new system's route, the legacy
 * app's, or /gatehouse where neither is mounted (the card without the page).
 */
function useServiceAccessPath(): string {
  const page = useRoutePath(rootRouteRef);
  const legacyPage = useRoutePath(legacyRootRouteRef);
  return page ?? legacyPage ?? '/gatehouse';
}

/**
 * A group's (or user's) entity page card: the credentials it owns that can
 * still be used, the first ten with their status, restrictions and last
 * use, and a link to all of them on the Service access page.
 */
export function OwnedCredentialsCard() {
  const { entity } = useEntity();
  const classes = useStyles();
  const client = useGatehouseClient();
  const owner = stringifyEntityRef(entity);
  const isUser = entity.kind.toLowerCase() === 'user';
  const who = isUser ? 'this user' : 'this team';
  const pagePath = useServiceAccessPath();
  const ownerQuery = `owner=${encodeURIComponent(owner)}`;

  const state = useAsync(async () => {
    const [inventory, access] = await Promise.all([
      client.inventory({ owner, status: USABLE }, { limit: CARD_LIMIT }),
      // Only for the wording: "some" readers may not see every one.
      client.access().catch(() => undefined),
    ]);
    return { inventory, partial: access?.read === 'some' };
  }, [client, owner]);

  const title = `Credentials ${who} owns`;
  let subheader: string | undefined;
  let content;
  if (state.loading) {
    content = <Progress />;
  } else if (state.error) {
    const refused =
      state.error instanceof GatehouseApiError && state.error.status === 403;
    content = (
      <Typography role="alert" className={classes.error}>
        {refused
          ? `You may not see ${who}'s credentials`
          : `The credentials could not be loaded: ${state.error.message}`}
      </Typography>
    );
  } else if (state.value) {
    const { inventory, partial } = state.value;
    const { items, total } = inventory;
    const now = Date.parse(inventory.generatedAt) || Date.now();
    const those = partial ? ' that you may see' : '';
    subheader =
      total > items.length
        ? `The first ${items.length} of ${total}${those}`
        : `${total} credential${total === 1 ? '' : 's'}${those}`;
    content = !items.length ? (
      <Typography>
        {isUser ? 'This user' : 'This team'} owns no credentials{those}
      </Typography>
    ) : (
      <Table size="small" aria-label={title}>
        <TableHead>
          <TableRow>
            <TableCell>Subject</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Restricted to</TableCell>
            <TableCell>Last used</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map(credential => {
            const lastUsedAt = credential.usage?.lastUsedAt;
            return (
              <TableRow key={credential.id}>
                <TableCell>
                  <Link
                    className={classes.subject}
                    to={`${pagePath}?${ownerQuery}&credential=${encodeURIComponent(credential.id)}`}
                  >
                    {credential.subject}
                  </Link>
                  {credential.description && (
                    <div className={classes.subtle}>
                      {credential.description}
                    </div>
                  )}
                </TableCell>
                <TableCell className={classes.nowrap}>
                  <StatusChip status={credential.status} />
                </TableCell>
                <TableCell>
                  <RestrictionChips
                    restrictions={credential.accessRestrictions}
                  />
                </TableCell>
                <TableCell className={classes.nowrap}>
                  {!credential.usage ? (
                    'not recorded'
                  ) : lastUsedAt ? (
                    <time dateTime={lastUsedAt} title={fullTime(lastUsedAt)}>
                      {relativeTime(lastUsedAt, now)}
                    </time>
                  ) : (
                    NEVER
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    );
  }

  return (
    <InfoCard
      title={title}
      subheader={subheader}
      deepLink={
        state.error
          ? undefined
          : {
              title: 'View all in Service access',
              link: `${pagePath}?${ownerQuery}`,
            }
      }
    >
      {content}
    </InfoCard>
  );
}
