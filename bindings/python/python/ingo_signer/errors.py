"""The exceptions ``ingo_signer`` raises.

Every one carries the core's stable ``kind`` (``"verify.signature_mismatch"``,
``"digest.mismatch"``, ``"sign.content_type"``, ...) and, as its message, the core's own text,
which says what to fix. A :class:`VerifyError` also carries the HTTP status a server answers
with (``http_status``: 401, 400 or 413).

The native module raises these classes; they are defined here, in Python, so that they can be
subclassed, pickled and documented like any other exception.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

__all__ = ["SignerError", "VerifyError", "SignError", "InvalidKeyError"]


class SignerError(Exception):
    """Base class of every error of the signer.

    ``kind`` is the core's stable identifier of the error; match on it, never on the message.
    ``http_status`` is the status a server answers with, or None where the error is not a
    verdict on a request (signing, keys).
    """

    kind: str
    http_status: Optional[int]

    def __init__(self, message: str, kind: str, http_status: Optional[int] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.http_status = http_status

    @property
    def message(self) -> str:
        """The core's message: what is wrong and what to fix."""
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, kind={self.kind!r}, "
            f"http_status={self.http_status!r})"
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.kind, self.http_status), self.__dict__)


class VerifyError(SignerError):
    """A request was refused; ``http_status`` is 401 (not authenticated), 400 (malformed) or
    413 (body over the limit).

    Log ``kind``; tell the client :meth:`for_client`.
    """

    http_status: int

    def __init__(
        self,
        message: str,
        kind: str,
        http_status: int,
        *,
        client: Optional[VerifyError] = None,
    ) -> None:
        super().__init__(message, kind, http_status)
        self._client = client

    def for_client(self) -> VerifyError:
        """The error as a client is told it (the core's ``VerifyError::for_client``).

        An unknown username is told exactly as a signature mismatch, so that answers do not
        reveal which usernames exist; every other error is told as itself. Servers answer with
        this error's ``http_status`` and message and log the original ``kind``.
        """
        return self._client if self._client is not None else self


class SignError(SignerError):
    """A request cannot be signed as given (a content type that is not JSON, a target with a
    space, an extra header that cannot be signed, ...). ``http_status`` is None."""


class InvalidKeyError(SignerError):
    """A key cannot be made: the username cannot go in an Authorization header, or the secret
    is empty. ``http_status`` is None."""
