import {
  Content,
  ContentHeader,
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { Box, Button, Typography } from '@material-ui/core';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import type { Credential, InventoryFilters } from '../api/types';
import { CreateTokenDialog } from './CreateTokenDialog';
import { CredentialDetails } from './CredentialDetails';
import { InventoryFilterBar, USABLE } from './InventoryFilters';
import { InventoryTable } from './InventoryTable';
import { useGatehouseClient } from './useGatehouseClient';

const MY_TEAMS: InventoryFilters = { owner: 'mine', status: USABLE };
const EVERYTHING: InventoryFilters = { status: USABLE };
/** Rows asked of the backend at a time: it pages in its database. */
export const PAGE_SIZE = 50;

/** The token's id in /api/gatehouse/tokens: the inventory's id without its source. */
const managedTokenId = (credential: Credential) =>
  credential.id.replace(/^gatehouse-managed:/, '');

/**
 * The "Service access" page's content, for both frontend systems: the
 * inventory for those who may read it, a plain "not allowed" panel for the
 * others, and the buttons each caller's permissions allow.
 */
export function ServiceAccessContent() {
  const client = useGatehouseClient();
  // From the backend: a policy may grant these for some owners only, which
  // the browser cannot ask the permission backend without naming a token.
  const access = useAsync(() => client.access(), [client]);
  const read = {
    loading: access.loading,
    allowed: !!access.value && access.value.read !== 'none',
  };
  const create = { allowed: !!access.value && access.value.create !== 'none' };
  const [searchParams, setSearchParams] = useSearchParams();
  // ?owner=<ref>: a team's card links to its credentials here.
  const [chosenFilters, setChosenFilters] = useState<
    InventoryFilters | undefined
  >(() => {
    const owner = searchParams.get('owner');
    return owner ? { owner, status: USABLE } : undefined;
  });
  // Those who may see only some credentials (their teams', say) start with
  // their teams'; administrators with everything.
  const filters =
    chosenFilters ?? (access.value?.read === 'some' ? MY_TEAMS : EVERYTHING);
  const [page, setPage] = useState(0);
  // Other filters, other rows: back to the first page.
  const setFilters = useCallback((next: InventoryFilters) => {
    setChosenFilters(next);
    setPage(0);
  }, []);
  // Bumped to clear the filter bar's own state (its subject as typed).
  const [filterBar, setFilterBar] = useState(0);
  const [selected, setSelected] = useState<Credential>();
  const [creating, setCreating] = useState(false);

  const inventory = useAsyncRetry(
    async () =>
      read.allowed
        ? client.inventory(filters, {
            limit: PAGE_SIZE,
            offset: page * PAGE_SIZE,
          })
        : undefined,
    [client, filters, page, read.allowed],
  );
  // ?credential=<id>: a notice's link opens that credential's details,
  // asked by its id (it may be on another page, or expired and hidden).
  const linked = searchParams.get('credential');
  const linkedCredential = useAsync(
    async () =>
      linked && read.allowed
        ? (await client.inventory({ id: linked }, { limit: 1 })).items[0]
        : undefined,
    [client, linked, read.allowed],
  );
  useEffect(() => {
    if (linkedCredential.value) setSelected(linkedCredential.value);
  }, [linkedCredential.value]);
  const closeDetails = () => {
    setSelected(undefined);
    if (linked) {
      setSearchParams(
        params => {
          params.delete('credential');
          return params;
        },
        { replace: true },
      );
    }
  };
  const baseUrl = useAsync(() => client.baseUrl(), [client]);
  // Asked when the form opens; without it the form still works (free text,
  // the usual lifetimes) and the backend refuses what it does not allow.
  const tokenOptions = useAsync(
    async () => (creating ? client.tokenOptions() : undefined),
    [client, creating],
  );
  // The backend's base URL, for the curl line: discovery gives .../api/gatehouse.
  const backendBaseUrl = (baseUrl.value ?? '').replace(/\/api\/gatehouse$/, '');

  const onRevoke = useCallback(
    async (credential: Credential) => {
      const revoked = await client.revokeToken(managedTokenId(credential));
      inventory.retry();
      return revoked;
    },
    [client, inventory],
  );
  const onMarkCompromised = useCallback(
    async (credential: Credential, reason?: string) => {
      const marked = await client.markCompromised(credential.id, reason);
      inventory.retry();
      return marked;
    },
    [client, inventory],
  );
  const clearFilters = () => {
    setFilters({});
    setFilterBar(n => n + 1);
  };
  // Leaving out revoked and expired credentials is the page's way of showing,
  // not a question the user asked.
  const filtered = Object.entries(filters).some(
    ([key, value]) =>
      value !== undefined && !(key === 'status' && value === USABLE),
  );
  const onRotate = useCallback(
    async (credential: Credential) => {
      const rotated = await client.rotateToken(managedTokenId(credential));
      inventory.retry();
      return rotated;
    },
    [client, inventory],
  );

  if (read.loading) return <Progress />;
  if (access.error) {
    return (
      <Content>
        <ResponseErrorPanel
          error={access.error}
          title="Gatehouse cannot say what your account may do"
        />
      </Content>
    );
  }
  if (!read.allowed) {
    return (
      <Content>
        <EmptyState
          missing="content"
          title="Not allowed"
          description="Your account may not see Gatehouse's inventory of credentials (it needs the gatehouse.token.read permission). Ask your Backstage administrators if you need it."
        />
      </Content>
    );
  }

  return (
    <Content>
      <ContentHeader title="Every credential that can call this Backstage">
        {create.allowed && (
          <Button
            variant="contained"
            color="primary"
            onClick={() => setCreating(true)}
          >
            New token
          </Button>
        )}
      </ContentHeader>
      <Typography variant="body2" paragraph>
        Static tokens, JWT issuers and managed tokens, with what each may call
        and when it was last used, on every replica.
      </Typography>
      <Box mb={2}>
        <InventoryFilterBar
          key={filterBar}
          filters={filters}
          onChange={setFilters}
        />
      </Box>
      {inventory.error ? (
        <ResponseErrorPanel
          error={inventory.error}
          title="The inventory cannot be read"
        />
      ) : !inventory.value ? (
        <Progress />
      ) : (
        <InventoryTable
          credentials={inventory.value.items}
          total={inventory.value.total}
          page={page}
          pageSize={PAGE_SIZE}
          onPageChange={setPage}
          generatedAt={inventory.value.generatedAt}
          onSelect={setSelected}
          emptyContent={
            filtered ? (
              <EmptyState
                missing="data"
                title="No credentials match these filters"
                description="Every credential that can call this Backstage is listed without them."
                action={
                  <Button variant="contained" onClick={clearFilters}>
                    Clear filters
                  </Button>
                }
              />
            ) : (
              <EmptyState
                missing="content"
                title="No credentials yet"
                description={
                  create.allowed
                    ? 'Nothing can call this Backstage from outside. Give a pipeline or a service a token of its own, restricted to the plugins it needs.'
                    : "Nothing can call this Backstage from outside. Static tokens and JWT issuers are configured in app-config (see Gatehouse's docs); managed tokens are made here by those allowed to."
                }
                action={
                  create.allowed ? (
                    <Button
                      variant="contained"
                      color="primary"
                      onClick={() => setCreating(true)}
                    >
                      New token
                    </Button>
                  ) : undefined
                }
              />
            )
          }
        />
      )}
      <CredentialDetails
        credential={selected}
        onClose={closeDetails}
        // What the policy allows the user on this token (its owner, say).
        canRevoke={!!selected?.actions?.includes('revoke')}
        canRotate={!!selected?.actions?.includes('rotate')}
        canMarkCompromised={!!selected?.actions?.includes('compromise')}
        onRevoke={onRevoke}
        onMarkCompromised={onMarkCompromised}
        onRotate={onRotate}
        backendBaseUrl={backendBaseUrl}
      />
      <CreateTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreate={token => client.createToken(token)}
        onCreated={inventory.retry}
        options={tokenOptions.value}
        backendBaseUrl={backendBaseUrl}
      />
    </Content>
  );
}
