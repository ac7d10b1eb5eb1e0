"""The platform's ``POST /deductCheck`` for any Python web framework.

:class:`DeductCheckHandler` (the Rust endpoint) answers one call, always signed; the
helpers here serve it at exactly ``/deductCheck``::

    from glorycard import DeductCheckHandler, Outbox
    from glorycard.institution import add_deduct_check_route, asgi_app, django_view, wsgi_app

    handler = DeductCheckHandler({SID: KEY}, "106607", Outbox("/var/lib/his/outbox.db"))
    add_deduct_check_route(fastapi_app, handler)            # FastAPI or Starlette
    urlpatterns = [path("deductCheck", django_view(handler))]  # Django
    flask_app.wsgi_app = DispatcherMiddleware(flask_app.wsgi_app, {"/deductCheck": wsgi_app(handler)})
    app = asgi_app(handler)   # any other ASGI server: the whole application

Do not ``app.mount("/deductCheck", asgi_app(handler))`` in FastAPI or Starlette: a mount
is a prefix, so Starlette answers ``POST /deductCheck`` with a 307 redirect to
``/deductCheck/``, which the platform does not follow (its reconciliation then fails with
``HTTP status 307``). :func:`add_deduct_check_route` adds a route for the exact path.

Each reads at most ``max_body_bytes`` of body (64 KiB, as the Rust server: 413 beyond, the
rest never read) and answers any other method with 405. The server's own limits (header
size, timeouts, connections) apply before them. Neither Starlette nor Django is imported
until its helper is called.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Iterable, List, Mapping, MutableMapping, Optional, Tuple

from ._native import DeductCheckHandler

__all__ = [
    "DeductCheckHandler",
    "MAX_BODY_BYTES",
    "add_deduct_check_route",
    "asgi_app",
    "django_view",
    "wsgi_app",
]

#: The largest body the adapters read by default: 64 KiB.
MAX_BODY_BYTES = 64 * 1024

_Headers = List[Tuple[str, str]]
_Answer = Tuple[int, _Headers, bytes]
_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[_Scope, _Receive, _Send], Awaitable[None]]
WSGIApp = Callable[[MutableMapping[str, Any], Callable[..., Any]], Iterable[bytes]]

_PLAIN = [("content-type", "text/plain; charset=utf-8")]
_REASONS = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error"}


def _declared_length(text: Optional[str]) -> Optional[int]:
    """The Content-Length, or None when absent; -1 when it is not a number."""
    if text is None or text == "":
        return None
    try:
        length = int(text)
    except ValueError:
        return -1
    return length if length >= 0 else -1


def _refusal(status: int) -> _Answer:
    return status, list(_PLAIN), _REASONS[status].encode()


def asgi_app(handler: DeductCheckHandler, *, max_body_bytes: int = MAX_BODY_BYTES) -> ASGIApp:
    """An ASGI application answering the platform's ``POST /deductCheck`` with ``handler``:
    served as the whole application. In FastAPI or Starlette use
    :func:`add_deduct_check_route` instead of mounting it (a mount answers 307).

    The handler runs in the event loop's default executor (it verifies, may read the
    outbox or call a blocking source, and signs), so the loop is never blocked.
    """

    async def app(scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        answer = await _asgi_answer(handler, scope, receive, max_body_bytes)
        status, headers, body = answer
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        })
        await send({"type": "http.response.body", "body": body})

    return app


async def _asgi_answer(handler: DeductCheckHandler, scope: _Scope, receive: _Receive, limit: int) -> _Answer:
    if scope.get("method") != "POST":
        return _refusal(405)
    headers = [(bytes(name).decode("latin-1"), bytes(value).decode("latin-1")) for name, value in scope.get("headers", [])]
    declared = _declared_length(next((value for name, value in headers if name.lower() == "content-length"), None))
    if declared == -1:
        return _refusal(400)
    if declared is not None and declared > limit:
        return _refusal(413)
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _refusal(400)
        body += message.get("body", b"")
        if len(body) > limit:
            return _refusal(413)
        if not message.get("more_body", False):
            break
    client = scope.get("client")
    peer = f"{client[0]}:{client[1]}" if client else None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, handler.handle, headers, bytes(body), peer)


def wsgi_app(handler: DeductCheckHandler, *, max_body_bytes: int = MAX_BODY_BYTES) -> WSGIApp:
    """A WSGI application answering the platform's ``POST /deductCheck`` with ``handler``."""

    def app(environ: MutableMapping[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, headers, body = _wsgi_answer(handler, environ, max_body_bytes)
        start_response(f"{status} {_REASONS.get(status, 'Unknown')}", headers + [("content-length", str(len(body)))])
        return [body]

    return app


def _wsgi_answer(handler: DeductCheckHandler, environ: MutableMapping[str, Any], limit: int) -> _Answer:
    return _answer_from_environ(handler, environ, environ["wsgi.input"].read, limit)


def _answer_from_environ(
    handler: DeductCheckHandler, environ: Mapping[str, Any], read: Callable[[int], bytes], limit: int
) -> _Answer:
    """The answer to a request described by a WSGI environ (or Django's ``META``)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return _refusal(405)
    declared = _declared_length(environ.get("CONTENT_LENGTH"))
    if declared == -1:
        return _refusal(400)
    if declared is not None and declared > limit:
        return _refusal(413)
    # Without a length, read one byte past the limit to tell a body that is too large.
    body = read(declared if declared is not None else limit + 1)
    if len(body) > limit:
        return _refusal(413)
    headers: _Headers = [
        (key[5:].replace("_", "-").lower(), str(value)) for key, value in environ.items() if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", str(environ["CONTENT_TYPE"])))
    return handler.handle(headers, body, environ.get("REMOTE_ADDR"))


class _AsgiEndpoint:
    """An ASGI application as an object, not a function: Starlette's ``Route`` serves an
    object as ASGI itself, while it would wrap a function as a request/response endpoint."""

    __slots__ = ("_app",)

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        await self._app(scope, receive, send)


def add_deduct_check_route(
    app: Any,
    handler: DeductCheckHandler,
    *,
    path: str = "/deductCheck",
    max_body_bytes: int = MAX_BODY_BYTES,
) -> None:
    """Adds to a Starlette or FastAPI ``app`` (or an ``APIRouter``/``Router``) a route that
    answers exactly ``POST {path}`` with ``handler``, as :func:`asgi_app` does.

    Unlike ``app.mount(path, ...)``, which answers ``POST /deductCheck`` with a 307 redirect
    the platform does not follow, the route matches the path itself. It is left out of
    FastAPI's OpenAPI schema. Any other method gets 405 from the handler.
    """
    from starlette.routing import Route  # imported here: Starlette is the caller's choice

    router = getattr(app, "router", app)
    endpoint = _AsgiEndpoint(asgi_app(handler, max_body_bytes=max_body_bytes))
    router.routes.append(Route(path, endpoint, include_in_schema=False, name="glorycard_deduct_check"))


def django_view(handler: DeductCheckHandler, *, max_body_bytes: int = MAX_BODY_BYTES) -> Callable[[Any], Any]:
    """A Django view answering the platform's ``POST /deductCheck`` with ``handler``:
    ``path("deductCheck", django_view(handler))`` in ``urlpatterns``.

    It is exempt from Django's CSRF check (the platform signs its calls instead; a CSRF
    token would refuse every one of them) and reads the body through Django's request,
    at most ``max_body_bytes`` of it.
    """

    def view(request: Any) -> Any:
        from django.http import HttpResponse  # type: ignore[import-untyped,unused-ignore]  # Django: the caller's choice, imported here

        status, headers, body = _answer_from_environ(handler, request.META, request.read, max_body_bytes)
        response = HttpResponse(body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    # What django.views.decorators.csrf.csrf_exempt sets, without importing Django here.
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view
