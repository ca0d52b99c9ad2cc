"""Sign and verify Ingo Payments HMAC requests, on the project's Rust core.

>>> import ingo_signer
>>> key = ingo_signer.SigningKey("demo", b"demo-secret-not-for-production")
>>> body = b'{"participant_unique_id1":"70646041"}'
>>> headers = ingo_signer.sign(key, "POST", "/api/v1/sessions/point-in-time/plugin", body,
...                            now=1579291169)
>>> list(headers)
['X-Date', 'Content-Type', 'Content-Length', 'Content-sha512', 'Authorization']
>>> verifier = ingo_signer.Verifier([key])
>>> verifier.verify("POST", "/api/v1/sessions/point-in-time/plugin", headers.items(), body,
...                 now=1579291200).username
'demo'

Every decision (what is signed, what is refused, the status and the message) is the core's:
this package converts Python values and maps errors. Around the core:

- :mod:`ingo_signer.requests` and :mod:`ingo_signer.httpx`: ``IngoAuth(key)`` signs each
  request of a ``requests`` session or an ``httpx`` client (sync or async);
- :mod:`ingo_signer.asgi` (Starlette, FastAPI) and :mod:`ingo_signer.wsgi` (Flask): middleware
  that verifies each request, head first, and answers refusals as every gateway of the project
  does.
"""

from ingo_signer._native import (
    PendingBody,
    SigningKey,
    Verified,
    Verifier,
    Violation,
    __version__,
    sign,
    validate,
)
from ingo_signer.errors import InvalidKeyError, SignerError, SignError, VerifyError

__all__ = [
    "InvalidKeyError",
    "PendingBody",
    "SignError",
    "SignerError",
    "SigningKey",
    "Verified",
    "Verifier",
    "VerifyError",
    "Violation",
    "__version__",
    "sign",
    "validate",
]
