"""`/deductCheck` in the frameworks users serve it from: FastAPI and Starlette (a route for
the exact path, never the 307 of a mount), Django (a CSRF-exempt view). Each answer is
checked to be the handler's signed one."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import types
from typing import Any

import httpx

import glorycard
from glorycard.institution import add_deduct_check_route, asgi_app, django_view
from test_client import KEY, ORG, SID
from test_institution import REQUEST, answer_of, record


def handler() -> glorycard.DeductCheckHandler:
    return glorycard.DeductCheckHandler({SID: KEY}, ORG, lambda start, end: [record("PY-FRAMEWORK-1")])


def signed() -> dict[str, str]:
    return {**glorycard.Signer(SID, KEY).sign(REQUEST), "content-type": "application/json"}


def assert_answered_by_the_handler(response: Any) -> None:
    ok = answer_of(response.status_code, list(response.headers.items()), response.content)
    assert ok["responseFlag"] == "1"
    assert [r["deductionID"] for r in ok["data"]] == ["PY-FRAMEWORK-1"]  # type: ignore[index, union-attr]


class InProcess:
    """Calls an ASGI app in process through httpx's ASGI transport, one request at a time
    (Starlette's own TestClient warns about httpx in recent Starlette)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __enter__(self) -> "InProcess":
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://his.test") as client:
                return await client.request(method, url, **options)

        return asyncio.run(call())

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)


def test_fastapi_answers_exactly_post_deduct_check_without_a_redirect() -> None:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "1"}

    add_deduct_check_route(app, handler())
    with InProcess(app) as client:
        assert_answered_by_the_handler(client.post("/deductCheck", content=REQUEST, headers=signed()))
        assert client.get("/deductCheck").status_code == 405
        assert client.get("/ping").json() == {"pong": "1"}
        assert "/deductCheck" not in client.get("/openapi.json").json()["paths"]


def test_a_mount_is_what_answers_307_which_the_platform_does_not_follow() -> None:
    from fastapi import FastAPI

    app = FastAPI()
    app.mount("/deductCheck", asgi_app(handler()))
    with InProcess(app) as client:
        assert client.post("/deductCheck", content=REQUEST, headers=signed()).status_code == 307


def test_starlette_and_a_custom_path_under_a_router() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Router

    app = Starlette()
    add_deduct_check_route(app, handler())
    router = Router()
    add_deduct_check_route(router, handler(), path="/his/deductCheck", max_body_bytes=16)
    with InProcess(app) as client:
        assert_answered_by_the_handler(client.post("/deductCheck", content=REQUEST, headers=signed()))
    with InProcess(router) as client:
        assert client.post("/his/deductCheck", content=REQUEST, headers=signed()).status_code == 413


def configure_django(view: Any) -> None:
    import django
    from django.conf import settings
    from django.urls import path

    urls = types.ModuleType("glorycard_test_urls")
    urls.urlpatterns = [path("deductCheck", view)]  # type: ignore[attr-defined]
    sys.modules[urls.__name__] = urls
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=urls.__name__,
            SECRET_KEY="glorycard-tests-only",
            MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
        )
        django.setup()


def test_django_view_is_csrf_exempt_and_answers_with_the_handler() -> None:
    from django.test import Client as DjangoClient

    configure_django(django_view(handler()))
    client = DjangoClient(enforce_csrf_checks=True)
    headers = {f"HTTP_{name.upper()}": value for name, value in glorycard.Signer(SID, KEY).sign(REQUEST).items()}
    response = client.post("/deductCheck", data=REQUEST, content_type="application/json", **headers)
    assert_answered_by_the_handler(response)
    assert client.get("/deductCheck").status_code == 405


def test_importing_glorycard_imports_no_framework() -> None:
    code = (
        "import sys, glorycard, glorycard.institution\n"
        "loaded = [m for m in ('starlette', 'fastapi', 'django') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


