"""Model times in China Standard Time (UTC+8) whatever the host's zone: china_time_now(),
china_time(dt), aware datetimes accepted by the models, naive ones refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from typing import Any, Callable, Dict, Tuple
from zoneinfo import ZoneInfo

import pytest

import glorycard

UTC = dt.timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Run in a fresh interpreter whose process zone is TZ: every helper's result, and the UTC+8
# wall clock computed independently (time.time() + 8 h, formatted with gmtime, which never
# reads the zone) just before and just after, so a second ticking over is allowed.
_IN_ZONE = r"""
import datetime, json, time
import glorycard

def china_wall_clock():
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))

before = china_wall_clock()
results = {
    "china_time_now": glorycard.china_time_now(),
    # The host's local time, aware (astimezone() reads the process zone).
    "local_aware": glorycard.china_time(datetime.datetime.now().astimezone()),
    "utc_aware": glorycard.china_time(datetime.datetime.now(datetime.timezone.utc)),
    # The mistake itself, said right: a naive local wall clock with its zone named.
    "naive_with_zone": glorycard.china_time(datetime.datetime.now(), zone=ZONE),
    "deduction": glorycard.Deduction(
        org_code="106607", cert_type="0", cert_no="440524188001010014", cert_name="x",
        deduction_id="HIS-1", total_fee="1.00", deduction_fee="1.00",
        deduction_time=datetime.datetime.now().astimezone(), deduction_type="0",
    ).deduction_time,
    "cancellation": glorycard.Cancellation(
        org_code="106607", deduction_id="HIS-1",
        cancel_time=datetime.datetime.now(datetime.timezone.utc),
    ).cancel_time,
}
after = china_wall_clock()
print(json.dumps({
    "before": before, "after": after, "results": results,
    "zone_offset_seconds": -time.timezone, "local_utcoffset": str(datetime.datetime.now().astimezone().utcoffset()),
}))
"""


def _run_in_zone(zone: str) -> Dict[str, Any]:
    env = dict(os.environ, TZ=zone)
    out = subprocess.run(
        [sys.executable, "-c", f"ZONE = {zone!r}\n" + _IN_ZONE],
        env=env, check=True, capture_output=True, text=True, timeout=60,
    ).stdout
    result: Dict[str, Any] = json.loads(out)
    return result


@pytest.mark.parametrize(
    "zone, standard_offset",
    [("UTC", 0), ("America/New_York", -5 * 3600)],
)
def test_every_helper_is_the_china_wall_clock_whatever_the_process_zone(
    zone: str, standard_offset: int
) -> None:
    got = _run_in_zone(zone)
    # The child really ran in that zone (a host without tzdata would silently be UTC).
    assert got["zone_offset_seconds"] == standard_offset, (
        f"TZ={zone} did not take effect in the child (is tzdata installed?): {got}"
    )
    if zone == "America/New_York":
        assert got["local_utcoffset"] in ("-1 day, 19:00:00", "-1 day, 20:00:00"), got
    allowed = {got["before"], got["after"]}
    for helper, value in got["results"].items():
        assert value in allowed, f"{helper} in TZ={zone}: {value!r}, China wall clock {allowed}"


def test_china_time_of_fixed_instants() -> None:
    # The spec example's time, 2021-04-07 15:52:06 in China, is 07:52:06 UTC and 03:52:06
    # in New York (EDT, UTC-4, in April).
    spec = "2021-04-07 15:52:06"
    assert glorycard.china_time(dt.datetime(2021, 4, 7, 7, 52, 6, tzinfo=UTC)) == spec
    assert glorycard.china_time(dt.datetime(2021, 4, 7, 3, 52, 6, tzinfo=NEW_YORK)) == spec
    assert glorycard.china_time(dt.datetime(2021, 4, 7, 15, 52, 6, tzinfo=SHANGHAI)) == spec
    fixed = dt.timezone(dt.timedelta(hours=-5, minutes=-30))
    assert glorycard.china_time(dt.datetime(2021, 4, 7, 2, 22, 6, tzinfo=fixed)) == spec
    # In January New York is EST (UTC-5): midnight there is 13:00 in China.
    winter = dt.datetime(2021, 1, 1, tzinfo=NEW_YORK)
    assert glorycard.china_time(winter) == "2021-01-01 13:00:00"
    # Fractions of a second are floored, before the epoch too.
    assert glorycard.china_time(dt.datetime(2021, 4, 7, 7, 52, 6, 999999, tzinfo=UTC)) == spec
    before_epoch = dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    assert glorycard.china_time(before_epoch) == "1970-01-01 07:59:59"


def test_naive_with_its_zone_said() -> None:
    naive = dt.datetime(2021, 4, 7, 3, 52, 6)
    assert glorycard.china_time(naive, zone="America/New_York") == "2021-04-07 15:52:06"
    assert glorycard.china_time(naive, zone=NEW_YORK) == "2021-04-07 15:52:06"
    assert glorycard.china_time(naive, zone=UTC) == "2021-04-07 11:52:06"
    # A wall clock already in China time, said so, is kept as it is.
    assert glorycard.china_time(naive, zone="Asia/Shanghai") == "2021-04-07 03:52:06"

    class Localizing(dt.tzinfo):
        """A pytz-style zone: `localize` is its rule, `replace(tzinfo=)` would be wrong."""

        def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
            return dt.timedelta(hours=3)

        def localize(self, when: dt.datetime) -> dt.datetime:
            return when.replace(tzinfo=dt.timezone(dt.timedelta(hours=-4)))

    assert glorycard.china_time(naive, zone=Localizing()) == "2021-04-07 15:52:06"


def _assert_refused(error: pytest.ExceptionInfo[glorycard.ValidationError], field: str) -> None:
    assert error.value.code == "invalid_field"
    assert error.value.field == field
    message = str(error.value)
    assert "a time without a zone is refused" in message
    # The core's sentence in Chinese, the helpers (code) as they are.
    assert error.value.message_zh.startswith(f"字段 {field} 无效：不接受没有时区的时间")
    assert "glorycard.china_time_now()" in error.value.message_zh
    assert "glorycard.china_time_now()" in message
    assert "glorycard.china_time(dt)" in message
    assert 'glorycard.china_time(dt, zone="Asia/Shanghai")' in message
    assert "dt.replace(tzinfo=zoneinfo.ZoneInfo(" in message


def test_china_time_refuses_a_naive_datetime_without_a_zone() -> None:
    with pytest.raises(glorycard.ValidationError) as error:
        glorycard.china_time(dt.datetime.now())
    _assert_refused(error, "dt")


def test_china_time_refuses_what_it_cannot_read() -> None:
    aware = dt.datetime(2021, 4, 7, tzinfo=UTC)
    with pytest.raises(glorycard.ValidationError) as error:
        glorycard.china_time(aware, zone="Asia/Shanghai")
    assert (error.value.code, error.value.field) == ("invalid_field", "zone")
    with pytest.raises(glorycard.ValidationError) as error:
        glorycard.china_time(dt.datetime(2021, 4, 7), zone="Asia/Beijing")
    assert (error.value.code, error.value.field) == ("invalid_field", "zone")
    assert '"Asia/Beijing"' in str(error.value)
    assert "没有这个名称的时区" in error.value.message_zh

    class NoOffset(dt.tzinfo):
        """A tzinfo that knows no offset: the time stays naive once it is attached."""

        def utcoffset(self, when: dt.datetime | None) -> None:
            return None

    with pytest.raises(glorycard.ValidationError) as error:
        glorycard.china_time(dt.datetime(2021, 4, 7), zone=NoOffset())
    assert (error.value.code, error.value.field) == ("invalid_field", "zone")
    with pytest.raises(TypeError, match="zone must be"):
        glorycard.china_time(dt.datetime(2021, 4, 7), zone=8)  # type: ignore[arg-type]
    for not_a_datetime in ("2021-04-07 15:52:06", dt.date(2021, 4, 7), 1617781926):
        with pytest.raises(TypeError, match="dt must be a datetime.datetime"):
            glorycard.china_time(not_a_datetime)  # type: ignore[arg-type]
    # 20:00 UTC on 9999-12-31 is already year 10000 in China.
    with pytest.raises(glorycard.ValidationError) as error:
        glorycard.china_time(dt.datetime(9999, 12, 31, 20, tzinfo=UTC))
    assert (error.value.code, error.value.field) == ("invalid_field", "dt")


def _deduction(deduction_time: Any) -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code="106607", cert_type="0", cert_no="440524188001010014", cert_name="张三",
        deduction_id="HIS-1", total_fee="100.00", deduction_fee="99.99",
        deduction_time=deduction_time, deduction_type="2",
    )


def _check_record(cancel_time: Any) -> glorycard.DeductCheckRecord:
    return glorycard.DeductCheckRecord(
        deduction=_deduction("2021-04-07 15:52:06"), status="0", cancel_time=cancel_time
    )


# Every constructor argument that is a model time: (field named in errors, wire name,
# the model built with that argument).
CONSTRUCTORS: Dict[str, Tuple[str, str, Callable[[Any], Any]]] = {
    "Deduction.deduction_time": ("deductionTime", "deductionTime", _deduction),
    # A cancellation's time is named cancelTime; its wire name is the document's.
    "Cancellation.cancel_time": ("cancelTime", "deductionTime", lambda t: glorycard.Cancellation(
        org_code="106607", deduction_id="HIS-1", cancel_time=t
    )),
    "DeductCheckRequest.deduct_time_start": ("deductTimeStart", "deductTimeStart", lambda t: glorycard.DeductCheckRequest(
        org_code="106607", deduct_time_start=t, deduction_time_end="2021-04-07 23:59:59"
    )),
    "DeductCheckRequest.deduction_time_end": ("deductionTimeEnd", "deductionTimeEnd", lambda t: glorycard.DeductCheckRequest(
        org_code="106607", deduct_time_start="2021-04-07 00:00:00", deduction_time_end=t
    )),
    "DeductCheckRecord.cancel_time": ("cancelTime", "cancelTime", _check_record),
}


@pytest.mark.parametrize("name", list(CONSTRUCTORS))
def test_models_take_an_aware_datetime_and_refuse_a_naive_one(name: str) -> None:
    field, wire, build = CONSTRUCTORS[name]
    model = build(dt.datetime(2021, 4, 7, 3, 52, 6, tzinfo=NEW_YORK))
    assert json.loads(model.to_json())[wire] == "2021-04-07 15:52:06"
    model.validate()
    # A str is kept exactly as given, as before.
    assert build("2021-04-07 15:52:06") == model
    with pytest.raises(glorycard.ValidationError) as error:
        build(dt.datetime(2021, 4, 7, 15, 52, 6))
    _assert_refused(error, field)
    with pytest.raises(TypeError, match=f"{field} must be a str"):
        build(1617781926)


def test_model_setters_take_an_aware_datetime_and_refuse_a_naive_one() -> None:
    aware = dt.datetime(2021, 4, 7, 7, 52, 6, tzinfo=UTC)
    naive = dt.datetime(2021, 4, 7, 15, 52, 6)
    deduction = _deduction("2000-01-01 00:00:00")
    cancellation = glorycard.Cancellation(
        org_code="106607", deduction_id="HIS-1", cancel_time="2000-01-01 00:00:00"
    )
    request = glorycard.DeductCheckRequest(
        org_code="106607", deduct_time_start="2000-01-01 00:00:00",
        deduction_time_end="2000-01-01 00:00:00",
    )
    record = _check_record(None)
    setters: Dict[str, Any] = {
        "deductionTime": (deduction, "deduction_time"),
        "cancelTime": (cancellation, "cancel_time"),
        "deductTimeStart": (request, "deduct_time_start"),
        "deductionTimeEnd": (request, "deduction_time_end"),
    }
    for field, (model, attribute) in setters.items():
        setattr(model, attribute, aware)
        assert getattr(model, attribute) == "2021-04-07 15:52:06"
        with pytest.raises(glorycard.ValidationError) as error:
            setattr(model, attribute, naive)
        _assert_refused(error, field)
        assert getattr(model, attribute) == "2021-04-07 15:52:06"
    record.cancel_time = aware
    assert record.cancel_time == "2021-04-07 15:52:06"
    with pytest.raises(glorycard.ValidationError) as error:
        record.cancel_time = naive
    _assert_refused(error, "cancelTime")
    record.cancel_time = None
    assert record.cancel_time is None


def test_outbox_window_takes_aware_datetimes_and_refuses_naive_ones(tmp_path: Any) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    start = dt.datetime(2021, 4, 7, tzinfo=SHANGHAI)
    end = dt.datetime(2021, 4, 8, tzinfo=SHANGHAI)
    assert outbox.deductions_between("106607", start, end) == []
    with pytest.raises(glorycard.ValidationError) as error:
        outbox.deductions_between("106607", dt.datetime(2021, 4, 7), end)
    _assert_refused(error, "start")
