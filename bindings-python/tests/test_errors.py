"""Every stable code of the core reaches Python with its family's exception class."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import glorycard
from conftest import CODE_CLASS, SPEC_KEY, SPEC_TS

KEY, TS = SPEC_KEY, SPEC_TS
BODY = b'{"dataID":0,"orgCode":"106607"}'


def _verifier(**options: Any) -> glorycard.Verifier:
    return glorycard.Verifier(keys={"sid-1": KEY}, now=TS, **options)


def _signed_headers() -> dict[str, str]:
    return glorycard.Signer("sid-1", KEY).sign(BODY, TS)


def _replay() -> None:
    verifier = _verifier(replay=True)
    verifier.verify_headers(_signed_headers(), BODY)
    verifier.verify_headers(_signed_headers(), BODY)


def _fill_replay_cache() -> None:
    verifier = _verifier(replay=True, replay_capacity=1)
    verifier.verify_headers(_signed_headers(), BODY)
    verifier.verify_headers(glorycard.Signer("sid-1", KEY).sign(BODY, "20210407155207"), BODY)


def _deduction(**changes: Any) -> glorycard.Deduction:
    fields = dict(
        org_code="106607", cert_type="0", cert_no="11010519491231002X", cert_name="张三",
        deduction_id="D-1", total_fee="10.00", deduction_fee="10.00",
        deduction_time="2024-02-29 23:59:59", deduction_type="0",
    )
    fields.update(changes)
    return glorycard.Deduction(**fields)


TRIGGERS: dict[str, Callable[[], Any]] = {
    "invalid_json": lambda: glorycard.canonicalize(b'{"a":}'),
    "invalid_utf8": lambda: glorycard.canonicalize(b'{"a":"\xff"}'),
    "not_an_object": lambda: glorycard.canonicalize(b"[1]"),
    "duplicate_key": lambda: glorycard.canonicalize(b'{"a":1,"a":2}'),
    "name_collision": lambda: glorycard.canonicalize(b'{"a.b":"1","a":{"b":"2"}}'),
    "too_deep": lambda: glorycard.canonicalize(b'{"a":' * 70 + b"1" + b"}" * 70),
    "number_out_of_range": lambda: glorycard.canonicalize(b'{"a":1e600}'),
    "invalid_value": lambda: glorycard.canonicalize({"a": float("nan")}),
    "invalid_timestamp": lambda: glorycard.sign(BODY, KEY, "2021-04-07"),
    "timestamp_out_of_window": lambda: _verifier().verify_headers(
        glorycard.Signer("sid-1", KEY).sign(BODY, "20210407160000"), BODY
    ),
    "invalid_signature_format": lambda: glorycard.verify(BODY, KEY, TS, "abc"),
    "signature_mismatch": lambda: _verifier().verify_headers(_signed_headers(), BODY.replace(b"0", b"1")),
    "replayed": _replay,
    "replay_cache_full": _fill_replay_cache,
    "stringa_too_long": lambda: glorycard.canonicalize(b'{"' + b"k" * 16_000 + b'":[' + b"0," * 1_999 + b"0]}"),
    "unknown_sid": lambda: _verifier().verify_parts("sid-9", TS, "0" * 64, BODY),
    "missing_header": lambda: _verifier().verify_headers({"sid": "sid-1", "timestamp": TS}, BODY),
    "duplicate_header": lambda: _verifier().verify_headers(
        list(_signed_headers().items()) + [("sign", "0" * 64)], BODY
    ),
    "empty_key": lambda: glorycard.sign(BODY, "", TS),
    "invalid_field": lambda: _deduction(total_fee="10").validate(),
    "serialization": lambda: glorycard.Deduction.from_json('{"orgCode":"1"}'),
}

# The codes no test here can reach: a body over 4 GiB; a shared (PostgreSQL) replay cache
# that fails, which only the Rust tests configure (core/src/verifier.rs, cli/tests/postgres.rs).
UNREACHABLE = {"body_too_large", "replay_cache_unavailable"}


def test_every_core_code_is_covered() -> None:
    assert isinstance(glorycard.ERROR_CODES, tuple)
    assert set(glorycard.ERROR_CODES) == set(TRIGGERS) | UNREACHABLE
    assert set(glorycard.ERROR_CODES) == set(CODE_CLASS)
    with pytest.raises(ValueError):
        glorycard.error_class("no_such_code")


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_code_arrives_with_its_class(code: str) -> None:
    with pytest.raises(CODE_CLASS[code]) as raised:
        TRIGGERS[code]()
    error = raised.value
    assert error.code == code
    assert isinstance(error, glorycard.GlorycardError) and isinstance(error, ValueError)
    assert str(error)
    # Exactly one family class.
    families = [glorycard.InvalidBody, glorycard.InvalidTimestamp, glorycard.SignatureError,
                glorycard.ValidationError, glorycard.InvalidKey]
    assert [isinstance(error, f) for f in families].count(True) == 1
    assert KEY not in str(error) and KEY not in repr(error)
    # The same error in Chinese, from the core: not the English text, no key either.
    assert isinstance(error.message_zh, str)
    assert any("\u4e00" <= c <= "\u9fff" for c in error.message_zh), error.message_zh
    assert error.message_zh != str(error) and KEY not in error.message_zh


def test_offset_and_field() -> None:
    with pytest.raises(glorycard.InvalidBody) as body_error:
        glorycard.canonicalize(b'{"a":1,"a":2}')
    assert body_error.value.offset == 7 and body_error.value.field is None
    with pytest.raises(glorycard.ValidationError) as field_error:
        _deduction(deduction_fee="10.01").validate()
    assert field_error.value.field == "deductionFee" and field_error.value.offset is None


def test_class_attributes_exist() -> None:
    assert glorycard.GlorycardError.code == ""
    assert glorycard.GlorycardError.field is None and glorycard.GlorycardError.offset is None
    for cls in set(CODE_CLASS.values()):
        assert issubclass(cls, glorycard.GlorycardError)
        assert cls.__module__ == "glorycard"
    assert issubclass(glorycard.GlorycardError, ValueError)


def test_type_errors_for_arguments() -> None:
    with pytest.raises(TypeError):
        glorycard.sign(BODY, 12345, TS)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        glorycard.Verifier(keys={"sid": 5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        _verifier().verify_headers(42, BODY)  # type: ignore[arg-type]


def test_verifier_keys_from_any_mapping() -> None:
    import types

    keys = types.MappingProxyType({"sid-1": (glorycard.SecretKey("old"), KEY)})
    verified = glorycard.Verifier(keys=keys, now=TS).verify_headers(_signed_headers(), BODY)
    assert (verified.sid, verified.timestamp, verified.key_index) == ("sid-1", TS, 1)


def test_message_zh_beside_an_unchanged_str_and_code() -> None:
    with pytest.raises(glorycard.InvalidBody) as broken:
        glorycard.sign(b'{"a":1,}', KEY, TS)
    assert broken.value.code == "invalid_json"
    assert str(broken.value) == "invalid JSON at byte 7: expected a string key"
    assert broken.value.message_zh == "JSON 格式错误（第 7 字节）：此处应为字符串形式的键"
    with pytest.raises(glorycard.ValidationError) as field_error:
        _deduction(deduction_fee="10.01").validate()
    assert str(field_error.value) == "invalid field deductionFee: must not exceed totalFee"
    assert field_error.value.message_zh == "字段 deductionFee 无效：不能超过 totalFee"
    assert "11010519491231002X" not in field_error.value.message_zh
    assert "张三" not in field_error.value.message_zh
    assert glorycard.GlorycardError.message_zh == ""


def test_client_and_store_errors_carry_message_zh(tmp_path: Any) -> None:
    with pytest.raises(glorycard.ConfigError) as config:
        glorycard.Client("not a url", sid="s", key="k", org_code="1")
    assert config.value.code == "config"
    assert str(config.value).startswith("invalid configuration: ")
    assert config.value.message_zh.startswith("配置无效：")
    not_a_database = tmp_path / "outbox.db"
    not_a_database.write_bytes(b"not a database")
    not_a_database.chmod(0o600)
    with pytest.raises(glorycard.StorageError) as storage:
        glorycard.Outbox(not_a_database)
    assert storage.value.code == "storage"
    assert str(storage.value).startswith("storage: ")
    assert storage.value.message_zh.startswith("存储错误：")
