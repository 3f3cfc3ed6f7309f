"""Verifies a JWT the way HashiCorp Vault's JWT auth method does with jwks_url.

An independent, non-JavaScript verifier for the tests of Gatehouse's external
audience tokens (Backstage plugin tokens). Run it with Debian's python3 and its
python3-jwt (PyJWT 2.6):

    /usr/bin/python3 -I vault_like_verify.py --jwks-url URL \
        --bound-audience vault-jwt --bound-subject terraform < token

The token is read from standard input (never from the command line, where
other processes could see it) and is never printed. Prints one JSON object,
{ok, sub, aud, exp, iat, kid, error, message}, and exits 0 when the token is
accepted, 1 when it is rejected.

What it checks, after Vault's login path (vault-plugin-auth-jwt path_login.go,
which calls hashicorp/cap jwt.Validator.Validate):

- the signature, with the key of the token's `kid` from the JWKS at
  `jwks_url`, fetched fresh (one PyJWKClient per run; an unknown kid makes it
  fetch once more, then fail with PyJWKClientError);
- `alg` is one of `jwt_supported_algs` (here: --supported-alg, default ES256);
- `aud` contains one of `bound_audiences` (InvalidAudienceError);
- `sub` equals `bound_subject` (InvalidSubjectError);
- time: not expired, `iat` (and `nbf`) not in the future, each with
  `clock_skew_leeway` (default 60 s; 0 means the default, a negative value no
  leeway, as in Vault). Vault's `expiration_leeway` and `not_before_leeway`
  only stand in for a missing `exp` or `nbf`; here `exp` and `iat` are
  required, so they never apply;
- `exp`, `iat`, `sub` and `aud` are present (stricter than Vault, which wants
  one of iat/nbf/exp and the `user_claim`, by default `sub`).

--now-offset SECONDS runs the time checks as if the clock were that far ahead
(negative: behind), to test expiry without waiting an hour. PyJWT has no clock
option; the offset replaces the `datetime` its claim checks read.
"""

import argparse
import datetime as _datetime
import json
import sys

import jwt
import jwt.api_jwt


class InvalidSubjectError(jwt.InvalidTokenError):
    """The `sub` claim is not the bound subject (Vault: invalid subject (sub) claim)."""


def _shift_clock(seconds):
    class _ShiftedDatetime(_datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return _datetime.datetime.now(tz) + _datetime.timedelta(seconds=seconds)

    jwt.api_jwt.datetime = _ShiftedDatetime


def _vault_clock_skew_leeway(configured):
    # hashicorp/cap: zero means the default (60 s), negative means none.
    if configured < 0:
        return 0
    if configured == 0:
        return 60
    return configured


def verify(token, args):
    client = jwt.PyJWKClient(args.jwks_url, cache_jwk_set=False)
    signing_key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=args.supported_alg or ["ES256"],
        audience=args.bound_audience,
        leeway=_vault_clock_skew_leeway(args.clock_skew_leeway),
        options={"require": ["exp", "iat", "sub", "aud"]},
    )
    if not isinstance(claims["sub"], str) or claims["sub"] != args.bound_subject:
        raise InvalidSubjectError("sub claim does not match the bound subject")
    return claims


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jwks-url", required=True)
    parser.add_argument("--bound-audience", action="append", required=True)
    parser.add_argument("--bound-subject", required=True)
    parser.add_argument("--supported-alg", action="append")
    parser.add_argument("--clock-skew-leeway", type=int, default=0)
    parser.add_argument("--now-offset", type=int, default=0)
    args = parser.parse_args()

    token = sys.stdin.read().strip()
    if args.now_offset:
        _shift_clock(args.now_offset)

    result = {
        "ok": False,
        "sub": None,
        "aud": None,
        "exp": None,
        "iat": None,
        "kid": None,
        "error": None,
        "message": None,
    }
    try:
        result["kid"] = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        pass
    try:
        claims = verify(token, args)
    except jwt.PyJWTError as error:
        result["error"] = type(error).__name__
        # Messages name claims and key ids; make sure no token slips through.
        message = str(error)
        result["message"] = message.replace(token, "<token>") if token else message
    else:
        result.update(
            ok=True,
            sub=claims["sub"],
            aud=claims["aud"],
            exp=claims["exp"],
            iat=claims["iat"],
        )
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
