import { restrictionLine } from '@gatehouse/backstage-plugin-gatehouse-common';
import {
  Box,
  Button,
  FormControl,
  InputLabel,
  NativeSelect,
} from '@material-ui/core';
import { useState } from 'react';
import { useReadableLabel } from './readableLabel';
import type { TokenOptions } from '../api/types';

/**
 * Builds restriction lines from the plugins the backend has: a plugin as a
 * whole, its read actions only, or one of its permissions; with `namedOnly`
 * (a caller who may give only permissions it holds), its permissions only.
 * A choice is added with a button, not on change: arrowing through a closed
 * select changes its value, and a keyboard user would add every line passed
 * on the way.
 */
export function RestrictionPicker(props: {
  plugins: TokenOptions['plugins'];
  namedOnly?: boolean;
  disabled?: boolean;
  onAdd: (line: string) => void;
}) {
  const plugins = props.namedOnly
    ? props.plugins.filter(plugin => plugin.permissions.length > 0)
    : props.plugins;
  const classes = useReadableLabel();
  const [choice, setChoice] = useState('');
  return (
    <Box display="flex" alignItems="flex-end" style={{ gap: 8 }}>
      <FormControl margin="normal" fullWidth>
        <InputLabel
          shrink
          className={classes.label}
          htmlFor="gatehouse-new-restriction-choice"
        >
          Add a plugin or permission
        </InputLabel>
        <NativeSelect
          id="gatehouse-new-restriction-choice"
          value={choice}
          disabled={props.disabled}
          onChange={e => setChoice(e.target.value)}
        >
          <option value="">choose…</option>
          {plugins.map(plugin => (
            <optgroup key={plugin.pluginId} label={plugin.pluginId}>
              {!props.namedOnly && (
                <>
                  <option value={restrictionLine({ plugin: plugin.pluginId })}>
                    {restrictionLine({ plugin: plugin.pluginId })}
                  </option>
                  <option
                    value={restrictionLine({
                      plugin: plugin.pluginId,
                      permissionAttribute: { action: ['read'] },
                    })}
                  >
                    {plugin.pluginId}: read actions only
                  </option>
                </>
              )}
              {plugin.permissions.map(permission => (
                <option
                  key={permission.name}
                  value={restrictionLine({
                    plugin: plugin.pluginId,
                    permission: [permission.name],
                  })}
                >
                  {plugin.pluginId}: {permission.name}
                  {permission.action ? ` (${permission.action})` : ''}
                </option>
              ))}
            </optgroup>
          ))}
        </NativeSelect>
      </FormControl>
      <Box mb={1}>
        <Button
          variant="outlined"
          disabled={!choice || props.disabled}
          onClick={() => {
            props.onAdd(choice);
            setChoice('');
          }}
        >
          Add
        </Button>
      </Box>
    </Box>
  );
}
