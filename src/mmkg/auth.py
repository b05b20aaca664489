"""Who may use the admin routes: whoever presents the operator's token as `Authorization: Bearer …`.

The token comes from $MMKG_ADMIN_TOKEN or a file (`--admin-token-file`), never from the command line, where other
users of the machine could read it. It is compared in constant time and never logged or echoed back. Writes to
the graph (SPARQL Update, Graph Store writes) are refused even with the token: the curated files are the only
way in, through a validated reload."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request
from fastapi.responses import PlainTextResponse

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="mmkg admin"'}


def _digest(token: str) -> bytes:
    # Comparing fixed-length digests keeps the comparison's time independent of the token's length too.
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).digest()


def token_matches(presented: str, expected: str) -> bool:
    return hmac.compare_digest(_digest(presented), _digest(expected))


def _presented(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def require_admin(request: Request) -> None:
    """401 without credentials, 403 with wrong ones or when no token is configured; returns when allowed."""
    expected: str | None = request.app.state.settings.admin_token
    presented = _presented(request)
    if presented is None:
        raise HTTPException(401, "this route needs the admin token: send 'Authorization: Bearer <token>'",
                            headers=_CHALLENGE)
    if not expected:
        raise HTTPException(403, "admin routes are disabled: start the server with $MMKG_ADMIN_TOKEN "
                                 "or --admin-token-file to enable them")
    if not token_matches(presented, expected):
        raise HTTPException(403, "the admin token is not valid")


def refuse_write(what: str) -> PlainTextResponse:
    """The answer to any attempt to change the served graph: 403, whoever asks (the admin token included). Not
    401: no credentials would help, so the client is not challenged for any."""
    return PlainTextResponse(
        f"{what} is not allowed: this endpoint is read-only, for administrators too. Change the files under "
        "graph/ and POST /admin/reload; the new build is validated before it is served.\n", status_code=403)
