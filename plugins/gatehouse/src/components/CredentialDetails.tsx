import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { type ReactNode, useState } from 'react';
import type {
  Compromise,
  Credential,
  IssuedToken,
  MarkedCompromised,
  RevokedToken,
} from '../api/types';
import { IssuedTokenPanel } from './IssuedTokenPanel';
import { OwnerLink } from './OwnerLink';
import { useReadableLabel } from './readableLabel';
import { RestrictionChips } from './RestrictionChips';
import { sourceText } from '@gatehouse/backstage-plugin-gatehouse-common';
import { fullTime, lastUsedText } from './timeWords';
import { StatusChip } from './StatusChip';

const time = (iso?: string) => (iso ? fullTime(iso) : '');

/** Who made it and when: "11/1/2026, 10:00:00 AM by user:default/alice". */
const createdText = (c: Credential) =>
  [time(c.createdAt), c.createdBy && `by ${c.createdBy}`]
    .filter(Boolean)
    .join(' ');

/** The owner by name, linked to its catalog page, and its whole ref (as policies and config name it); "no owner" as in the table. */
function Owner(props: { owner?: string | null }) {
  if (!props.owner) return <OwnerLink owner={null} />;
  return (
    <>
      <OwnerLink owner={props.owner} /> (<span>{props.owner}</span>)
    </>
  );
}

/** "11/1/2026, 10:00:00 AM by user:default/alice: pasted in a chat". */
const compromiseText = (mark: Compromise) =>
  `${time(mark.at)} by ${mark.by}${mark.reason ? `: ${mark.reason}` : ''}`;

function rows(c: Credential): Array<[string, ReactNode]> {
  return [
    [
      'Source',
      `${sourceText(c.source)}${c.builtIn ? ' (Backstage built-in)' : ''}`,
    ],
    ['Subject', c.subject],
    ['Owner', <Owner owner={c.owner} />],
    ['Description', c.description ?? ''],
    ['Fingerprint', c.fingerprint ?? ''],
    ['Defined at', c.definedAt],
    [
      'Stored',
      c.stored === 'hash'
        ? 'as a SHA-256 hash'
        : c.stored === 'plain'
          ? 'in plain text'
          : '',
    ],
    ['Created', createdText(c)],
    ['Valid from', time(c.notBefore)],
    // A JWT issuer's tokens carry their own expiry: it has none to show.
    ['Expires', c.source.endsWith('jwks') ? '' : fullTime(c.expiresAt)],
    ['Revoked', time(c.revokedAt)],
    ['Marked compromised', c.compromised ? compromiseText(c.compromised) : ''],
    [
      'Subjects refused',
      c.compromisedSubjects?.length
        ? c.compromisedSubjects
            .map(
              s =>
                `${s.subject} until ${time(s.until)} (marked ${compromiseText(s)})`,
            )
            .join('; ')
        : '',
    ],
    ['Status', <StatusChip status={c.status} />],
    ['Restricted to', <RestrictionChips restrictions={c.accessRestrictions} />],
    ['Last used', lastUsedText(c)],
    [
      'Uses (24 h / 30 days)',
      c.usage ? `${c.usage.uses24h} / ${c.usage.uses30d}` : '',
    ],
    [
      'Last refused',
      c.usage?.lastRejection
        ? `${time(c.usage.lastRejection.at)}: ${c.usage.lastRejection.reason}`
        : '',
    ],
    ['Issuer', c.jwt?.issuers?.join(', ') ?? ''],
    ['Audience', c.jwt?.audiences?.join(', ') ?? ''],
    [
      'Claims',
      c.jwt?.claims
        ? Object.entries(c.jwt.claims)
            .map(([claim, values]) => `${claim}: ${values.join(' | ')}`)
            .join('; ')
        : '',
    ],
    [
      'Unusual use',
      c.signals?.length ? (
        <ul aria-label="Unusual use">
          {c.signals.map(s => (
            <li key={`${s.at}${s.kind}`}>
              {time(s.at)}: {s.detail}
            </li>
          ))}
        </ul>
      ) : (
        ''
      ),
    ],
    [
      'Subjects seen',
      c.subjects?.length
        ? `${c.subjects.map(s => s.subject).join(', ')}${c.otherSubjects ? ` and ${c.otherSubjects} more` : ''}`
        : '',
    ],
  ].filter(([, value]) => value) as Array<[string, ReactNode]>;
}

const useFieldStyles = makeStyles(theme => ({
  name: { whiteSpace: 'nowrap', verticalAlign: 'top' },
  // Config paths, fingerprints, issuers: long identifiers may wrap anywhere.
  value: { overflowWrap: 'anywhere' },
  // Below 600 px, each name above its value, both the dialog's full width.
  table: {
    [theme.breakpoints.down('xs')]: {
      '& th, & td': { display: 'block', width: '100%' },
      '& th': { borderBottom: 'none', paddingBottom: 0 },
    },
  },
}));

/** A table of name and value rows. */
function Fields(props: { label: string; rows: Array<[string, ReactNode]> }) {
  const classes = useFieldStyles();
  return (
    <Table size="small" aria-label={props.label} className={classes.table}>
      <TableBody>
        {props.rows.map(([name, value]) => (
          <TableRow key={name}>
            <TableCell
              component="th"
              scope="row"
              // Material UI makes a cell of it; it heads its row.
              role="rowheader"
              className={classes.name}
            >
              {name}
            </TableCell>
            <TableCell className={classes.value}>{value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Which token a confirmation is about: several may share a subject. */
function tokenSummary(c: Credential): Array<[string, string]> {
  return (
    [
      ['Subject', c.subject],
      ['Owner', c.owner ?? ''],
      ['Fingerprint', c.fingerprint ?? ''],
      ['Description', c.description ?? ''],
      ['Created', createdText(c)],
      ['Expires', fullTime(c.expiresAt)],
    ] as Array<[string, string]>
  ).filter(([, value]) => value);
}

type Confirming = 'revoke' | 'rotate' | 'compromise' | undefined;

const CONFIRM_QUESTION: Record<NonNullable<Confirming>, string> = {
  revoke: 'Revoke this token?',
  rotate: 'Rotate this token?',
  compromise: 'Mark this token as compromised?',
};

const CONFIRM_CONSEQUENCE: Record<NonNullable<Confirming>, string> = {
  revoke:
    'Every replica refuses it within seconds, and the tokens it led to (its rotations, tokens made with it) with it; this cannot be undone.',
  rotate:
    'A new token with the same subject and scope is shown once; the current one keeps working for the overlap configured on the backend.',
  compromise:
    'Every replica refuses it within seconds, whatever the configuration says; a managed token is revoked too, with the tokens it led to. This cannot be undone: its callers need a new credential.',
};

const CONFIRM_BUTTON: Record<NonNullable<Confirming>, string> = {
  revoke: 'Revoke',
  rotate: 'Rotate',
  compromise: 'Mark as compromised',
};

/**
 * One credential, every field; for a managed token that is still valid,
 * revoke and rotate, each after a confirmation that names the token by
 * subject, fingerprint, description and creation. A revocation ends with
 * what was revoked (and what with it); a rotated token is shown once, and
 * only "I have copied it" closes the dialog then.
 */
export function CredentialDetails(props: {
  credential?: Credential;
  onClose: () => void;
  canRevoke: boolean;
  canRotate: boolean;
  /** Whether the policy lets the user mark this credential compromised. */
  canMarkCompromised?: boolean;
  onRevoke: (credential: Credential) => Promise<RevokedToken>;
  onMarkCompromised?: (
    credential: Credential,
    reason?: string,
  ) => Promise<MarkedCompromised>;
  onRotate: (credential: Credential) => Promise<IssuedToken>;
  backendBaseUrl: string;
}) {
  const { credential: c } = props;
  const classes = useReadableLabel();
  const [confirming, setConfirming] = useState<Confirming>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [rotated, setRotated] = useState<IssuedToken>();
  const [revoked, setRevoked] = useState<RevokedToken>();
  const [marked, setMarked] = useState<MarkedCompromised>();
  const [leakNote, setLeakNote] = useState('');
  const [reminder, setReminder] = useState(false);

  const close = () => {
    setConfirming(undefined);
    setError(undefined);
    setRotated(undefined);
    setRevoked(undefined);
    setMarked(undefined);
    setLeakNote('');
    setReminder(false);
    props.onClose();
  };
  /**
   * Escape or a click outside: not while a rotated token is shown, nor while
   * a rotation or revocation is under way (its answer belongs here).
   */
  const dismiss = () => {
    if (rotated) setReminder(true);
    else if (!busy) close();
  };
  const manageable =
    c?.source === 'gatehouse-managed' &&
    c.status !== 'revoked' &&
    c.status !== 'expired';
  const run = async () => {
    setError(undefined);
    setBusy(true);
    try {
      if (confirming === 'revoke') {
        setRevoked(await props.onRevoke(c!));
      } else if (confirming === 'compromise') {
        setMarked(
          await props.onMarkCompromised!(c!, leakNote.trim() || undefined),
        );
      } else {
        setRotated(await props.onRotate(c!));
      }
      setConfirming(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const alsoRevoked = revoked?.alsoRevoked ?? marked?.alsoRevoked ?? [];
  const alsoRevokedList = alsoRevoked.length > 0 && (
    <>
      <Typography>
        Also revoked with it, as it led to them (its rotations, tokens made with
        it):
      </Typography>
      <ul aria-label="Also revoked">
        {alsoRevoked.map(token => (
          <li key={token.id}>
            {token.subject}{' '}
            <Typography component="span" variant="body2">
              (id {token.id})
            </Typography>
          </li>
        ))}
      </ul>
    </>
  );

  let content;
  if (rotated) {
    content = (
      <IssuedTokenPanel
        token={rotated}
        backendBaseUrl={props.backendBaseUrl}
        reminder={reminder}
      />
    );
  } else if (revoked && c) {
    content = (
      <Box role="status">
        <Typography paragraph>
          <strong>Revoked.</strong> The token of {c.subject}
          {c.fingerprint ? ` (fingerprint ${c.fingerprint})` : ''} is refused on
          every replica within seconds.
        </Typography>
        {alsoRevokedList}
      </Box>
    );
  } else if (marked && c) {
    content = (
      <Box role="status">
        <Typography paragraph>
          <strong>Marked compromised.</strong> The token of {c.subject}
          {c.fingerprint ? ` (fingerprint ${c.fingerprint})` : ''} is refused on
          every replica within seconds
          {marked.alreadyMarked
            ? `; it had been marked already, ${compromiseText(marked.compromised)}`
            : ''}
          .
        </Typography>
        {alsoRevokedList}
        <Typography paragraph>
          Next: give its callers a new credential
          {c.source === 'gatehouse-static'
            ? ', then remove the old token from the configuration'
            : ''}
          , and find where it leaked.
        </Typography>
      </Box>
    );
  } else if (confirming && c) {
    content = (
      <>
        <DialogContentText color="textPrimary">
          {CONFIRM_QUESTION[confirming]}
        </DialogContentText>
        <Fields label="The token" rows={tokenSummary(c)} />
        {confirming === 'compromise' && (
          <TextField
            id="gatehouse-leak-note"
            label="Where it leaked (optional)"
            helperText="Shown in the inventory and the audit log"
            value={leakNote}
            onChange={e => setLeakNote(e.target.value)}
            inputProps={{ maxLength: 500 }}
            fullWidth
            margin="normal"
          />
        )}
        <Box mt={2}>
          <DialogContentText color="textPrimary">
            {CONFIRM_CONSEQUENCE[confirming]}
          </DialogContentText>
        </Box>
      </>
    );
  } else if (c) {
    content = <Fields label={`Details of ${c.subject}`} rows={rows(c)} />;
  }

  return (
    <Dialog
      open={!!c}
      onClose={dismiss}
      aria-labelledby="gatehouse-details-title"
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id="gatehouse-details-title">{c?.subject}</DialogTitle>
      {/* Focusable: on a small screen it scrolls, and holds no control to reach it by. */}
      <DialogContent tabIndex={0}>
        {content}
        {error && (
          <Typography role="alert" className={classes.error}>
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        {confirming ? (
          <>
            <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
            <Button
              onClick={run}
              color="secondary"
              variant="contained"
              disabled={busy}
            >
              {CONFIRM_BUTTON[confirming]}
            </Button>
          </>
        ) : rotated ? (
          <Button onClick={close} color="primary" variant="contained">
            I have copied it
          </Button>
        ) : (
          <>
            {manageable && !revoked && !marked && props.canRotate && (
              <Button onClick={() => setConfirming('rotate')}>Rotate…</Button>
            )}
            {manageable && !revoked && !marked && props.canRevoke && (
              <Button onClick={() => setConfirming('revoke')} color="secondary">
                Revoke…
              </Button>
            )}
            {props.canMarkCompromised && !revoked && !marked && (
              <Button
                onClick={() => setConfirming('compromise')}
                color="secondary"
              >
                Mark as compromised…
              </Button>
            )}
            <Button onClick={close} color="primary">
              Close
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
