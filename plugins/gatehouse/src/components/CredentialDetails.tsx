import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import type { Credential, IssuedToken } from '../api/types';
import { IssuedTokenPanel } from './IssuedTokenPanel';
import { lastUsedText, restrictionsText, sourceText } from './restrictionsText';

function rows(c: Credential): Array<[string, string]> {
  const time = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '');
  return [
    [
      'Source',
      `${sourceText(c.source)}${c.builtIn ? ' (Backstage built-in)' : ''}`,
    ],
    ['Subject', c.subject],
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
    [
      'Created',
      [time(c.createdAt), c.createdBy && `by ${c.createdBy}`]
        .filter(Boolean)
        .join(' '),
    ],
    ['Valid from', time(c.notBefore)],
    ['Expires', time(c.expiresAt)],
    ['Revoked', time(c.revokedAt)],
    ['Status', c.status],
    ['Restricted to', restrictionsText(c.accessRestrictions)],
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
      'Subjects seen',
      c.subjects?.length
        ? `${c.subjects.map(s => s.subject).join(', ')}${c.otherSubjects ? ` and ${c.otherSubjects} more` : ''}`
        : '',
    ],
  ].filter(([, value]) => value) as Array<[string, string]>;
}

type Confirming = 'revoke' | 'rotate' | undefined;

/**
 * One credential, every field; for a managed token that is still valid,
 * revoke and rotate, each after a confirmation.
 */
export function CredentialDetails(props: {
  credential?: Credential;
  onClose: () => void;
  canRevoke: boolean;
  canRotate: boolean;
  onRevoke: (credential: Credential) => Promise<void>;
  onRotate: (credential: Credential) => Promise<IssuedToken>;
  backendBaseUrl: string;
}) {
  const { credential: c } = props;
  const [confirming, setConfirming] = useState<Confirming>();
  const [error, setError] = useState<string>();
  const [rotated, setRotated] = useState<IssuedToken>();

  const close = () => {
    setConfirming(undefined);
    setError(undefined);
    setRotated(undefined);
    props.onClose();
  };
  const manageable =
    c?.source === 'gatehouse-managed' &&
    c.status !== 'revoked' &&
    c.status !== 'expired';
  const run = async () => {
    setError(undefined);
    try {
      if (confirming === 'revoke') {
        await props.onRevoke(c!);
        close();
      } else {
        setRotated(await props.onRotate(c!));
        setConfirming(undefined);
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <Dialog
      open={!!c}
      onClose={close}
      aria-labelledby="gatehouse-details-title"
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id="gatehouse-details-title">{c?.subject}</DialogTitle>
      <DialogContent>
        {rotated ? (
          <IssuedTokenPanel
            token={rotated}
            backendBaseUrl={props.backendBaseUrl}
          />
        ) : confirming ? (
          <DialogContentText>
            {confirming === 'revoke'
              ? `Revoke the token of ${c?.subject}? Every replica refuses it within seconds; this cannot be undone.`
              : `Rotate the token of ${c?.subject}? A new token with the same subject and scope is shown once; the current one keeps working for the overlap configured on the backend.`}
          </DialogContentText>
        ) : (
          c && (
            <Table size="small" aria-label={`Details of ${c.subject}`}>
              <TableBody>
                {rows(c).map(([name, value]) => (
                  <TableRow key={name}>
                    <TableCell component="th" scope="row">
                      {name}
                    </TableCell>
                    <TableCell>{value}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )
        )}
        {error && (
          <Typography color="error" role="alert">
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        {confirming ? (
          <>
            <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
            <Button onClick={run} color="secondary" variant="contained">
              {confirming === 'revoke' ? 'Revoke' : 'Rotate'}
            </Button>
          </>
        ) : (
          <>
            {manageable && !rotated && props.canRotate && (
              <Button onClick={() => setConfirming('rotate')}>Rotate…</Button>
            )}
            {manageable && !rotated && props.canRevoke && (
              <Button onClick={() => setConfirming('revoke')} color="secondary">
                Revoke…
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
