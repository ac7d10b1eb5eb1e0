"""Type stubs of the native module ``glorycard._native`` (re-exported by ``glorycard``)."""

import datetime
import decimal
import os
from typing import (
    Any,
    Awaitable,
    Callable,
    ClassVar,
    Coroutine,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Type,
    Union,
    final,
)

from typing_extensions import Self, deprecated, disjoint_base

_Body = Union[str, bytes, bytearray, Mapping[str, object], Sequence[object]]
_Key = Union[str, "SecretKey"]
# A model time: `yyyy-MM-dd HH:mm:ss` in China time as text, or an aware datetime (a
# naive one is refused at run time: the type cannot say so).
_ModelTime = Union[str, datetime.datetime]

class _HeaderItems(Protocol):
    """Anything whose ``items()`` gives (name, value) pairs: ``http.server``'s
    ``self.headers`` (an ``email.message.Message``, one pair per occurrence)."""

    def items(self) -> Iterable[Tuple[str, str]]: ...

# A mapping (dict, requests' headers), an object with items(), or (name, value) pairs.
_Headers = Union[
    Mapping[str, str], _HeaderItems, Iterable[Union[Tuple[str, str], List[str]]]
]

__version__: str
__all__ = [
    "AckResponse",
    "AsyncClient",
    "Cancellation",
    "Client",
    "ConfigError",
    "DeductCheckHandler",
    "DeductCheckRecord",
    "DeductCheckRequest",
    "Deduction",
    "DrainReport",
    "ERROR_CODES",
    "Enqueued",
    "Explanation",
    "GlorycardError",
    "HolderMatch",
    "InvalidBody",
    "InvalidKey",
    "InvalidTimestamp",
    "MatchKind",
    "Outbox",
    "OutboxStatus",
    "PlatformRejected",
    "RejectedItem",
    "Replica",
    "RosterPageRequest",
    "RosterPages",
    "RosterRecord",
    "SecretKey",
    "SignatureError",
    "Signer",
    "StorageError",
    "SyncProgress",
    "TransportError",
    "UntrustedResponse",
    "ValidationError",
    "Verified",
    "Verifier",
    "__version__",
    "canonicalize",
    "china_time",
    "china_time_now",
    "diagnose",
    "error_class",
    "explain",
    "sign",
    "timestamp_now",
    "verify",
]
ERROR_CODES: Tuple[str, ...]

class GlorycardError(ValueError):
    code: str
    message_zh: str
    """The message in Chinese (简体中文); ``str()`` is the English one, ``code`` the same."""
    offset: Optional[int]
    field: Optional[str]
    retryable: bool
    http_status: Optional[int]
    platform_message: Optional[str]

class InvalidBody(GlorycardError): ...
class InvalidTimestamp(GlorycardError): ...
class SignatureError(GlorycardError): ...
class ValidationError(GlorycardError): ...
class InvalidKey(GlorycardError): ...
class TransportError(GlorycardError): ...
class PlatformRejected(GlorycardError): ...
class UntrustedResponse(GlorycardError): ...
class ConfigError(GlorycardError): ...
class StorageError(GlorycardError): ...

def canonicalize(body: _Body) -> str: ...
def sign(body: _Body, key: _Key, timestamp: str) -> str: ...
def verify(body: _Body, key: _Key, timestamp: str, sign: str) -> bool: ...
def explain(body: _Body, key: _Key, timestamp: str) -> Explanation: ...
def diagnose(body: _Body, key: _Key, timestamp: str, received: str, *, lang: str = "en") -> Optional[str]: ...
def timestamp_now() -> str: ...
def china_time_now() -> str: ...
def china_time(
    dt: datetime.datetime, zone: Union[str, datetime.tzinfo, None] = None
) -> str: ...
def error_class(code: str) -> Type[GlorycardError]: ...

@final
class SecretKey:
    def __new__(cls, key: str) -> SecretKey: ...
    def is_empty(self) -> bool: ...

@final
class Explanation:
    @property
    def string_a(self) -> str: ...
    @property
    def string_sign_temp_masked(self) -> str: ...
    @property
    @deprecated("use string_sign_temp_masked")
    def string_sign_temp(self) -> str: ...
    @property
    def md5_upper(self) -> str: ...
    @property
    @deprecated("use md5_upper")
    def md5(self) -> str: ...
    @property
    def timestamp(self) -> str: ...
    @property
    def sign(self) -> str: ...

@final
class Signer:
    def __new__(cls, sid: str, key: _Key) -> Signer: ...
    @property
    def sid(self) -> str: ...
    def sign(self, body: _Body, timestamp: Optional[str] = None) -> dict[str, str]: ...
    @deprecated("use sign")
    def headers(self, body: _Body, timestamp: Optional[str] = None) -> dict[str, str]: ...

@final
class Verified:
    @property
    def sid(self) -> str: ...
    @property
    def timestamp(self) -> str: ...
    @property
    def key_index(self) -> int: ...
    def __bool__(self) -> bool: ...

@final
class Verifier:
    def __new__(
        cls,
        keys: Mapping[str, Union[_Key, Sequence[_Key]]],
        max_skew_seconds: Optional[int] = None,
        replay: bool = True,
        replay_capacity: int = ...,
        now: Optional[str] = None,
        skew: Optional[int] = None,
    ) -> Verifier: ...
    def verify_headers(self, headers: _Headers, body: _Body) -> Verified: ...
    @deprecated("use verify_headers")
    def verify(self, headers: _Headers, body: _Body) -> Verified: ...
    def verify_parts(self, sid: str, timestamp: str, sign: str, body: _Body) -> Verified: ...
    @property
    def max_skew_seconds(self) -> int: ...
    @property
    @deprecated("use max_skew_seconds")
    def skew(self) -> int: ...

@final
class RosterPageRequest:
    data_id: int
    org_code: str
    def __new__(cls, *, data_id: int, org_code: str) -> RosterPageRequest: ...
    def validate(self) -> None: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> RosterPageRequest: ...

@final
class RosterRecord:
    cert_type: str
    cert_no: str
    cert_name: str
    glory_type: str
    glory_id: int
    data_id: int
    def __new__(
        cls,
        *,
        cert_type: str,
        cert_no: str,
        cert_name: str,
        glory_type: str,
        glory_id: int,
        data_id: int,
    ) -> RosterRecord: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> RosterRecord: ...

@final
class Deduction:
    org_code: str
    cert_type: str
    cert_no: str
    cert_name: str
    deduction_id: str
    @property
    def total_fee(self) -> str: ...
    @total_fee.setter
    def total_fee(self, value: Union[str, decimal.Decimal]) -> None: ...
    @property
    def deduction_fee(self) -> str: ...
    @deduction_fee.setter
    def deduction_fee(self, value: Union[str, decimal.Decimal]) -> None: ...
    @property
    def deduction_time(self) -> str: ...
    @deduction_time.setter
    def deduction_time(self, value: _ModelTime) -> None: ...
    glory_type: str
    deduction_type: str
    remarks: Optional[str]
    def __new__(
        cls,
        *,
        org_code: str,
        cert_type: str,
        cert_no: str,
        cert_name: str,
        deduction_id: str,
        total_fee: Union[str, decimal.Decimal],
        deduction_fee: Union[str, decimal.Decimal],
        deduction_time: _ModelTime,
        deduction_type: str,
        glory_type: str = ...,
        remarks: Optional[str] = None,
    ) -> Deduction: ...
    def validate(self) -> None: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> Deduction: ...

@final
class Cancellation:
    org_code: str
    deduction_id: str
    @property
    def cancel_time(self) -> str: ...
    @cancel_time.setter
    def cancel_time(self, value: _ModelTime) -> None: ...
    def __new__(
        cls, *, org_code: str, deduction_id: str, cancel_time: _ModelTime
    ) -> Cancellation: ...
    def validate(self) -> None: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> Cancellation: ...

@final
class DeductCheckRequest:
    org_code: str
    @property
    def deduct_time_start(self) -> str: ...
    @deduct_time_start.setter
    def deduct_time_start(self, value: _ModelTime) -> None: ...
    @property
    def deduction_time_end(self) -> str: ...
    @deduction_time_end.setter
    def deduction_time_end(self, value: _ModelTime) -> None: ...
    def __new__(
        cls, *, org_code: str, deduct_time_start: _ModelTime, deduction_time_end: _ModelTime
    ) -> DeductCheckRequest: ...
    def validate(self) -> None: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> DeductCheckRequest: ...

@final
class DeductCheckRecord:
    deduction: Deduction
    status: str
    @property
    def cancel_time(self) -> Optional[str]: ...
    @cancel_time.setter
    def cancel_time(self, value: Optional[_ModelTime]) -> None: ...
    def __new__(
        cls, *, deduction: Deduction, status: str, cancel_time: Optional[_ModelTime] = None
    ) -> DeductCheckRecord: ...
    def validate(self) -> None: ...
    def to_json(self) -> bytes: ...
    @staticmethod
    def from_json(data: Union[str, bytes]) -> DeductCheckRecord: ...

@final
class AckResponse:
    @property
    def response_flag(self) -> str: ...
    @property
    def response_message(self) -> str: ...
    @property
    def data(self) -> Optional[str]: ...

@final
class RosterPages:
    def __iter__(self) -> RosterPages: ...
    def __next__(self) -> List[RosterRecord]: ...
    @property
    def checkpoint(self) -> Optional[int]: ...

@final
class Client:
    def __new__(
        cls,
        base_url: str,
        *,
        sid: str,
        key: _Key,
        org_code: str,
        ca_cert: Union[bytes, str, os.PathLike[str], None] = None,
        allow_http: bool = False,
        accept_unsigned_responses: bool = False,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        retry: Optional[int] = None,
        max_skew_seconds: Optional[int] = None,
    ) -> Client: ...
    def roster_page(self, after_data_id: int) -> List[RosterRecord]: ...
    def roster_updates(self, after_data_id: int = 0) -> RosterPages: ...
    def deduct(self, deduction: Deduction, *, record_in: Optional[Outbox] = None) -> AckResponse: ...
    def cancel(self, cancellation: Cancellation, *, record_in: Optional[Outbox] = None) -> AckResponse: ...
    @property
    def org_code(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *_exc: object) -> bool: ...

@final
class Enqueued:
    @property
    def seq(self) -> int: ...
    @property
    def newly_added(self) -> bool: ...

@final
class OutboxStatus:
    @property
    def pending(self) -> int: ...
    @property
    def acknowledged(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def oldest_pending(self) -> Optional[str]: ...

@final
class RejectedItem:
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def deduction_id(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def rejected_at(self) -> str: ...

@final
class DrainReport:
    @property
    def acknowledged(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def failed_calls(self) -> int: ...
    @property
    def pending(self) -> int: ...
    @property
    def gave_up(self) -> bool: ...
    @property
    def last_failure(self) -> Optional[str]: ...

# Subclassed by glorycard's asyncio face (_stores.py).
@disjoint_base
class Outbox:
    def __new__(cls, path: Union[str, os.PathLike[str]]) -> Outbox: ...
    def enqueue(self, item: Union[Deduction, Cancellation]) -> Enqueued: ...
    def enqueue_all(self, items: Iterable[Union[Deduction, Cancellation]]) -> List[Enqueued]: ...
    def record_delivered(self, item: Union[Deduction, Cancellation], ack: AckResponse) -> Enqueued: ...
    def record_refused(self, item: Union[Deduction, Cancellation], message: str) -> Enqueued: ...
    def drain(self, client: Client, *, concurrency: int = 8, patience: float = 120.0) -> DrainReport: ...
    def drain_async(
        self, client: AsyncClient, *, concurrency: int = 8, patience: float = 120.0
    ) -> Coroutine[Any, Any, DrainReport]: ...
    def stop_draining(self) -> None: ...
    def status(self) -> OutboxStatus: ...
    def rejected(self) -> List[RejectedItem]: ...
    def requeue(self, seq: int) -> bool: ...
    def deductions_between(
        self, org_code: str, start: _ModelTime, end: _ModelTime
    ) -> List[DeductCheckRecord]: ...

@final
class SyncProgress:
    @property
    def pages(self) -> int: ...
    @property
    def records(self) -> int: ...
    @property
    def checkpoint(self) -> int: ...
    @property
    def elapsed(self) -> datetime.timedelta: ...

@final
class MatchKind:
    EXACT: ClassVar[MatchKind]
    PARTIAL: ClassVar[MatchKind]

@final
class HolderMatch:
    @property
    def record(self) -> RosterRecord: ...
    @property
    def kind(self) -> MatchKind: ...

# Subclassed by glorycard's asyncio face (_stores.py).
@disjoint_base
class Replica:
    def __new__(cls, path: Union[str, os.PathLike[str]]) -> Replica: ...
    def sync(self, client: Client, progress: Optional[Callable[[SyncProgress], object]] = None) -> SyncProgress: ...
    def sync_async(
        self, client: AsyncClient, progress: Optional[Callable[[SyncProgress], object]] = None
    ) -> Coroutine[Any, Any, SyncProgress]: ...
    def lookup(self, cert_type: str, cert_no: str, cert_name: Optional[str] = None) -> List[HolderMatch]: ...
    def checkpoint(self) -> int: ...
    def __len__(self) -> int: ...

@final
class DeductCheckHandler:
    def __new__(
        cls,
        keys: Mapping[str, Union[_Key, List[_Key]]],
        org_code: str,
        source: Union[Callable[[str, str], Iterable[DeductCheckRecord]], Outbox],
        replay: Union[bool, int, None] = None,
    ) -> DeductCheckHandler: ...
    def handle(
        self, headers: _Headers, body: bytes, peer: Optional[str] = None
    ) -> Tuple[int, List[Tuple[str, str]], bytes]: ...

# Subclassed by glorycard's asyncio face (_stores.py).
@disjoint_base
class AsyncClient:
    def __new__(
        cls,
        base_url: str,
        *,
        sid: str,
        key: _Key,
        org_code: str,
        ca_cert: Union[bytes, str, os.PathLike[str], None] = None,
        allow_http: bool = False,
        accept_unsigned_responses: bool = False,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        retry: Optional[int] = None,
        max_skew_seconds: Optional[int] = None,
    ) -> AsyncClient: ...
    def roster_page(self, after_data_id: int) -> Coroutine[Any, Any, List[RosterRecord]]: ...
    def deduct(self, deduction: Deduction) -> Coroutine[Any, Any, AckResponse]: ...
    def cancel(self, cancellation: Cancellation) -> Coroutine[Any, Any, AckResponse]: ...
    @property
    def org_code(self) -> str: ...
    def close(self) -> None: ...
    # The subclass glorycard.AsyncClient enters as itself.
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(self, *_exc: object) -> Awaitable[bool]: ...
