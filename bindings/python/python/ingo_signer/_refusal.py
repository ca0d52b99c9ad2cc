"""How the middleware answers a refused request: as every gateway of the project does.

The status is the core's ``http_status()`` of the error as a client is told it
(:meth:`VerifyError.for_client`), the body is ``{"status": <status>, "client_message":
"<its message>"}`` as JSON, ``WWW-Authenticate: hmac`` goes with a 401, and the original
``kind`` goes to the log (logger ``ingo_signer``), never to the client.
"""

from __future__ import annotations

import json
import logging
from typing import List, Tuple

from ingo_signer.errors import VerifyError

logger = logging.getLogger("ingo_signer")


def refusal(
    error: VerifyError, method: str, target: str
) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """``(status, headers, body)`` of the answer to a request refused with ``error``."""
    told = error.for_client()
    status = told.http_status
    body = json.dumps({"status": status, "client_message": told.message}).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if status == 401:
        headers.append(("WWW-Authenticate", "hmac"))
    logger.info("refused %s %s: %s (%d)", method, target, error.kind, status)
    return status, headers, body
