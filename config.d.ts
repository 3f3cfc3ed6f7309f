/**
 * Configuration schema of Gatehouse, merged by Backstage with the schemas of
 * other packages.
 *
 * The entries extend `backend.auth.externalAccess`. They are declared as one
 * object type with the options of both Gatehouse types, not as a union: Backstage
 * merges schemas with `allOf`, and a union here would have to be combined with
 * the built-in types' union, which the merge cannot resolve (it throws, and with
 * it the loading of every package's schema).
 */
export interface Config {
  backend?: {
    auth?: {
      externalAccess?: Array<{
        /**
         * `gatehouse-static`: static tokens, a superset of the built-in `static`
         * type, with hashed, expiring, rotating and file-based tokens reloaded
         * without restart. `gatehouse-jwks`: JWTs from identity providers, a
         * superset of the built-in `jwks` type, with OIDC discovery, claim
         * binding, clock tolerance, maximum age, `typ`, and key sets that
         * survive a provider outage. `gatehouse-managed`: tokens issued at run
         * time through `/api/gatehouse`, each with its own scope and expiry,
         * stored as hashes in the database (one entry, without
         * `accessRestrictions`).
         */
        type: string;
        options: {
          // gatehouse-static

          /**
           * Default subject of the entry's tokens, e.g. `ci-pipeline`;
           * required when `token` is set or a token has no subject.
           */
          subject?: string;
          /**
           * gatehouse-static and gatehouse-jwks: the catalog entity ref of the
           * group or user that looks after the entry's credentials
           * (`group:default/payments`; a bare name is a group): shown in the
           * inventory, and what a permission policy of owners goes by.
           */
          owner?: string;
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
            /** Overrides the entry's `owner` for this token. */
            owner?: string;
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

          // the built-in `legacy` type

          /**
           * Not a Gatehouse option: the built-in `legacy` type's shared
           * secret, declared here because Backstage merges this object with
           * its own entry types, and `backstage-cli config:check --strict`
           * would otherwise refuse `secret` on a `legacy` entry.
           * @visibility secret
           */
          secret?: string;

          // gatehouse-jwks

          /** The JWKS URL; optional when `issuer` allows OIDC discovery. */
          url?: string;
          /** Accepted `iss` values; with no `url`, each is discovered at `<issuer>/.well-known/openid-configuration`. */
          issuer?: string | string[];
          /** Accepted `aud` values; never `backstage` (Backstage's own user tokens). */
          audience?: string | string[];
          /**
           * Accepted `alg` values; asymmetric only. Default: RS256, RS384,
           * RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.
           */
          algorithm?: string | string[];
          /**
           * The claim that names the caller.
           * @default sub
           */
          subjectClaim?: string;
          /** The subject becomes `external:<subjectPrefix>:<claim value>`. */
          subjectPrefix?: string;
          /** Claim name to required value or list of values (any of); `*` is a wildcard. */
          claims?: {
            [claim: string]:
              string | number | boolean | Array<string | number | boolean>;
          };
          /** Leeway for `exp`, `nbf` and `iat`: a duration (`30s`) or seconds. */
          clockTolerance?: string | number | { [unit: string]: number };
          /** Reject tokens issued longer ago than this. */
          maxTokenAge?: string | number | { [unit: string]: number };
          /** Required header `typ`; by default it must be absent, `JWT` or `at+jwt`. */
          typ?: string;
          /**
           * At most one key-set fetch per this period for unknown `kid`s.
           * @default 5s
           */
          jwksCooldown?: string | number | { [unit: string]: number };
          /**
           * Keys older than this are refreshed in the background.
           * @default 10m
           */
          jwksCacheMaxAge?: string | number | { [unit: string]: number };
          /**
           * Deadline for a key-set or discovery fetch, body included.
           * @default 5s
           */
          jwksTimeout?: string | number | { [unit: string]: number };
          /**
           * How long the last good keys serve while the provider fails.
           * @default 24h
           */
          jwksMaxStale?: string | number | { [unit: string]: number };

          // gatehouse-managed

          /**
           * The longest lifetime a managed token may be created with.
           * @default 365d
           */
          maxLifetime?: string | number | { [unit: string]: number };
          /**
           * The lifetime of a managed token created without one; unset,
           * 90d or half of maxLifetime, whichever is shorter.
           * @default 90d
           */
          defaultLifetime?: string | number | { [unit: string]: number };
          /**
           * How long a rotated managed token keeps working beside its successor (at least 1m).
           * @default 1h
           */
          rotationOverlap?: string | number | { [unit: string]: number };
          /**
           * How often each replica reads managed-token changes from the database.
           * @default 1s
           */
          syncInterval?: string | number | { [unit: string]: number };
          /**
           * While the database cannot be read, known managed tokens keep working
           * this long after the last successful read; then all are refused.
           * @default 5m
           */
          maxStale?: string | number | { [unit: string]: number };
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
  /** Gatehouse's own settings, beside `backend.auth.externalAccess`. */
  gatehouse?: {
    /**
     * Usage of every credential, for the inventory at /api/gatehouse/inventory:
     * counted in memory on each request and written to the gatehouse plugin's
     * database once per interval by each replica.
     */
    usage?: {
      /**
       * False: record no usage (the inventory still lists every credential).
       * @default true
       */
      enabled?: boolean;
      /**
       * How often each replica writes its counts; a replica that dies loses at
       * most this much. At least 100 ms.
       * @default 60s
       */
      flushInterval?: string | number | { [unit: string]: number };
      /**
       * Distinct JWT subjects counted per gatehouse-jwks entry per interval;
       * the rest are counted together under '*'.
       * @default 100
       */
      subjectsPerEntry?: number;
    };
    /**
     * Notices to credentials' owners through Backstage's notifications
     * (the notifications backend must be installed): sent by one replica at
     * a time, each once. See docs/notifications.md.
     */
    notifications?: {
      /**
       * False: send no notices.
       * @default true
       */
      enabled?: boolean;
      /**
       * How often one replica looks for notices due. At least 1 second.
       * @default 1h
       */
      interval?: string | number | { [unit: string]: number };
      /** Before a credential expires. */
      expiring?: {
        /** @default true */
        enabled?: boolean;
        /**
         * Windows before the expiry: one notice as each is entered (only
         * windows shorter than the credential's lifetime).
         * @default [14d, 3d]
         */
        within?: Array<string | number | { [unit: string]: number }>;
      };
      /** When a credential has expired (within the longest window). */
      expired?: {
        /** @default true */
        enabled?: boolean;
      };
      /** When a credential has not been used for a while. */
      unused?: {
        /** @default true */
        enabled?: boolean;
        /** @default 30d */
        for?: string | number | { [unit: string]: number };
      };
    };
    /**
     * Unusual use, noticed from the usage every replica writes: each signal
     * raised once, as an audit event, a warning, a metric and a notice to the
     * credential's owner. See docs/leaks.md.
     */
    signals?: {
      /** @default true */
      enabled?: boolean;
      /**
       * A credential's first calls teach Gatehouse its plugins; a plugin it
       * calls for the first time after this is a signal.
       * @default 7d
       */
      learningPeriod?: string | number | { [unit: string]: number };
      /**
       * A credential unused this long, then used again, is a signal.
       * @default 30d
       */
      dormantFor?: string | number | { [unit: string]: number };
      /** Rejections added up across replicas, per token and per reason. */
      burst?: {
        /** @default 5m */
        window?: string | number | { [unit: string]: number };
        /** @default 50 */
        perFingerprint?: number;
        /** @default 500 */
        perReason?: number;
      };
    };
    /**
     * The compromised-credentials list (POST /api/gatehouse/leaks), read by
     * every replica from the gatehouse plugin's database. See docs/leaks.md.
     */
    leaks?: {
      /**
       * How often each replica reads the list: a mark is honoured everywhere
       * within about this. Between 100 ms and 1 minute.
       * @default 1s
       */
      interval?: string | number | { [unit: string]: number };
      /**
       * While the list cannot be read, tokens keep working this long after the
       * last read; then every Gatehouse token is refused until it can be read.
       * At least 10 seconds.
       * @default 5m
       */
      maxStale?: string | number | { [unit: string]: number };
    };
  };
}
