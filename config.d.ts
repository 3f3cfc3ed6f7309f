/**
 * Configuration schema of Gatehouse. Backstage merges it with the schemas of
 * other packages; the entries below extend `backend.auth.externalAccess`.
 */
export interface Config {
  backend?: {
    auth?: {
      externalAccess?: Array<{
        /**
         * Gatehouse's static tokens: a superset of the built-in `static`
         * type (same `token` and `subject`), plus hashed, expiring,
         * rotating and file-based tokens, reloaded without restart.
         */
        type: 'gatehouse-static';
        options: {
          /**
           * Default subject of the entry's tokens, e.g. `ci-pipeline`;
           * required when `token` is set or a token has no subject.
           */
          subject?: string;
          /**
           * A plain token, as for the built-in `static` type. At least 16
           * printable ASCII characters; 32 or more recommended.
           * @visibility secret
           */
          token?: string;
          /** Several tokens, for rotation with overlap and per-token subjects. */
          tokens?: Array<{
            /**
             * A plain token, usually from the environment: `${CI_TOKEN}`.
             * @visibility secret
             */
            token?: string;
            /**
             * Instead of `token`: `sha256:` and the token's SHA-256 in hex,
             * as printed by `npx gatehouse token create` or `token hash`.
             */
            hash?: string;
            /** Overrides the entry's `subject` for this token. */
            subject?: string;
            /** ISO 8601 date or date-time with time zone; rejected from then on. */
            expiresAt?: string;
            /** ISO 8601 date or date-time with time zone; rejected before then. */
            notBefore?: string;
          }>;
          /**
           * A YAML or JSON file with a `tokens:` list of the same shape,
           * re-read within 2 seconds of a change. A change that does not
           * validate is logged and ignored; the last good tokens stay.
           */
          tokensFile?: string;
        };
        /** As for every `externalAccess` entry: which plugins and permissions the tokens may use. */
        accessRestrictions?: Array<{
          plugin: string;
          permission?: string | string[];
          permissionAttribute?: {
            action?: string | string[];
          };
        }>;
      }>;
    };
  };
}
