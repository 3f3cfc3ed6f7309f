import catalogPlugin from '@backstage/plugin-catalog-backend';
import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerSignInModule, signInAs } from './headerSignIn';
import { eventually } from './requests';
import { authBackendForTests } from './userTokens';

/** Users and the teams they are in, as the catalog will say. */
export const TEAMS = {
  'team-a': ['alice'],
  'team-b': ['bob'],
  'platform-team': ['carol'],
} as const;

export type TeamUser = (typeof TEAMS)[keyof typeof TEAMS][number];

function orgYaml(): string {
  const entities: string[] = [];
  for (const [team, users] of Object.entries(TEAMS)) {
    entities.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: ${team} }\nspec: { type: team, children: [] }\n`,
    );
    for (const user of users) {
      entities.push(
        `apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: ${user} }\nspec: { memberOf: [${team}] }\n`,
      );
    }
  }
  return entities.join('---\n');
}

/**
 * What a test backend needs for people in teams: the real catalog reading
 * TEAMS from a file, and the real auth backend signing each user in through
 * it (headerSignIn), so that users' ownership refs are their groups.
 */
export function teamsBackend(): {
  features: BackendFeature[];
  config: JsonObject;
} {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-teams-'));
  writeFileSync(join(dir, 'org.yaml'), orgYaml());
  const auth = authBackendForTests();
  const authConfig = auth.config.auth as { providers: object };
  return {
    features: [...auth.features, headerSignInModule, catalogPlugin],
    config: {
      ...auth.config,
      auth: {
        ...authConfig,
        providers: { ...authConfig.providers, 'test-header': {} },
      },
      catalog: {
        locations: [
          {
            type: 'file',
            target: join(dir, 'org.yaml'),
            rules: [{ allow: ['User', 'Group'] }],
          },
        ],
      },
    } as JsonObject,
  };
}

/** Each user's Backstage token, once the catalog has read the teams. */
export async function signInEveryone(
  server: Server,
): Promise<Record<TeamUser, string>> {
  const tokens = {} as Record<TeamUser, string>;
  await eventually(async () => {
    for (const user of Object.values(TEAMS).flat()) {
      const token = await signInAs(server, user);
      if (!token) throw new Error(`${user} cannot sign in yet`);
      tokens[user] = token;
    }
  }, 20_000);
  return tokens;
}
