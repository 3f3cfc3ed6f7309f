import { Table, TableColumn } from '@backstage/core-components';
import {
  Chip,
  Link,
  makeStyles,
  Theme,
  useMediaQuery,
} from '@material-ui/core';
import { RiErrorWarningLine } from '@remixicon/react';
import type { ReactNode } from 'react';
import type { Credential } from '../api/types';
import {
  fullTime,
  ownerText,
  relativeTime,
  restrictionLines,
  sourceText,
  statusText,
} from './restrictionsText';

const STATUS_COLOR: Record<
  Credential['status'],
  'default' | 'primary' | 'secondary'
> = {
  active: 'primary',
  expiring: 'secondary',
  expired: 'default',
  'not-yet-valid': 'default',
  revoked: 'default',
};

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
  nowrap: { whiteSpace: 'nowrap' },
  chip: { maxWidth: 'none' },
  unrestricted: {
    maxWidth: 'none',
    backgroundColor: theme.palette.warning.light,
    color: theme.palette.getContrastText(theme.palette.warning.light),
    '& svg': { color: 'inherit' },
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
  const {
    iso,
    now,
    words = (relative?: string) => relative ?? 'never',
  } = props;
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

/** An owner by its name ("payments"), the whole entity ref on hover. */
function Owner(props: { row: Credential; classes: Classes }) {
  const { owner } = props.row;
  if (!owner) return <span className={props.classes.subtle}>no owner</span>;
  // A name such as platform-team must not break at its hyphen.
  return (
    <span title={owner} className={props.classes.nowrap}>
      {ownerText(owner)}
    </span>
  );
}

function Restrictions(props: { row: Credential; classes: Classes }) {
  if (!props.row.accessRestrictions) {
    // May call every plugin: a finding of a review, not a description.
    return (
      <Chip
        size="small"
        className={props.classes.unrestricted}
        icon={<RiErrorWarningLine size={16} aria-hidden />}
        label="every plugin"
        title="Unrestricted: this credential may call every plugin of this Backstage"
      />
    );
  }
  return (
    <>
      {restrictionLines(props.row.accessRestrictions).map((line, i) => (
        <div key={i}>{line}</div>
      ))}
    </>
  );
}

function StatusChip(props: { row: Credential; classes: Classes }) {
  return (
    <Chip
      size="small"
      className={props.classes.chip}
      label={statusText(props.row.status)}
      color={STATUS_COLOR[props.row.status]}
    />
  );
}

const NOWRAP = { whiteSpace: 'nowrap' } as const;
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
      render: row => <Owner row={row} classes={classes} />,
    },
    { title: 'Source', ...compact, render: row => sourceText(row.source) },
    {
      title: 'Restricted to',
      width: 'auto',
      render: row => <Restrictions row={row} classes={classes} />,
    },
    {
      title: 'Status',
      ...compact,
      render: row => <StatusChip row={row} classes={classes} />,
    },
    {
      title: 'Expires',
      ...compact,
      render: row => <Time iso={row.expiresAt} now={now} />,
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
                <Owner row={row} classes={classes} />
              </>
            ) : (
              ', no owner'
            )}
          </div>
          <div className={classes.subtle}>
            <Restrictions row={row} classes={classes} />
          </div>
        </>
      ),
    },
    {
      title: 'Status',
      width: 'auto',
      render: row => (
        <>
          <StatusChip row={row} classes={classes} />
          <div className={classes.subtle}>
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
 * Every credential, a row each; its subject opens its details. Compact
 * columns sized to their content, relative times with the full time in a
 * title; below 600 px, two columns that stack the rest. Sorting is off:
 * material-table's sort headers nest a button in a button, which screen
 * readers cannot use (axe: nested-interactive); the backend already orders
 * managed tokens newest first.
 */
export function InventoryTable(props: {
  credentials: Credential[];
  /** How many match, when the backend sent only the first of them. */
  total?: number;
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
  const shown = props.credentials.length;
  const more = props.total !== undefined && props.total > shown;
  return (
    <Table<Credential>
      title={
        more
          ? `Credentials (the first ${shown} of ${props.total}: narrow them with the filters)`
          : `Credentials (${shown})`
      }
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
        paging: props.credentials.length > 20,
        pageSize: 20,
        padding: 'dense',
      }}
    />
  );
}
