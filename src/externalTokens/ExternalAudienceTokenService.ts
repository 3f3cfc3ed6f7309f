import type {
  AuthService,
  BackstageCredentials,
  RootInstanceMetadataService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { decodeJwt } from 'jose';

/**
 * Tokens that a system outside Backstage (HashiCorp Vault's JWT auth, say)
 * verifies against this plugin's JWKS.
 *
 * @public
 */
export interface ExternalAudienceTokenService {
  /**
   * A Backstage plugin token whose subject is this plugin and whose audience
   * is `audience` (header `typ: vnd.backstage.plugin`, ES256, valid one hour).
   *
   * @param options.onBehalfOf - whose request this serves; default: the
   *   plugin's own credentials. User credentials are refused: the token would
   *   carry the user's Backstage token (its `obo` claim) to the external system.
   * @throws InputError for an audience that is a plugin id of this backend
   *   (the token would also be accepted by that plugin)
   */
  getToken(options: {
    audience: string;
    onBehalfOf?: BackstageCredentials;
  }): Promise<{ token: string; expiresAt: Date }>;
}

/** @internal */
export interface ExternalAudienceTokenServiceDeps {
  auth: AuthService;
  instanceMetadata: RootInstanceMetadataService;
  pluginId: string;
}

/** @internal */
export class DefaultExternalAudienceTokenService implements ExternalAudienceTokenService {
  readonly #deps: ExternalAudienceTokenServiceDeps;

  static create(
    deps: ExternalAudienceTokenServiceDeps,
  ): DefaultExternalAudienceTokenService {
    return new DefaultExternalAudienceTokenService(deps);
  }

  private constructor(deps: ExternalAudienceTokenServiceDeps) {
    this.#deps = deps;
  }

  async getToken(options: {
    audience: string;
    onBehalfOf?: BackstageCredentials;
  }): Promise<{ token: string; expiresAt: Date }> {
    const { auth, instanceMetadata, pluginId } = this.#deps;
    const { audience } = options;
    if (!/^\S+$/.test(audience)) {
      throw new InputError(
        `Audience '${audience}' must be a non-empty string without white space`,
      );
    }
    const plugins = await instanceMetadata.getInstalledPlugins();
    if (plugins.some(p => p.pluginId === audience)) {
      throw new InputError(
        `Audience '${audience}' is the id of a plugin of this backend, which would accept the token too; choose an audience that names the external system and no plugin, such as 'vault-jwt'`,
      );
    }
    const onBehalfOf =
      options.onBehalfOf ?? (await auth.getOwnServiceCredentials());
    if (!auth.isPrincipal(onBehalfOf, 'service')) {
      throw new NotAllowedError(
        `Refusing to issue a token for the external audience '${audience}' on behalf of a ${(onBehalfOf.principal as { type: string }).type} principal: a token for a user carries the user's Backstage token (obo claim) to the external system. Issue it as the plugin instead (no onBehalfOf)`,
      );
    }
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf,
      targetPluginId: audience,
    });
    const claims = decodeJwt(token);
    // Backstage adds obo only for users, refused above; never let one out.
    if (claims.obo !== undefined || claims.sub !== pluginId) {
      throw new NotAllowedError(
        `Refusing to hand out a token for '${audience}' that does not stand for plugin '${pluginId}' alone`,
      );
    }
    return { token, expiresAt: new Date(Number(claims.exp) * 1000) };
  }
}
