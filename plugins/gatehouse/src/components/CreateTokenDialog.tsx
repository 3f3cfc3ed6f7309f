import { WarningPanel } from '@backstage/core-components';
import { parseRestrictionLine } from '@gatehouse/backstage-plugin-gatehouse-common';
import {
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormHelperText,
  InputLabel,
  NativeSelect,
  TextField,
  Typography,
} from '@material-ui/core';
import { useRef, useState } from 'react';
import { useReadableLabel } from './readableLabel';
import type {
  AccessRestriction,
  IssuedToken,
  NewToken,
  TokenOptions,
} from '../api/types';
import {
  descriptionProblem,
  Field,
  FieldErrors,
  restrictionsProblem,
  serverProblems,
  subjectProblem,
} from './formChecks';
import { IssuedTokenPanel } from './IssuedTokenPanel';
import { RestrictionPicker } from './RestrictionPicker';
import { defaultLifetimeChoice, lifetimeChoices } from './lifetimes';

/**
 * One plugin per line, in the words the table uses for restrictions
 * (parseRestrictionLine): "catalog: everything" (or just "catalog"),
 * "catalog: catalog.entity.read, catalog.location.*" (permissions, with
 * Gatehouse's wildcards), and optionally the actions it may take in
 * parentheses at the end: "catalog (read)". Empty: none given (undefined),
 * which the form sends only with "No restrictions" chosen.
 */
export function parseRestrictions(
  text: string,
): AccessRestriction[] | undefined {
  const lines = text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean);
  return lines.length ? lines.map(parseRestrictionLine) : undefined;
}

const NAMED_ONLY_HELP =
  'Name each permission: a token may carry only permissions the permission policy gives you. A whole plugin, a wildcard or no restriction needs gatehouse.token.unrestricted.';
const SYNTAX_HELP =
  'A plugin, then optionally : its permissions, then (actions); * is a wildcard.';
const REQUIRED_HELP = `${SYNTAX_HELP} Required: the plugins it may call (the picker below adds them), or "No restrictions" below.`;

const FIELD_ORDER: Field[] = [
  'subject',
  'owner',
  'description',
  'lifetime',
  'restrictions',
];

/** Only the problems there are. */
const present = (errors: FieldErrors): FieldErrors =>
  Object.fromEntries(
    Object.entries(errors).filter(([, problem]) => problem),
  ) as FieldErrors;

/**
 * "New token": subject, description, lifetime, restrictions (or an explicit
 * "no restrictions"); then the token, once. Mistakes are shown at their
 * field, the form's own checks first, then the backend's 400; a refusal
 * (403) at the Owner field when the owner is what is refused, else near
 * the Create button. Escape or a click outside keeps what was
 * typed (Cancel discards it) and, once the token is shown, does not close
 * the dialog at all: only "I have copied it" does.
 */
export function CreateTokenDialog(props: {
  open: boolean;
  onClose: () => void;
  onCreate: (token: NewToken) => Promise<IssuedToken>;
  /** Told once a token is made (the inventory has one more). */
  onCreated?: () => void;
  /** The backend's lifetimes and plugins; absent while loading or if it cannot say. */
  options?: TokenOptions;
  backendBaseUrl: string;
}) {
  const { options } = props;
  const lifetimes = lifetimeChoices(
    options?.maxLifetimeMs,
    options?.defaultLifetimeMs,
  );
  const classes = useReadableLabel();
  const namedOnly = options?.anyScope === false;
  const [subject, setSubject] = useState('');
  const [owner, setOwner] = useState('');
  const [description, setDescription] = useState('');
  const [chosenLifetime, setLifetime] = useState<string>();
  const [restrictions, setRestrictions] = useState('');
  const [unrestrictedChosen, setUnrestricted] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<IssuedToken>();
  const [reminder, setReminder] = useState(false);
  const inputs = {
    subject: useRef<HTMLInputElement>(null),
    owner: useRef<HTMLInputElement>(null),
    description: useRef<HTMLInputElement>(null),
    lifetime: useRef<HTMLSelectElement>(null),
    restrictions: useRef<HTMLTextAreaElement>(null),
  };
  // Until one is chosen: the backend's default, once it is known.
  const lifetime =
    chosenLifetime ??
    defaultLifetimeChoice(options?.maxLifetimeMs, options?.defaultLifetimeMs);
  // A caller who may give only named permissions cannot make one unrestricted.
  const unrestricted = unrestrictedChosen && !namedOnly;
  const parsed = parseRestrictions(restrictions);

  /** A field changed: its error, and a general one, no longer apply. */
  const edited = (field: Field) => {
    setErrors(({ [field]: _gone, ...rest }) => rest);
    setGeneral(undefined);
  };
  const showProblems = (found: FieldErrors) => {
    setErrors(found);
    const first = FIELD_ORDER.find(field => found[field]);
    if (first) inputs[first].current?.focus();
  };
  const checkOnBlur = (field: Field, problem: string | undefined) =>
    setErrors(current => present({ ...current, [field]: problem }));

  const reset = () => {
    setSubject('');
    setOwner('');
    setDescription('');
    setRestrictions('');
    setUnrestricted(false);
    setLifetime(undefined);
    setErrors({});
    setGeneral(undefined);
    setIssued(undefined);
    setReminder(false);
  };
  /** Cancel, or "I have copied it": what was typed goes. */
  const finish = () => {
    reset();
    props.onClose();
  };
  /**
   * Escape or a click outside: the form keeps what was typed; a token stays
   * shown, and so does the dialog while the token is being made.
   */
  const dismiss = () => {
    if (issued) setReminder(true);
    else if (!busy) props.onClose();
  };

  const submit = async () => {
    const found = present({
      subject: subjectProblem(subject),
      description: descriptionProblem(description),
      restrictions: unrestricted
        ? undefined
        : restrictionsProblem(parsed?.map(r => r.plugin)),
    });
    setGeneral(undefined);
    if (Object.keys(found).length) {
      showProblems(found);
      return;
    }
    setBusy(true);
    try {
      setIssued(
        await props.onCreate({
          subject,
          ...(owner.trim() ? { owner: owner.trim() } : {}),
          description,
          expiresIn: lifetime,
          accessRestrictions: unrestricted ? undefined : parsed,
        }),
      );
      props.onCreated?.();
    } catch (e) {
      const error = e as Error & { status?: number };
      if (error.status === 400) {
        const problems = serverProblems(error.message);
        showProblems(problems.fields);
        setGeneral(problems.general);
      } else if (error.status === 403 && / owned by /.test(error.message)) {
        // The policy refuses this owner: the answer is at the Owner field.
        showProblems({ owner: error.message });
      } else {
        setGeneral(error.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const fieldProps = (field: Field) => ({
    error: !!errors[field],
    InputLabelProps: { className: classes.label },
    FormHelperTextProps: { className: classes.helper },
  });

  return (
    <Dialog
      open={props.open}
      onClose={dismiss}
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
            reminder={reminder}
          />
        ) : (
          <>
            <TextField
              {...fieldProps('subject')}
              inputRef={inputs.subject}
              id="gatehouse-new-subject"
              label="Subject (who will use it)"
              value={subject}
              onChange={e => {
                setSubject(e.target.value);
                edited('subject');
              }}
              onBlur={() =>
                subject && checkOnBlur('subject', subjectProblem(subject))
              }
              helperText={errors.subject}
              fullWidth
              margin="normal"
              required
            />
            <TextField
              {...fieldProps('owner')}
              inputRef={inputs.owner}
              id="gatehouse-new-owner"
              label="Owner (the team that looks after it)"
              placeholder="group:default/payments"
              value={owner}
              onChange={e => {
                setOwner(e.target.value);
                edited('owner');
              }}
              helperText={
                errors.owner ??
                'A group or user entity ref; left empty, the token is yours. Its owners see it, manage it and are told before it lapses.'
              }
              fullWidth
              margin="normal"
            />
            <TextField
              {...fieldProps('description')}
              inputRef={inputs.description}
              id="gatehouse-new-description"
              label="Description (what it is for)"
              value={description}
              onChange={e => {
                setDescription(e.target.value);
                edited('description');
              }}
              onBlur={() =>
                description &&
                checkOnBlur('description', descriptionProblem(description))
              }
              helperText={errors.description}
              fullWidth
              margin="normal"
              required
            />
            <FormControl margin="normal" error={!!errors.lifetime}>
              <InputLabel
                shrink
                className={classes.label}
                htmlFor="gatehouse-new-lifetime"
              >
                Lifetime
              </InputLabel>
              <NativeSelect
                inputRef={inputs.lifetime}
                id="gatehouse-new-lifetime"
                value={lifetime}
                onChange={e => {
                  setLifetime(e.target.value);
                  edited('lifetime');
                }}
                inputProps={
                  errors.lifetime
                    ? { 'aria-describedby': 'gatehouse-new-lifetime-error' }
                    : undefined
                }
              >
                {lifetimes.map(([value, words]) => (
                  <option key={value} value={value}>
                    {words}
                  </option>
                ))}
              </NativeSelect>
              {errors.lifetime && (
                <FormHelperText
                  id="gatehouse-new-lifetime-error"
                  className={classes.helper}
                >
                  {errors.lifetime}
                </FormHelperText>
              )}
            </FormControl>
            <TextField
              {...fieldProps('restrictions')}
              inputRef={inputs.restrictions}
              id="gatehouse-new-restrictions"
              label="Restricted to (one plugin per line)"
              placeholder={
                'catalog (read)\nscaffolder: scaffolder.task.* (create, read)'
              }
              value={restrictions}
              onChange={e => {
                setRestrictions(e.target.value);
                edited('restrictions');
              }}
              onBlur={() =>
                checkOnBlur(
                  'restrictions',
                  restrictionsProblem(
                    parseRestrictions(restrictions)?.map(r => r.plugin),
                  ),
                )
              }
              disabled={unrestricted}
              required={!unrestricted}
              fullWidth
              multiline
              minRows={3}
              margin="normal"
              helperText={
                errors.restrictions ??
                (namedOnly
                  ? `${SYNTAX_HELP} ${NAMED_ONLY_HELP}`
                  : unrestricted
                    ? 'Not used: "No restrictions" is chosen below.'
                    : REQUIRED_HELP)
              }
            />
            {!!options?.plugins?.length && (
              <RestrictionPicker
                plugins={options.plugins}
                namedOnly={namedOnly}
                disabled={unrestricted}
                onAdd={line => {
                  setRestrictions(text =>
                    text.trim() ? `${text.trimEnd()}\n${line}` : line,
                  );
                  edited('restrictions');
                }}
              />
            )}
            {!namedOnly && (
              <FormControlLabel
                control={
                  <Checkbox
                    checked={unrestricted}
                    onChange={e => {
                      setUnrestricted(e.target.checked);
                      edited('restrictions');
                    }}
                  />
                }
                label="No restrictions: this token may call every plugin"
              />
            )}
            {unrestricted && (
              <WarningPanel
                severity="warning"
                title="This token may call every plugin"
                defaultExpanded
              >
                Every plugin of this Backstage, including those added later,
                with whatever the permission policy allows its subject. Name the
                plugins it needs instead, unless it really needs them all.
              </WarningPanel>
            )}
          </>
        )}
      </DialogContent>
      {general && !issued && (
        <Box px={3} pt={1}>
          <Typography role="alert" className={classes.error}>
            {general}
          </Typography>
        </Box>
      )}
      <DialogActions>
        {issued ? (
          <Button onClick={finish} color="primary" variant="contained">
            I have copied it
          </Button>
        ) : (
          <>
            <Button onClick={finish}>Cancel</Button>
            <Button
              onClick={submit}
              color="primary"
              variant="contained"
              disabled={
                busy ||
                !subject ||
                !description.trim() ||
                (!unrestricted && !parsed)
              }
            >
              Create
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
