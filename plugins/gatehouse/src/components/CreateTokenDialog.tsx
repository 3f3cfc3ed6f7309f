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
import { useReadableLabel } from './readableLabel';
import type {
  AccessRestriction,
  IssuedToken,
  NewToken,
  TokenOptions,
} from '../api/types';
import { IssuedTokenPanel } from './IssuedTokenPanel';
import { RestrictionPicker } from './RestrictionPicker';
import { lifetimeChoices, lifetimeValue } from './lifetimes';

const ACTIONS = ['create', 'read', 'update', 'delete'];

/**
 * One plugin per line: "catalog", "catalog: catalog.entity.read, catalog.location.*"
 * (permissions, with Gatehouse's wildcards), and optionally the actions it
 * may take in parentheses at the end: "catalog (read)". Empty: every plugin.
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
    // Linear: a closing parenthesis at the end, and the last opening one.
    let rest = line;
    let action: string[] | undefined;
    const open = line.lastIndexOf('(');
    if (line.endsWith(')') && open >= 0) {
      action = line
        .slice(open + 1, -1)
        .split(/[\s,]+/)
        .map(a => a.toLowerCase())
        .filter(a => ACTIONS.includes(a));
      rest = line.slice(0, open).trim();
    }
    const colon = rest.indexOf(':');
    const plugin = (colon < 0 ? rest : rest.slice(0, colon)).trim();
    const permission =
      colon < 0
        ? []
        : rest
            .slice(colon + 1)
            .split(/[\s,]+/)
            .filter(Boolean);
    return {
      plugin,
      ...(permission.length ? { permission } : {}),
      ...(action?.length ? { permissionAttribute: { action } } : {}),
    };
  });
}

/** "New token": subject, description, lifetime, restrictions; then the token, once. */
export function CreateTokenDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreate: (token: NewToken) => Promise<IssuedToken>;
  /** The backend's lifetimes and plugins; absent while loading or if it cannot say. */
  options?: TokenOptions;
  backendBaseUrl: string;
}) {
  const lifetimes = lifetimeChoices(
    props.options?.maxLifetimeMs,
    props.options?.defaultLifetimeMs,
  );
  const classes = useReadableLabel();
  const namedOnly = props.options?.anyScope === false;
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [chosenLifetime, setLifetime] = useState<string>();
  const [restrictions, setRestrictions] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<IssuedToken>();
  // Until one is chosen: the backend's default, once it is known.
  const defaultMs = props.options?.defaultLifetimeMs;
  const lifetime =
    chosenLifetime ?? (defaultMs ? lifetimeValue(defaultMs) : '30d');

  const close = () => {
    setSubject('');
    setDescription('');
    setRestrictions('');
    setLifetime(undefined);
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
              InputLabelProps={{ className: classes.label }}
              id="gatehouse-new-subject"
              label="Subject (who will use it)"
              value={subject}
              onChange={e => setSubject(e.target.value)}
              fullWidth
              margin="normal"
              required
            />
            <TextField
              InputLabelProps={{ className: classes.label }}
              id="gatehouse-new-description"
              label="Description (what it is for)"
              value={description}
              onChange={e => setDescription(e.target.value)}
              fullWidth
              margin="normal"
              required
            />
            <FormControl margin="normal">
              <InputLabel
                shrink
                className={classes.label}
                htmlFor="gatehouse-new-lifetime"
              >
                Lifetime
              </InputLabel>
              <NativeSelect
                id="gatehouse-new-lifetime"
                value={lifetime}
                onChange={e => setLifetime(e.target.value)}
              >
                {lifetimes.map(([value, words]) => (
                  <option key={value} value={value}>
                    {words}
                  </option>
                ))}
              </NativeSelect>
            </FormControl>
            <TextField
              InputLabelProps={{ className: classes.label }}
              id="gatehouse-new-restrictions"
              label="Restricted to (one plugin per line: plugin, then optionally : permissions, then (actions); * is a wildcard)"
              placeholder={
                'catalog (read)\nscaffolder: scaffolder.task.* (create, read)'
              }
              value={restrictions}
              onChange={e => setRestrictions(e.target.value)}
              fullWidth
              multiline
              minRows={3}
              margin="normal"
              helperText={
                namedOnly
                  ? 'Name each permission: a token may carry only permissions the permission policy gives you. A whole plugin, a wildcard or no restriction needs gatehouse.token.unrestricted.'
                  : 'Empty: the token may call every plugin.'
              }
            />
            {!!props.options?.plugins?.length && (
              <RestrictionPicker
                plugins={props.options.plugins}
                namedOnly={namedOnly}
                onAdd={line =>
                  setRestrictions(text =>
                    text.trim() ? `${text.trimEnd()}\n${line}` : line,
                  )
                }
              />
            )}
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
