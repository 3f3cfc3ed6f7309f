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
import { sourceText } from './restrictionsText';

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
      <Grid item>
        <FormControlLabel
          control={
            <Checkbox
              checked={!!filters.unusedFor}
              onChange={() => toggle('unusedFor', '30d')}
            />
          }
          label="Unused for 30 days"
        />
      </Grid>
      <Grid item>
        <FormControlLabel
          control={
            <Checkbox
              checked={!!filters.expiringWithin}
              onChange={() => toggle('expiringWithin', '14d')}
            />
          }
          label="Expiring within 14 days"
        />
      </Grid>
      <Grid item>
        <FormControlLabel
          control={
            <Checkbox
              checked={filters.unrestricted === true}
              onChange={() =>
                onChange({
                  ...filters,
                  unrestricted: filters.unrestricted ? undefined : true,
                })
              }
            />
          }
          label="Unrestricted only"
        />
      </Grid>
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
      <Grid item>
        <FormControlLabel
          control={
            <Checkbox
              checked={!filters.status}
              onChange={() =>
                onChange({
                  ...filters,
                  status: filters.status ? undefined : USABLE,
                })
              }
            />
          }
          label="Show revoked and expired"
        />
      </Grid>
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
