import { CopyTextButton, WarningPanel } from '@backstage/core-components';
import { Box, Typography } from '@material-ui/core';
import type { IssuedToken } from '../api/types';

/** The curl line that uses a new token against the plugin it may call first. */
export function curlLine(backendBaseUrl: string, token: IssuedToken): string {
  const plugin = token.accessRestrictions?.[0]?.plugin ?? 'catalog';
  const path =
    plugin === 'catalog' ? '/api/catalog/entities' : `/api/${plugin}/`;
  return `curl -H "Authorization: Bearer ${token.token}" ${backendBaseUrl}${path}`;
}

/**
 * A token shown once: the backend stores only its hash, so this is the only
 * time anybody can copy it. Its dialog closes only through its own button;
 * `reminder` is set when someone tried Escape or a click outside.
 */
export function IssuedTokenPanel(props: {
  token: IssuedToken;
  backendBaseUrl: string;
  reminder?: boolean;
}) {
  const { token, backendBaseUrl } = props;
  const curl = curlLine(backendBaseUrl, token);
  return (
    <Box>
      <WarningPanel
        severity="warning"
        title="Copy this token now: it is shown only once"
        defaultExpanded
      >
        Gatehouse keeps only its hash. Store it in your secret store and give it
        to {token.subject} over a secure channel; if it is lost, rotate it.
      </WarningPanel>
      <Box mt={2} display="flex" alignItems="center" style={{ gap: 8 }}>
        <Typography
          component="code"
          aria-label="The new token"
          style={{ overflowWrap: 'anywhere', fontFamily: 'monospace' }}
        >
          {token.token}
        </Typography>
        <CopyTextButton text={token.token} aria-label="Copy the token" />
      </Box>
      <Box mt={2}>
        <Typography variant="body2">Try it:</Typography>
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <Typography
            component="code"
            aria-label="A curl command with the new token"
            style={{ overflowWrap: 'anywhere', fontFamily: 'monospace' }}
          >
            {curl}
          </Typography>
          <CopyTextButton text={curl} aria-label="Copy the curl command" />
        </Box>
      </Box>
      {props.reminder && (
        <Box mt={2}>
          <Typography role="alert" variant="body2">
            <strong>The token is still here:</strong> it cannot be shown again.
            Copy it, then close with &ldquo;I have copied it&rdquo;.
          </Typography>
        </Box>
      )}
    </Box>
  );
}
