import {
  Checkbox,
  FormControl,
  FormControlLabel,
  Grid,
  InputLabel,
  NativeSelect,
  TextField,
} from '@material-ui/core';
import { useState } from 'react';
import useDebounce from 'react-use/esm/useDebounce';
import { useReadableLabel } from './readableLabel';
import type { CredentialSource, InventoryFilters } from '../api/types';
import {
  ownerText,
  sourceText,
} from '@gatehouse/backstage-plugin-gatehouse-common';

/** What can still be used: revoked and expired credentials are shown on request. */
export const USABLE: InventoryFilters['status'] = [
  'active',
  'expiring',
  'not-yet-valid',
];

const SOURCES: CredentialSource[] = [
  'gatehouse-managed',
  'gatehouse-static',
  'gatehouse-jwks',
  'static',
  'jwks',
];

/** One yes-or-no question of the filter bar. */
function FilterCheckbox(props: {
  label: string;
  checked: boolean;
  onToggle: () => void;
}) {
  return (
    <Grid item>
      <FormControlLabel
        control={<Checkbox checked={props.checked} onChange={props.onToggle} />}
        label={props.label}
      />
    </Grid>
  );
}

/** The review questions, as filters: each maps to one query parameter of the inventory. */
export function InventoryFilterBar(props: {
  filters: InventoryFilters;
  onChange: (filters: InventoryFilters) => void;
}) {
  const { filters, onChange } = props;
  const classes = useReadableLabel();
  // The subject is asked for once typing pauses, not at every key.
  const [subject, setSubject] = useState(filters.subject ?? '');
  useDebounce(
    () => {
      if ((filters.subject ?? '') !== subject) {
        onChange({ ...filters, subject: subject || undefined });
      }
    },
    300,
    [subject],
  );
  const toggle = (key: 'unusedFor' | 'expiringWithin', value: string) =>
    onChange({ ...filters, [key]: filters[key] ? undefined : value });
  return (
    <Grid container spacing={2} alignItems="center">
      <FilterCheckbox
        label="Unused for 30 days"
        checked={!!filters.unusedFor}
        onToggle={() => toggle('unusedFor', '30d')}
      />
      <FilterCheckbox
        label="Expiring within 14 days"
        checked={!!filters.expiringWithin}
        onToggle={() => toggle('expiringWithin', '14d')}
      />
      <FilterCheckbox
        label="Unrestricted only"
        checked={filters.unrestricted === true}
        onToggle={() =>
          onChange({
            ...filters,
            unrestricted: filters.unrestricted ? undefined : true,
          })
        }
      />
      <Grid item>
        <FormControl>
          <InputLabel
            shrink
            className={classes.label}
            htmlFor="gatehouse-source-filter"
          >
            Source
          </InputLabel>
          <NativeSelect
            id="gatehouse-source-filter"
            value={filters.source?.[0] ?? ''}
            onChange={event =>
              onChange({
                ...filters,
                source: event.target.value
                  ? [event.target.value as CredentialSource]
                  : undefined,
              })
            }
          >
            <option value="">every source</option>
            {SOURCES.map(source => (
              <option key={source} value={source}>
                {sourceText(source)}
              </option>
            ))}
          </NativeSelect>
        </FormControl>
      </Grid>
      <FilterCheckbox
        label="Show revoked, expired and compromised"
        checked={!filters.status}
        onToggle={() =>
          onChange({ ...filters, status: filters.status ? undefined : USABLE })
        }
      />
      <Grid item>
        <FormControl>
          <InputLabel
            shrink
            className={classes.label}
            htmlFor="gatehouse-owner-filter"
          >
            Owner
          </InputLabel>
          <NativeSelect
            id="gatehouse-owner-filter"
            value={filters.owner ?? ''}
            onChange={event =>
              onChange({ ...filters, owner: event.target.value || undefined })
            }
          >
            <option value="mine">my teams</option>
            <option value="">anyone</option>
            <option value="none">nobody</option>
            {/* A team's card links here with its ref: ?owner=group:default/payments */}
            {filters.owner && !['mine', 'none'].includes(filters.owner) && (
              <option value={filters.owner}>{ownerText(filters.owner)}</option>
            )}
          </NativeSelect>
        </FormControl>
      </Grid>
      <Grid item>
        <TextField
          InputLabelProps={{ className: classes.label }}
          id="gatehouse-subject-filter"
          label="Subject (* for any text)"
          value={subject}
          onChange={event => setSubject(event.target.value)}
        />
      </Grid>
    </Grid>
  );
}
