import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  InputLabel,
  NativeSelect,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import type { AccessRestriction, IssuedToken, NewToken } from '../api/types';
import { IssuedTokenPanel } from './IssuedTokenPanel';

const LIFETIMES = [
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['365d', '1 year'],
] as const;

/**
 * "plugin" or "plugin: permission.name, other.*" per line: free text, with
 * Gatehouse's wildcards; an empty text means every plugin.
 */
export function parseRestrictions(
  text: string,
): AccessRestriction[] | undefined {
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean);
  if (!lines.length) return undefined;
  return lines.map(line => {
    const [plugin, permissions] = line.split(':', 2).map(part => part.trim());
    const permission = permissions
      ?.split(/[\s,]+/)
      .map(p => p.trim())
      .filter(Boolean);
    return permission?.length ? { plugin, permission } : { plugin };
  });
}

/** "New token": subject, description, lifetime, restrictions; then the token, once. */
export function CreateTokenDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreate: (token: NewToken) => Promise<IssuedToken>;
  backendBaseUrl: string;
}) {
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [lifetime, setLifetime] = useState('30d');
  const [restrictions, setRestrictions] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<IssuedToken>();

  const close = () => {
    setSubject('');
    setDescription('');
    setRestrictions('');
    setError(undefined);
    setIssued(undefined);
    props.onClose();
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setIssued(
        await props.onCreate({
          subject,
          description,
          expiresIn: lifetime,
          accessRestrictions: parseRestrictions(restrictions),
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      onClose={close}
      aria-labelledby="gatehouse-new-token-title"
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id="gatehouse-new-token-title">New token</DialogTitle>
      <DialogContent>
        {issued ? (
          <IssuedTokenPanel
            token={issued}
            backendBaseUrl={props.backendBaseUrl}
          />
        ) : (
          <>
            <TextField
              id="gatehouse-new-subject"
              label="Subject (who will use it)"
              value={subject}
              onChange={e => setSubject(e.target.value)}
              fullWidth
              margin="normal"
              required
            />
            <TextField
              id="gatehouse-new-description"
              label="Description (what it is for)"
              value={description}
              onChange={e => setDescription(e.target.value)}
              fullWidth
              margin="normal"
              required
            />
            <FormControl margin="normal">
              <InputLabel shrink htmlFor="gatehouse-new-lifetime">
                Lifetime
              </InputLabel>
              <NativeSelect
                id="gatehouse-new-lifetime"
                value={lifetime}
                onChange={e => setLifetime(e.target.value)}
              >
                {LIFETIMES.map(([value, words]) => (
                  <option key={value} value={value}>
                    {words}
                  </option>
                ))}
              </NativeSelect>
            </FormControl>
            <TextField
              id="gatehouse-new-restrictions"
              label="Restricted to (one plugin per line, optionally followed by : and permissions; * is a wildcard)"
              placeholder={'catalog: catalog.entity.read\nsearch'}
              value={restrictions}
              onChange={e => setRestrictions(e.target.value)}
              fullWidth
              multiline
              minRows={3}
              margin="normal"
              helperText="Empty: the token may call every plugin."
            />
            {error && (
              <Typography color="error" role="alert">
                {error}
              </Typography>
            )}
          </>
        )}
      </DialogContent>
      <DialogActions>
        {issued ? (
          <Button onClick={close} color="primary" variant="contained">
            I have copied it
          </Button>
        ) : (
          <>
            <Button onClick={close}>Cancel</Button>
            <Button
              onClick={submit}
              color="primary"
              variant="contained"
              disabled={busy || !subject || !description}
            >
              Create
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
