"""/openapi.json says what the API really accepts and answers, and OPTIONS tells the truth."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from core import styles
from tests.support import Product
from tests.telegram import MiniApp, Person

METHODS = ("get", "put", "post", "patch", "delete")


def document(product: Product) -> dict[str, Any]:
    response = httpx.get(f"{product.url}/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def component(product: Product, name: str) -> dict[str, Any]:
    found: dict[str, Any] = document(product)["components"]["schemas"][name]
    return found


def operations(product: Product) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document(product)["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_options_lists_every_method_of_the_path(product: Product) -> None:
    response = httpx.options(f"{product.url}/api/v1/confessions/abc")

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, PATCH"


def test_a_method_the_path_does_not_take_is_405_listing_all_it_does(product: Product) -> None:
    response = httpx.put(f"{product.url}/api/v1/confessions/abc/replies")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, OPTIONS, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_options_on_the_webhook_lists_post(product: Product) -> None:
    response = httpx.options(f"{product.url}/telegram/webhook")

    assert response.status_code == 204
    assert response.headers["allow"] == "OPTIONS, POST"


def test_reactions_are_an_enum_of_the_presets(product: Product) -> None:
    reaction = component(product, "ReactionIn")["properties"]["reaction"]

    assert reaction["enum"] == [kind.id for kind in styles.REACTIONS]


def test_style_presets_are_enums(product: Product) -> None:
    style = component(product, "StyleIn")["properties"]

    assert style["theme"]["enum"] == [theme.id for theme in styles.THEMES]
    assert style["font"]["enum"] == [font.id for font in styles.FONTS]
    assert style["animation"]["enum"] == [animation.id for animation in styles.ANIMATIONS]
    assert style["decoration"]["enum"] == [*styles.DECORATIONS, None]


def test_each_background_kind_says_what_its_value_must_be(product: Product) -> None:
    variants = component(product, "Background")["oneOf"]

    values = {v["properties"]["kind"]["const"]: v["properties"]["value"] for v in variants}
    assert values["theme"] == {"type": "null"}
    assert values["gradient"]["enum"] == [gradient.id for gradient in styles.GRADIENTS]
    assert values["color"]["pattern"] == "^#[0-9a-fA-F]{6}$"


@pytest.mark.settings(confession_max_length=300, hint_max_length=40)
def test_text_limits_are_this_deployments_settings(product: Product) -> None:
    edit = component(product, "ContentEdit")["properties"]
    reply = component(product, "ReplyIn")["properties"]

    assert edit["text"]["maxLength"] == 300
    assert edit["hint"]["maxLength"] == 40
    assert reply["text"]["maxLength"] == 300
    assert edit["text"]["pattern"] == reply["text"]["pattern"]


def test_the_text_pattern_is_the_text_rule(product: Product) -> None:
    pattern = re.compile(component(product, "ReplyIn")["properties"]["text"]["pattern"])

    assert pattern.match("I like you 👩\u200d❤\ufe0f\u200d👨")
    assert pattern.match("שלום\u200f!")
    assert not pattern.match("a\u0000b")
    assert not pattern.match("a\u202eb")
    assert not pattern.match("\u200b\u3164 ")


def test_every_operation_with_a_body_documents_its_refusals(product: Product) -> None:
    with_a_body = [(m, p, o) for m, p, o in operations(product) if "requestBody" in o]

    assert len(with_a_body) >= 5
    for method, path, operation in with_a_body:
        assert {"400", "413", "422"} <= set(operation["responses"]), (method, path)


def test_every_api_operation_documents_its_errors_with_the_error_shape(product: Product) -> None:
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for method, path, operation in operations(product):
        if not path.startswith("/api/v1/"):
            continue
        responses = operation["responses"]
        assert {"401", "413", "422", "429", "503"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith("4") or status.startswith("5"):
                assert response["content"]["application/json"]["schema"] == error, (path, status)


def test_a_body_that_is_not_json_says_so(
    mini_app: Callable[[Person], MiniApp], alice: Person
) -> None:
    response = mini_app(alice).client.patch(
        "/confessions/abc", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The body is not valid JSON."


def test_the_list_links_to_what_can_be_done_with_a_confession(product: Product) -> None:
    paths = document(product)["paths"]
    links = paths["/api/v1/confessions"]["get"]["responses"]["200"]["links"]

    targets = {link["operationId"] for link in links.values()}
    expected = {
        operation["operationId"]
        for path, item in paths.items()
        if path.startswith("/api/v1/confessions/{public_id}")
        for operation in item.values()
    }
    assert targets == expected
    assert {link["parameters"]["public_id"] for link in links.values()} == {
        "$response.body#/items/0/id"
    }


def test_the_mini_app_page_takes_get_and_head(product: Product) -> None:
    options = httpx.options(f"{product.url}/app/")
    post = httpx.post(f"{product.url}/app/")

    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD, OPTIONS"
