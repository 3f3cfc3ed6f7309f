import { Table, TableColumn } from '@backstage/core-components';
import {
  Link,
  makeStyles,
  TablePagination,
  Theme,
  useMediaQuery,
} from '@material-ui/core';
import type { ReactNode } from 'react';
import type { Credential } from '../api/types';
import { OwnerLink } from './OwnerLink';
import {
  NEVER,
  sourceText,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { fullTime, relativeTime } from './timeWords';
import { RestrictionChips } from './RestrictionChips';
import { StatusChip } from './StatusChip';

/** A subject longer than this may wrap anywhere; shorter ones never wrap. */
const LONG_SUBJECT = 40;

const useStyles = makeStyles(theme => ({
  subject: {
    textAlign: 'left',
    fontSize: 'inherit',
    fontWeight: theme.typography.fontWeightMedium as number,
    whiteSpace: 'nowrap',
  },
  longSubject: {
    textAlign: 'left',
    fontSize: 'inherit',
    fontWeight: theme.typography.fontWeightMedium as number,
    overflowWrap: 'anywhere',
  },
  subtle: {
    color: (theme.palette as { textSubtle?: string }).textSubtle,
    fontSize: '0.8125rem',
    marginTop: 2,
  },
}));

type Classes = ReturnType<typeof useStyles>;

/**
 * A point in time as "3 hours ago", the full time in its title; `words`
 * puts it in a phrase ("expires in 6 months"), or says there is none.
 */
function Time(props: {
  iso?: string;
  now: number;
  words?: (relative: string | undefined) => string;
}) {
  const { iso, now, words = (relative?: string) => relative ?? NEVER } = props;
  if (!iso) return <>{words(undefined)}</>;
  return (
    <time dateTime={iso} title={fullTime(iso)}>
      {words(relativeTime(iso, now))}
    </time>
  );
}

function SubjectButton(props: {
  row: Credential;
  classes: Classes;
  onSelect: (credential: Credential) => void;
}) {
  const { row, classes } = props;
  return (
    <Link
      component="button"
      className={
        row.subject.length > LONG_SUBJECT
          ? classes.longSubject
          : classes.subject
      }
      aria-haspopup="dialog"
      onClick={() => props.onSelect(row)}
    >
      {row.subject}
    </Link>
  );
}

/** A token rotated away: still valid for its overlap, replaced all the same. */
function Replaced(props: { row: Credential; classes: Classes }) {
  if (!props.row.replacedBy || props.row.revokedAt) return null;
  return <div className={props.classes.subtle}>replaced by rotation</div>;
}

const NOWRAP = { whiteSpace: 'nowrap' } as const;
/** Lines break between words only (the table's cells may otherwise break inside one). */
const WORDS_WHOLE = { wordBreak: 'normal', overflowWrap: 'normal' } as const;
/** A column as narrow as its content, which never wraps. */
const compact = {
  width: '1px',
  cellStyle: NOWRAP,
  headerStyle: NOWRAP,
};

/** From 600 px up: a column per question, the subject opening the details. */
function wideColumns(
  classes: Classes,
  now: number,
  onSelect: (credential: Credential) => void,
): TableColumn<Credential>[] {
  return [
    {
      title: 'Subject',
      width: 'auto',
      render: row => (
        <>
          <SubjectButton row={row} classes={classes} onSelect={onSelect} />
          {row.description && (
            <div className={classes.subtle}>{row.description}</div>
          )}
        </>
      ),
    },
    {
      title: 'Owner',
      ...compact,
      render: row => <OwnerLink owner={row.owner} />,
    },
    // May wrap between its words ("managed / token"): room for the chips.
    {
      title: 'Source',
      width: '1px',
      cellStyle: WORDS_WHOLE,
      render: row => sourceText(row.source),
    },
    {
      title: 'Restricted to',
      width: 'auto',
      render: row => <RestrictionChips restrictions={row.accessRestrictions} />,
    },
    {
      title: 'Status',
      ...compact,
      render: row => (
        <>
          <StatusChip status={row.status} />
          <Replaced row={row} classes={classes} />
        </>
      ),
    },
    {
      title: 'Expires',
      ...compact,
      render: row =>
        // A revoked token's expiry no longer says anything.
        // Two short lines: the column stays as narrow as "in 7 months".
        row.revokedAt ? (
          <>
            <Time iso={row.revokedAt} now={now} />
            <div className={classes.subtle}>when revoked</div>
          </>
        ) : (
          <Time iso={row.expiresAt} now={now} />
        ),
    },
    {
      title: 'Last used',
      ...compact,
      render: row =>
        !row.usage ? (
          'not recorded'
        ) : (
          <>
            <Time iso={row.usage.lastUsedAt} now={now} />
            {row.usage.lastUsedAt && row.usage.lastUsedBy && (
              <div className={classes.subtle}>
                called {row.usage.lastUsedBy}
              </div>
            )}
          </>
        ),
    },
  ];
}

/** Below 600 px: two columns, each stacking what the wide table spreads out. */
function narrowColumns(
  classes: Classes,
  now: number,
  onSelect: (credential: Credential) => void,
): TableColumn<Credential>[] {
  return [
    {
      title: 'Credential',
      width: 'auto',
      render: row => (
        <>
          <SubjectButton row={row} classes={classes} onSelect={onSelect} />
          {row.description && (
            <div className={classes.subtle}>{row.description}</div>
          )}
          <div className={classes.subtle}>
            {sourceText(row.source)}
            {row.owner ? (
              <>
                {' of '}
                <OwnerLink owner={row.owner} />
              </>
            ) : (
              ', no owner'
            )}
          </div>
          <div className={classes.subtle}>
            <RestrictionChips restrictions={row.accessRestrictions} />
          </div>
        </>
      ),
    },
    {
      title: 'Status',
      width: 'auto',
      render: row => (
        <>
          <StatusChip status={row.status} />
          <Replaced row={row} classes={classes} />
          <div className={classes.subtle}>
            {row.revokedAt ? (
              <Time
                iso={row.revokedAt}
                now={now}
                words={when => `revoked ${when}`}
              />
            ) : (
              <Time
                iso={row.expiresAt}
                now={now}
                words={when =>
                  !when
                    ? 'no expiry'
                    : Date.parse(row.expiresAt!) <= now
                      ? `expired ${when}`
                      : `expires ${when}`
                }
              />
            )}
          </div>
          <div className={classes.subtle}>
            {!row.usage ? (
              'use not recorded'
            ) : (
              <Time
                iso={row.usage.lastUsedAt}
                now={now}
                words={when => (when ? `used ${when}` : 'never used')}
              />
            )}
            {row.usage?.lastUsedAt && row.usage.lastUsedBy
              ? ` (${row.usage.lastUsedBy})`
              : ''}
          </div>
        </>
      ),
    },
  ];
}

/**
 * A page of credentials, a row each; its subject opens its details. Compact
 * columns sized to their content, relative times with the full time in a
 * title; below 600 px, two columns that stack the rest. The backend pages
 * (a database of 100,000 tokens sends 50), so the pager below is the
 * page's own, not material-table's, which pages only rows it holds.
 * Sorting is off: material-table's sort headers nest a button in a button,
 * which screen readers cannot use (axe: nested-interactive); the backend
 * orders credentials (config first, managed tokens newest first).
 */
export function InventoryTable(props: {
  credentials: Credential[];
  /** How many match the filters, on every page. */
  total: number;
  /** The page shown, from 0, of `pageSize` rows. */
  page: number;
  pageSize: number;
  onPageChange: (page: number) => void;
  /** When the backend made the inventory: the times are relative to it. */
  generatedAt?: string;
  onSelect: (credential: Credential) => void;
  /** Shown instead of the rows when there are none. */
  emptyContent?: ReactNode;
}) {
  const classes = useStyles();
  // Decided at the first render: a phone never sees the wide table first.
  const narrow = useMediaQuery((theme: Theme) => theme.breakpoints.down('xs'), {
    noSsr: true,
  });
  const generated = props.generatedAt ? Date.parse(props.generatedAt) : NaN;
  const now = Number.isNaN(generated) ? Date.now() : generated;
  return (
    <>
      <Table<Credential>
        title={`Credentials (${props.total})`}
        columns={(narrow ? narrowColumns : wideColumns)(
          classes,
          now,
          props.onSelect,
        )}
        data={props.credentials}
        emptyContent={props.emptyContent}
        options={{
          sorting: false,
          search: false,
          paging: false,
          padding: 'dense',
        }}
      />
      {props.total > props.pageSize && (
        <TablePagination
          component="div"
          count={props.total}
          page={props.page}
          rowsPerPage={props.pageSize}
          rowsPerPageOptions={[]}
          onPageChange={(_event, page) => props.onPageChange(page)}
        />
      )}
    </>
  );
}
