import { Table, TableColumn } from '@backstage/core-components';
import { Button, Chip } from '@material-ui/core';
import type { Credential } from '../api/types';
import {
  dayText,
  lastUsedText,
  restrictionsText,
  sourceText,
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

const columns = (
  onSelect: (credential: Credential) => void,
): TableColumn<Credential>[] => [
  { title: 'Source', render: row => sourceText(row.source) },
  { title: 'Subject', field: 'subject' },
  { title: 'Description', render: row => row.description ?? '' },
  {
    title: 'Restricted to',
    render: row => restrictionsText(row.accessRestrictions),
  },
  {
    title: 'Status',
    render: row => (
      <Chip size="small" label={row.status} color={STATUS_COLOR[row.status]} />
    ),
  },
  { title: 'Expires', render: row => dayText(row.expiresAt) },
  { title: 'Last used', render: row => lastUsedText(row) },
  {
    title: 'Details',
    // A button, not a clickable row: rows cannot be reached with the keyboard.
    render: row => (
      <Button
        size="small"
        onClick={() => onSelect(row)}
        aria-label={`Details of ${row.subject}`}
      >
        Details
      </Button>
    ),
  },
];

/**
 * Every credential, a row each. Sorting is off: material-table's sort
 * headers nest a button in a button, which screen readers cannot use (axe:
 * nested-interactive); the backend already orders managed tokens newest first.
 */
export function InventoryTable(props: {
  credentials: Credential[];
  /** How many match, when the backend sent only the first of them. */
  total?: number;
  onSelect: (credential: Credential) => void;
}) {
  const shown = props.credentials.length;
  const more = props.total !== undefined && props.total > shown;
  return (
    <Table<Credential>
      title={
        more
          ? `Credentials (the first ${shown} of ${props.total}: narrow them with the filters)`
          : `Credentials (${shown})`
      }
      columns={columns(props.onSelect)}
      data={props.credentials}
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
