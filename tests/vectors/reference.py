#!/usr/bin/env python3
"""Independent reference for the conformance vectors.

Written from spec/canonical-form.md (a copy of ../shared/spec/canonical-form.md) with the Python standard library only
(json, decimal, hashlib, hmac, datetime): it shares no code with the Rust core. It
computes the expected STRINGA, MD5 and sign of every case below and writes
signing.json, verification.json, models.json and diagnosis.json; `--check` recomputes them and fails if the
committed files differ (CI runs that).

Three sources of truth meet here, and must agree or the script stops:
  * the platform's worked example (spec/canonical-form.md section 1), whose sign is given;
  * STRINGA written by hand in a case's `string_a` (derivation in its description);
  * this independent computation.
Error cases name their expected code by hand; the reference must reach the same code.
"""

import datetime
import decimal
import hashlib
import hmac
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_DEPTH = 64
MAX_NUMBER_LEN = 512
STRINGA_SLOPE = 16
STRINGA_ALLOWANCE = 65_536
SPEC_KEY = "4fd6b8105f894d0da964b1e80b07b136"
SPEC_TS = "20210407155206"
SPEC_SIGN = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"


class Rejected(Exception):
    """The reference refuses the input with this stable code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Num:
    """A JSON number, kept as its text."""

    def __init__(self, text):
        self.text = text
        self.canonical = canonical_decimal(text)


class Obj:
    """A JSON object as its ordered (key, value) pairs."""

    def __init__(self, pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise Rejected("duplicate_key")
        self.pairs = pairs


def canonical_decimal(text):
    """spec/canonical-form.md section 3: the text's digits and exponent as Python integers
    (unbounded, so 1e999999999999999999999 is measured, not overflowed), then written out."""
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?", text)
    sign = 1 if m.group(1) else 0
    fraction = m.group(3) or ""
    exponent = int(m.group(4) or "0") - len(fraction)
    d = (m.group(2) + fraction).lstrip("0")
    if not d:
        return "0"
    while d.endswith("0"):
        d = d[:-1]
        exponent += 1
    point = len(d) + exponent
    if exponent >= 0:
        length = point
    elif point > 0:
        length = len(d) + 1
    else:
        length = 2 - point + len(d)
    if length + sign > MAX_NUMBER_LEN:
        raise Rejected("number_out_of_range")
    if exponent >= 0:
        plain = d + "0" * exponent
    elif point > 0:
        plain = d[:point] + "." + d[point:]
    else:
        plain = "0." + "0" * (-point) + d
    result = ("-" if sign else "") + plain
    # Cross-check against decimal's own plain formatting at unlimited precision.
    if abs(exponent) < 5000:
        ctx = decimal.Context(prec=10_000, Emax=10**9, Emin=-(10**9))
        assert format(decimal.Decimal(text).normalize(ctx), "f") == result, (text, result)
    return result


def reject_constant(name):
    raise Rejected("invalid_json")


def parse(body):
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("invalid_utf8")
    try:
        doc = json.loads(
            text,
            object_pairs_hook=Obj,
            parse_float=Num,
            parse_int=Num,
            parse_constant=reject_constant,
        )
    except json.JSONDecodeError:
        raise Rejected("invalid_json")
    check_strings_and_depth(doc, 1)
    if not isinstance(doc, Obj):
        raise Rejected("not_an_object")
    return doc


def check_strings_and_depth(value, depth):
    """Lone surrogates (json decodes \\ud800 happily) and nesting beyond 64."""
    if isinstance(value, (Obj, list)) and depth > MAX_DEPTH:
        raise Rejected("too_deep")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected("invalid_utf8")
    elif isinstance(value, Obj):
        for k, v in value.pairs:
            check_strings_and_depth(k, depth)
            check_strings_and_depth(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            check_strings_and_depth(v, depth + 1)


def leaves(value, name, out):
    if isinstance(value, Obj):
        for k, v in value.pairs:
            leaves(v, name + "." + k, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            leaves(v, "%s[%d]" % (name, i), out)
    else:
        out.append((name, value))


def string_a(body):
    doc = parse(body)
    out = []
    for k, v in doc.pairs:
        if k == "sign":
            continue
        leaves(v, k, out)
    # Rule 2.4: STRINGA's length, decided before it is produced (and before collisions).
    produced = [(n, v) for n, v in out if v is not None and v != ""]
    length = sum(len(n.encode("utf-8")) + 1 + len(text_of(v).encode("utf-8")) for n, v in produced)
    length += max(len(produced) - 1, 0)
    if length > STRINGA_SLOPE * len(body) + STRINGA_ALLOWANCE:
        raise Rejected("stringa_too_long")
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise Rejected("name_collision")
    pairs = []
    for name, value in out:
        if value is None or value == "":
            continue
        pairs.append((name.encode("utf-8"), name + "=" + text_of(value)))
    pairs.sort(key=lambda p: p[0])
    return "&".join(p for _, p in pairs)


def text_of(value):
    """A scalar's text in STRINGA."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Num):
        return value.canonical
    return value


def check_timestamp(ts):
    if not re.fullmatch(r"[0-9]{14}", ts, re.ASCII):
        raise Rejected("invalid_timestamp")
    try:
        return datetime.datetime(
            int(ts[0:4]), int(ts[4:6]), int(ts[6:8]), int(ts[8:10]), int(ts[10:12]), int(ts[12:14]),
            tzinfo=datetime.timezone(datetime.timedelta(hours=8)),
        )
    except ValueError:
        raise Rejected("invalid_timestamp")


def sign(body, key, ts):
    if key == "":
        raise Rejected("empty_key")
    check_timestamp(ts)
    sa = string_a(body)
    md5 = hashlib.md5((sa + "&key=" + key + "&timestamp=" + ts).encode("utf-8")).hexdigest().upper()
    signature = hmac.new(key.encode("utf-8"), md5.encode("ascii"), hashlib.sha256).hexdigest()
    return sa, md5, signature


def verify_headers(body, v):
    """Headers by name, compared case-insensitively (spec/canonical-form.md section 5)."""
    found = {}
    for name, value in v["headers"].items():
        if name.lower() in found and name.lower() in ("sid", "timestamp", "sign"):
            # Two values leave it open which one was signed: refused, never one picked.
            raise Rejected("duplicate_header")
        found[name.lower()] = value
    for name in ("sid", "timestamp", "sign"):
        if name not in found:
            raise Rejected("missing_header")
    return verify(body, found["timestamp"], dict(v, sid=found["sid"], sign=found["sign"]))


def verify(body, ts, v):
    """The verifier of spec/canonical-form.md section 5, checked in the core's documented order."""
    keys = v["keys"].get(v["sid"])
    if keys is None:
        raise Rejected("unknown_sid")
    when = check_timestamp(ts)
    now = check_timestamp(v["now"])
    if abs((when - now).total_seconds()) > v["maxSkewSeconds"]:
        raise Rejected("timestamp_out_of_window")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", v["sign"], re.ASCII):
        raise Rejected("invalid_signature_format")
    received = v["sign"].lower()
    matched = [i for i, k in enumerate(keys) if hmac.compare_digest(sign(body, k, ts)[2], received)]
    if not matched:
        raise Rejected("signature_mismatch")
    if v["replayCache"] and v["presentations"] > 1:
        raise Rejected("replayed")
    return matched[0]


# ---------------------------------------------------------------------------------------
# The cases. `string_a`, where given, is derived by hand from the rules (see description).

SPEC_BODY = """{
  "areaCode": "331001",
  "billCode": "31201",
  "billNum": "9999999",
  "cardNum": "B123456",
  "cardType": "1",
  "checker": "王五",
  "detail": {
    "actualAmount": 10.00,
    "amount": 10.00,
    "computerNum": "123456",
    "dateTime": "1502284085191",
    "department": "肿瘤科",
    "medicalRecordNum": "4308239"
  },
  "gender": "Y",
  "holdingProNum": "565656",
  "holdingUnit": "市立医院",
  "holdingUnitCode": "106607",
  "idType": "身份证",
  "invAttribute": "001",
  "invKind": "51",
  "invType": "1",
  "issuer": "王五",
  "mailAddress": "",
  "name": "张三",
  "operator": "王五",
  "orderNum": "20170726112913",
  "orderTime": "15022840851912",
  "originalBillCode": "789787",
  "originalBillNum": "77Q33",
  "outTradeNo": "20170811094650u601js5w6j5Du7Mk",
  "payName": "张三",
  "payNameCode": "100556",
  "payee": "app2",
  "paymentWay": "支付宝",
  "phone": "",
  "pushType": "2",
  "remark": "测试",
  "totalAmount": 10.00
}
"""

# The document's printed STRINGA with its two known typos fixed as spec/canonical-form.md
# section 1 says: orderNum ...112913 (not 112912) and 10.00 written as 10.
SPEC_STRING_A = (
    "areaCode=331001&billCode=31201&billNum=9999999&cardNum=B123456&cardType=1&checker=王五"
    "&detail.actualAmount=10&detail.amount=10&detail.computerNum=123456&detail.dateTime=1502284085191"
    "&detail.department=肿瘤科&detail.medicalRecordNum=4308239&gender=Y&holdingProNum=565656"
    "&holdingUnit=市立医院&holdingUnitCode=106607&idType=身份证&invAttribute=001&invKind=51&invType=1"
    "&issuer=王五&name=张三&operator=王五&orderNum=20170726112913&orderTime=15022840851912"
    "&originalBillCode=789787&originalBillNum=77Q33&outTradeNo=20170811094650u601js5w6j5Du7Mk"
    "&payName=张三&payNameCode=100556&payee=app2&paymentWay=支付宝&pushType=2&remark=测试&totalAmount=10"
)

K = "k3y-for-vectors"
TS = "20240229235959"


def repeated_name(key_len, elements, spaces):
    """{"k…k":[0,0,…]} + trailing spaces: every element repeats the long name."""
    return '{"%s":[%s]}%s' % ("k" * key_len, ",".join(["0"] * elements), " " * spaces)


def repeated_name_string_a(key_len, elements):
    """By hand: the names k…k[i] sort as byte strings (k[10] before k[1]), each value 0."""
    names = sorted("k" * key_len + "[%d]" % i for i in range(elements))
    return "&".join(name + "=0" for name in names)


def deep(levels, leaf='"x"'):
    """`levels` nested containers in total, the top-level object included."""
    inner = leaf
    for _ in range(levels):
        inner = '{"a":%s}' % inner
    return inner


ARRAY12 = '{"a":[%s]}' % ",".join(str(i) for i in range(12))
ARRAY111 = '{"a":[%s]}' % ",".join('"v%d"' % i for i in range(111))
ARRAY111_STRING_A = "&".join(
    "a[%s]=v%s" % (i, i) for i in sorted((str(i) for i in range(111)), key=lambda s: (s + "]").encode())
)

ROSTER_PAGE = (
    '{"responseFlag":"1","responseMessage":"成功","data":['
    '{"certType":"0","certNo":"331166*****777X","certName":"张小凡","gloryID":10000,"gloryType":"1","dataID":1},'
    '{"certType":"0","certNo":"11010519491231002X","certName":"李四","gloryID":10001,"gloryType":"1","dataID":2}]}'
)

DEDUCTION = (
    '{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"张三",'
    '"deductionID":"HIS-20240229-0001","totalFee":"10.00","deductionFee":"10.00",'
    '"deductionTime":"2024-02-29 23:59:59","gloryType":"1","deductionType":"0","remarks":""}'
)

SIGNING = [
    dict(name="spec-example", body=SPEC_BODY, key=SPEC_KEY, timestamp=SPEC_TS, string_a=SPEC_STRING_A,
         sign=SPEC_SIGN,
         description="The platform document's worked example (section 1.3.1) as printed, sign given by the "
                     "document. STRINGA is the document's with its typos fixed (orderNum 112913; 10.00 -> 10); "
                     "mailAddress and phone are empty and left out."),
    dict(name="empty-object", body="{}", string_a="",
         description="No pairs: STRINGA is empty and STRINGSignTemp starts with '&key='."),
    dict(name="only-empty-values", body='{"a":"","b":null,"c":{},"d":[]}', string_a="",
         description="Empty string, null, empty object and empty array produce no pair."),
    dict(name="number-trailing-zeros", body='{"a":10.00,"b":10.50,"c":100}', string_a="a=10&b=10.5&c=100",
         description="Fraction zeros dropped (10.00 -> 10, 10.50 -> 10.5); integer zeros kept (100)."),
    dict(name="number-negative", body='{"a":-12.30,"b":-5,"c":-0.5}', string_a="a=-12.3&b=-5&c=-0.5",
         description="Sign kept on non-zero numbers; -12.30 -> -12.3."),
    dict(name="number-exponents", body='{"a":1e2,"b":1.5e-3,"c":1E+2,"d":12.5E1,"e":-1E-2,"f":100e-2}',
         string_a="a=100&b=0.0015&c=100&d=125&e=-0.01&f=1",
         description="Exponents expanded to plain notation: 1e2=100, 1.5e-3=0.0015, 12.5E1=125, -1E-2=-0.01, "
                     "100e-2=1."),
    dict(name="number-small-fraction", body='{"a":0.000100,"b":0.1}', string_a="a=0.0001&b=0.1",
         description="0.000100 -> 0.0001 (leading zero before the point kept, trailing zeros dropped)."),
    dict(name="number-zero-forms", body='{"a":0,"b":-0,"c":0.00,"d":-0.0e5,"e":0e-7}',
         string_a="a=0&b=0&c=0&d=0&e=0", description="Zero in any form is 0 (no sign)."),
    dict(name="number-big-integer", body='{"a":1000000000000000000000001,"b":-98765432109876543210}',
         string_a="a=1000000000000000000000001&b=-98765432109876543210",
         description="Integers keep every digit (never through a binary float)."),
    dict(name="number-1e21", body='{"a":1e21,"b":123456789012345678901234567890e-10}',
         string_a="a=1000000000000000000000&b=12345678901234567890.123456789",
         description="1e21 written out (22 digits); a 30-digit mantissa with e-10 keeps all digits."),
    dict(name="number-512-characters", body='{"n":%s}' % ("9" * 512), string_a="n=" + "9" * 512,
         description="A 512-digit integer is exactly at the limit."),
    dict(name="number-512-characters-fraction", body='{"n":1e-510}', string_a="n=0." + "0" * 509 + "1",
         description="1e-510 is '0.' + 509 zeros + '1' = 512 characters, at the limit."),
    dict(name="number-512-characters-negative", body='{"n":-%s}' % ("7" * 511), string_a="n=-" + "7" * 511,
         description="The sign counts: '-' + 511 digits = 512 characters, at the limit."),
    dict(name="booleans", body='{"t":true,"f":false}', string_a="f=false&t=true",
         description="true/false are the texts true/false."),
    dict(name="string-escapes", body='{"s":"q\\"b\\\\s\\/t\\tn\\nr\\rb\\bf\\f"}',
         string_a='s=q"b\\s/t\tn\nr\rb\bf\f',
         description="Every JSON escape decoded: \\\" \\\\ \\/ \\t \\n \\r \\b \\f; the decoded text is signed "
                     "verbatim."),
    dict(name="unicode-escapes-equal-raw", body='{"name":"\\u5f20\\u4E09"}', string_a="name=张三",
         description="\\u5f20\\u4E09 decodes to 张三 (hex digits of either case)."),
    dict(name="unicode-raw", body='{"name":"张三"}', string_a="name=张三",
         description="The same value written raw gives the same STRINGA as the escaped spelling."),
    dict(name="surrogate-pair", body='{"e":"\\ud83d\\ude00","f":"😀"}', string_a="e=😀&f=😀",
         description="A surrogate-pair escape decodes to one code point, U+1F600, like the raw character."),
    dict(name="escaped-key", body='{"\\u0061":"1","b\\u0062":"2"}', string_a="a=1&bb=2",
         description="Keys are used as decoded: \\u0061 is a."),
    dict(name="non-ascii-key-order", body='{"姓名":"张三","a":"1","Z":"2"}', string_a="Z=2&a=1&姓名=张三",
         description="Names sort as UTF-8 bytes: Z (0x5A) < a (0x61) < 姓 (0xE5...)."),
    dict(name="code-point-order-not-utf16", body='{"\\ud83d\\ude00":"2","\\uff5e":"1"}',
         string_a="～=1&😀=2",
         description="U+FF5E sorts before U+1F600 by code point (EF BD 9E < F0 9F 98 80); UTF-16 order would "
                     "put the surrogate D83D first. A trap for compareTo-based sorts."),
    dict(name="ascii-case-order", body='{"b":1,"B":2,"a":3,"A":4,"_":5,"0":6}',
         string_a="0=6&A=4&B=2&_=5&a=3&b=1",
         description="Plain ASCII order, case-sensitive: '0' 0x30 < 'A' < 'B' < '_' 0x5F < 'a' < 'b'."),
    dict(name="key-order-traps", body='{"a":{"b":"1"},"a-b":"2","ab":"3","a0":"4","A":"5"}',
         string_a="A=5&a-b=2&a.b=1&a0=4&ab=3",
         description="Full names compared: '-' 0x2D < '.' 0x2E < '0' 0x30 < 'b' 0x62, so a-b < a.b < a0 < ab; "
                     "sorting keys first (a < a-b) would be wrong."),
    dict(name="dotted-key-interleaves", body='{"a":{"b":"1","d":"3"},"a.c":"2"}', string_a="a.b=1&a.c=2&a.d=3",
         description="A key containing '.' sorts between the members of object a: names sort globally."),
    dict(name="bracket-key-interleaves", body='{"a":["x","y"],"a[0]z":"q"}', string_a="a[0]=x&a[0]z=q&a[1]=y",
         description="A key containing '[' sorts between array elements: a[0] < a[0]z < a[1]."),
    dict(name="array-12-elements", body=ARRAY12,
         string_a="a[0]=0&a[10]=10&a[11]=11&a[1]=1&a[2]=2&a[3]=3&a[4]=4&a[5]=5&a[6]=6&a[7]=7&a[8]=8&a[9]=9",
         description="Indices sort as text, ']' (0x5D) after digits: a[0] < a[10] < a[11] < a[1] < a[2]."),
    dict(name="array-111-elements", body=ARRAY111, string_a=ARRAY111_STRING_A,
         description="a[100]..a[109] sort after a[10] and before a[11]; a[1] after a[19]; all 111 present."),
    dict(name="array-of-objects", body='{"list":[{"y":"2","x":"1"},{"x":"3"}]}',
         string_a="list[0].x=1&list[0].y=2&list[1].x=3",
         description="Element names p[i], members p[i].k, sorted."),
    dict(name="nested-arrays", body='{"m":[[1,2],[3,[4,{"k":[]}]]]}', string_a="m[0][0]=1&m[0][1]=2&m[1][0]=3&m[1][1][0]=4",
         description="Arrays in arrays: p[i][j]; the empty array inside k gives no pair."),
    dict(name="empties-inside-array", body='{"a":[{},[],null,"","v"]}', string_a="a[4]=v",
         description="Empty elements produce no pair but keep their indices."),
    dict(name="top-level-sign-excluded", body='{"sign":"abc","a":"1"}', string_a="a=1",
         description="The top-level member named sign produces no pair."),
    dict(name="top-level-sign-object-excluded", body='{"sign":{"x":"1"},"a":"1"}', string_a="a=1",
         description="A top-level sign that is an object is excluded with everything below it."),
    dict(name="only-sign", body='{"sign":"abc"}', string_a="",
         description="Only a top-level sign: STRINGA is empty."),
    dict(name="nested-sign-kept", body='{"data":{"sign":"abc"},"list":[{"sign":"s"}]}',
         string_a="data.sign=abc&list[0].sign=s", description="Nested members named sign are ordinary data."),
    dict(name="whitespace-insensitive", body='{\n\t"b" : 1 ,\r\n  "a" : [ 1 , 2 ] }\n', string_a="a[0]=1&a[1]=2&b=1",
         description="Insignificant whitespace (space, tab, CR, LF) changes nothing."),
    dict(name="strings-not-trimmed", body='{"a":" x ","b":"\\t"}', string_a="a= x &b=\t",
         description="Values are verbatim: spaces and a tab are kept (a tab is not empty)."),
    dict(name="no-url-encoding", body='{"q":"a=b&c=d","p":"100%"}', string_a="p=100%&q=a=b&c=d",
         description="Values are neither escaped nor URL-encoded, even when they contain = or &."),
    dict(name="zero-and-false-are-not-empty", body='{"a":"0","b":0,"c":false,"d":"false"}', string_a="a=0&b=0&c=false&d=false",
         description="Only \"\" and null are empty; 0 and false produce pairs."),
    dict(name="money-strings-kept", body='{"totalFee":"10.00","deductionFee":"0.50"}',
         string_a="deductionFee=0.50&totalFee=10.00",
         description="Money is a JSON string: signed as written, both decimals (section 3)."),
    dict(name="depth-64", body=deep(64), string_a="a." * 63 + "a=x",
         description="64 nested objects (the top-level one included) are allowed: 64 keys a, joined by dots."),
    dict(name="empty-key", body='{"":"x","b":{"":"y"}}', string_a="=x&b.=y",
         description="An empty key is a name like any other: '' and 'b.'."),
    dict(name="key-with-trailing-space", body='{"payProAmount ":"99.99","payProName":"预缴款"}',
         string_a="payProAmount =99.99&payProName=预缴款",
         description="Keys are not trimmed (the document's own example has 'payProAmount ')."),
    dict(name="document-complex-example",
         body='{"detail":{"payProDetail":[{"ownExpense":"99.99","payProAmount":"99.99","payProName":"预缴款"},'
              '{"ownExpense":"99.99","payProAmount":"99.99","payProName":"预缴款"}],"settlementTotal":163.28,'
              '"socialSecNum":"社保卡号","workUnit":"工作单位"}}',
         string_a="detail.payProDetail[0].ownExpense=99.99&detail.payProDetail[0].payProAmount=99.99"
                  "&detail.payProDetail[0].payProName=预缴款&detail.payProDetail[1].ownExpense=99.99"
                  "&detail.payProDetail[1].payProAmount=99.99&detail.payProDetail[1].payProName=预缴款"
                  "&detail.settlementTotal=163.28&detail.socialSecNum=社保卡号&detail.workUnit=工作单位",
         description="The document's flattening example (section 1.3.1), its missing comma added. The document "
                     "prints settlementTotal, socialSecNum and workUnit without the detail. prefix; under the "
                     "rules (section 2.1) they are members of detail."),
    dict(name="roster-request", body='{"dataID":0,"orgCode":"106607"}', string_a="dataID=0&orgCode=106607",
         description="A store/all request."),
    dict(name="roster-page", body=ROSTER_PAGE,
         string_a="data[0].certName=张小凡&data[0].certNo=331166*****777X&data[0].certType=0&data[0].dataID=1"
                  "&data[0].gloryID=10000&data[0].gloryType=1&data[1].certName=李四"
                  "&data[1].certNo=11010519491231002X&data[1].certType=0&data[1].dataID=2&data[1].gloryID=10001"
                  "&data[1].gloryType=1&responseFlag=1&responseMessage=成功",
         description="A store/all response: data[i].* then responseFlag, responseMessage."),
    dict(name="deduct-request", body=DEDUCTION,
         string_a="certName=张三&certNo=11010519491231002X&certType=0&deductionFee=10.00&deductionID=HIS-20240229-0001"
                  "&deductionTime=2024-02-29 23:59:59&deductionType=0&gloryType=1&orgCode=106607&totalFee=10.00",
         description="A store/deduct request; the empty remarks is left out; the space in the time is kept."),
    dict(name="utf8-key", body='{"a":"1"}', key="密钥-κλειδί-🔑", string_a="a=1",
         description="The key's UTF-8 bytes key the HMAC and enter STRINGSignTemp as text."),
    dict(name="long-key", body='{"a":"1"}', key="0123456789abcdef" * 5, string_a="a=1",
         description="An 80-byte key, longer than SHA-256's 64-byte block (HMAC hashes it first)."),
    dict(name="timestamp-leap-day", body='{"a":"1"}', timestamp="20240229000000", string_a="a=1",
         description="29 February of a leap year is a real date."),
    dict(name="timestamp-year-end", body='{"a":"1"}', timestamp="99991231235959", string_a="a=1",
         description="The last valid timestamp."),
    dict(name="stringa-at-the-limit", body=repeated_name(501, 155, 11), string_a=repeated_name_string_a(501, 155),
         description="Rule 2.4, just under: a key of 501 'k's over 155 zeros and 11 trailing spaces. STRINGA is "
                     "155 pairs k…k[i]=0 of 501 + 4 + digits(i) bytes (10 × 506 + 90 × 507 + 55 × 508 = 78,630) "
                     "and 154 '&': 78,784 bytes. The body is 2 + 501 + 3 + 309 + 2 + 11 = 828 bytes, so the "
                     "limit is 16 × 828 + 65,536 = 78,784: exactly at the limit, which is allowed."),
]

SIGNING_ERRORS = [
    dict(name="invalid-json-trailing-comma", body='{"a":1,}', error="invalid_json", description="A trailing comma."),
    dict(name="invalid-json-unterminated", body='{"a":"x', error="invalid_json", description="An unterminated string."),
    dict(name="invalid-json-leading-zero", body='{"a":01}', error="invalid_json", description="01 is not a JSON number."),
    dict(name="invalid-json-nan", body='{"a":NaN}', error="invalid_json", description="NaN is not JSON."),
    dict(name="invalid-json-bom", body='\ufeff{"a":1}', error="invalid_json",
         description="A byte-order mark before the object is not JSON (RFC 8259 forbids sending one)."),
    dict(name="invalid-json-control-char", body='{"a":"x\ty"}', error="invalid_json",
         description="A raw tab inside a string must be escaped."),
    dict(name="invalid-json-empty", body="", error="invalid_json", description="An empty body."),
    dict(name="invalid-json-trailing-data", body='{"a":1} {}', error="invalid_json",
         description="Data after the object."),
    dict(name="invalid-json-bad-escape", body='{"a":"\\x41"}', error="invalid_json", description="\\x is no escape."),
    dict(name="invalid-json-fraction", body='{"a":1.}', error="invalid_json", description="1. has no fraction digits."),
    dict(name="invalid-json-single-quotes", body="{'a':'1'}", error="invalid_json", description="Single quotes."),
    dict(name="invalid-utf8-byte", body_hex="7b2261223a22ff227d", error="invalid_utf8",
         description='{"a":"<0xFF>"}: 0xFF never occurs in UTF-8.'),
    dict(name="invalid-utf8-overlong", body_hex="7b2261223a22c0af227d", error="invalid_utf8",
         description='{"a":"<C0 AF>"}: an overlong encoding of /.'),
    dict(name="invalid-utf8-lone-high-surrogate", body='{"a":"\\ud800"}', error="invalid_utf8",
         description="A \\u escape of a lone high surrogate."),
    dict(name="invalid-utf8-lone-low-surrogate", body='{"a":"\\udc00x"}', error="invalid_utf8",
         description="A \\u escape of a lone low surrogate."),
    dict(name="not-an-object-array", body='[{"a":1}]', error="not_an_object", description="The top level is an array."),
    dict(name="not-an-object-string", body='"a=1"', error="not_an_object", description="The top level is a string."),
    dict(name="not-an-object-null", body="null", error="not_an_object", description="The top level is null."),
    dict(name="duplicate-key", body='{"a":1,"a":2}', error="duplicate_key", description="The same key twice."),
    dict(name="duplicate-key-after-escape", body='{"a":1,"\\u0061":2}', error="duplicate_key",
         description="The same key after escape decoding."),
    dict(name="duplicate-key-nested-types", body='{"x":{"k":1,"k":{}}}', error="duplicate_key",
         description="A nested object repeating a key, even with a value of another type."),
    dict(name="name-collision-dot", body='{"a.b":"1","a":{"b":"2"}}', error="name_collision",
         description="Two paths flatten to a.b (the example of section 2.4)."),
    dict(name="name-collision-bracket", body='{"a[0]":"1","a":["2"]}', error="name_collision",
         description="Two paths flatten to a[0]."),
    dict(name="name-collision-empty-value", body='{"a.b":"","a":{"b":"2"}}', error="name_collision",
         description="Decision where the spec is silent: a collision counts every scalar leaf, empty or null "
                     "ones included, since a flatten-into-a-map implementation would keep one of the two "
                     "depending on member order."),
    dict(name="too-deep", body=deep(65), error="too_deep", description="65 nested objects, one beyond the limit."),
    dict(name="too-deep-arrays", body='{"a":' + "[" * 64 + "]" * 64 + "}", error="too_deep",
         description="The object and 64 arrays: 65 levels."),
    dict(name="number-out-of-range-digits", body='{"n":%s}' % ("9" * 513), error="number_out_of_range",
         description="513 digits."),
    dict(name="number-out-of-range-exponent", body='{"n":1e512}', error="number_out_of_range",
         description="1e512 is 513 digits written out."),
    dict(name="number-out-of-range-small", body='{"n":1e-511}', error="number_out_of_range",
         description="1e-511 is 513 characters written out."),
    dict(name="number-out-of-range-huge-exponent", body='{"n":1e999999999999999999999}', error="number_out_of_range",
         description="An exponent too large for any integer type must still be refused, not overflow."),
    dict(name="stringa-too-long-by-one", body=repeated_name(504, 154, 7), error="stringa_too_long",
         description="Rule 2.4, just over: a key of 504 'k's over 154 zeros and 7 trailing spaces. STRINGA would "
                     "be 10 × 509 + 90 × 510 + 54 × 511 = 78,584 bytes of pairs and 153 '&': 78,737. The body is "
                     "2 + 504 + 3 + 307 + 2 + 7 = 825 bytes: the limit is 16 × 825 + 65,536 = 78,736, one less."),
    dict(name="stringa-too-long-quadratic", body=repeated_name(16_000, 2_000, 0), error="stringa_too_long",
         description="The hostile shape of rule 2.4: a 16,000-byte key over 2,000 zeros, a 20 KB body whose "
                     "STRINGA would be 32 MB (2,000 × 16,000 + …), far over 16 × 20,008 + 65,536."),
    dict(name="invalid-timestamp-short", body="{}", timestamp="2021040715520", error="invalid_timestamp",
         description="13 digits."),
    dict(name="invalid-timestamp-formatted", body="{}", timestamp="2021-04-07 15:52", error="invalid_timestamp",
         description="A formatted time is not the 14-digit form."),
    dict(name="invalid-timestamp-feb-30", body="{}", timestamp="20210230120000", error="invalid_timestamp",
         description="30 February does not exist."),
    dict(name="invalid-timestamp-second-60", body="{}", timestamp="20210407155260", error="invalid_timestamp",
         description="Second 60 does not exist."),
    dict(name="invalid-timestamp-not-leap", body="{}", timestamp="19000229000000", error="invalid_timestamp",
         description="1900 is not a leap year."),
    dict(name="empty-key", body="{}", key="", error="empty_key", description="An empty secret key is refused."),
]

VERIFY_BODY = '{"dataID":0,"orgCode":"106607"}'
VK = {"sid-1": ["old-key", SPEC_KEY], "sid-2": [K]}


def verify_case(name, description, sign_with=SPEC_KEY, timestamp=SPEC_TS, now=SPEC_TS, sid="sid-1",
                max_skew=300, replay=False, presentations=1, sign_text=None, transform=None, error=None,
                key_index=None, body=VERIFY_BODY):
    if sign_text is None:
        sign_text = sign(body.encode("utf-8"), sign_with, timestamp)[2]
        if transform:
            sign_text = transform(sign_text)
    return dict(name=name, description=description, body=body, timestamp=timestamp,
                verify=dict(sid=sid, sign=sign_text, keys=VK, now=now, maxSkewSeconds=max_skew,
                            replayCache=replay, presentations=presentations),
                error=error, key_index=key_index)


VERIFICATION = [
    verify_case("valid-second-key", "Signed with the sid's second key (a rotation): valid, keyIndex 1.", key_index=1),
    verify_case("valid-first-key", "Signed with the sid's first key: keyIndex 0.", sign_with="old-key", key_index=0),
    verify_case("valid-upper-case-sign", "A received sign in upper-case hex is accepted.", transform=str.upper,
                key_index=1),
    verify_case("valid-window-edge-past", "Timestamp exactly 300 s before now: inside (inclusive).",
                timestamp="20210407154706", key_index=1),
    verify_case("valid-window-edge-future", "Timestamp exactly 300 s after now: inside (inclusive).",
                timestamp="20210407155706", key_index=1),
    verify_case("valid-presented-twice-without-cache", "Without a replay cache a repeat is accepted.",
                presentations=2, key_index=1),
    verify_case("valid-wide-window", "A skew of one day is accepted with maxSkewSeconds 86400.",
                timestamp="20210406155206", max_skew=86400, key_index=1),
    verify_case("signature-mismatch-wrong-key", "Signed with another sid's key.", sign_with=K,
                error="signature_mismatch"),
    verify_case("signature-mismatch-tampered-body", "Signed over another body.", sign_text=None,
                body=VERIFY_BODY, transform=lambda s: sign(b'{"dataID":1,"orgCode":"106607"}', SPEC_KEY, SPEC_TS)[2],
                error="signature_mismatch"),
    verify_case("signature-mismatch-timestamp", "Signed at another timestamp than the one received.",
                transform=lambda s: sign(VERIFY_BODY.encode(), SPEC_KEY, "20210407155207")[2],
                error="signature_mismatch"),
    verify_case("invalid-signature-format-short", "Not 64 hex digits.", sign_text="ec94361a",
                error="invalid_signature_format"),
    verify_case("invalid-signature-format-non-hex", "64 characters, not all hex.", sign_text="g" * 64,
                error="invalid_signature_format"),
    verify_case("timestamp-out-of-window-past", "301 s before now.", timestamp="20210407154705",
                error="timestamp_out_of_window"),
    verify_case("timestamp-out-of-window-future", "301 s after now.", timestamp="20210407155707",
                error="timestamp_out_of_window"),
    verify_case("invalid-timestamp-header", "A malformed timestamp header.", timestamp="2021-04-07",
                sign_text="0" * 64, error="invalid_timestamp"),
    verify_case("replayed", "The same sid, timestamp and sign presented twice with a replay cache: the second "
                "presentation is refused.", replay=True, presentations=2, error="replayed"),
    verify_case("unknown-sid", "No key is configured for this sid.", sid="sid-9", error="unknown_sid"),
    verify_case("stringa-too-long", "A body whose STRINGA would be over its limit (the body of the signing "
                "vector stringa-too-long-by-one) is refused for the body, with any well-formed sign, before a "
                "signature is computed.", body=repeated_name(504, 154, 7), sign_text="0" * 64,
                error="stringa_too_long"),
]


def headers_case(name, description, headers, error=None, key_index=None):
    return dict(name=name, description=description, body=VERIFY_BODY,
                verify=dict(headers=headers, keys=VK, now=SPEC_TS, maxSkewSeconds=300, replayCache=False,
                            presentations=1),
                error=error, key_index=key_index)


SPEC_VERIFY_SIGN = sign(VERIFY_BODY.encode("utf-8"), SPEC_KEY, SPEC_TS)[2]
VERIFICATION += [
    headers_case("headers-any-case", "Header names are case-insensitive: SID, TimeStamp, Sign.",
                 {"SID": "sid-1", "TimeStamp": SPEC_TS, "Sign": SPEC_VERIFY_SIGN}, key_index=1),
    headers_case("headers-other-headers-ignored", "Unrelated headers are ignored.",
                 {"content-type": "application/json", "sid": "sid-1", "timestamp": SPEC_TS,
                  "sign": SPEC_VERIFY_SIGN}, key_index=1),
    headers_case("missing-header-sign", "No sign header.", {"sid": "sid-1", "timestamp": SPEC_TS},
                 error="missing_header"),
    headers_case("missing-header-timestamp", "No timestamp header.", {"sid": "sid-1", "sign": SPEC_VERIFY_SIGN},
                 error="missing_header"),
    headers_case("missing-header-sid", "No sid header.", {"timestamp": SPEC_TS, "sign": SPEC_VERIFY_SIGN},
                 error="missing_header"),
    headers_case("duplicate-header-sign",
                 "The sign header twice (names differ only in case), even with the same valid value: "
                 "which one was signed would be ambiguous, so the request is refused, never one picked. "
                 "A reader must pass both to the verifier, not merge them (a fetch Headers object would "
                 "join them as 'S, S').",
                 {"sid": "sid-1", "timestamp": SPEC_TS, "sign": SPEC_VERIFY_SIGN, "SIGN": SPEC_VERIFY_SIGN},
                 error="duplicate_header"),
]


# ---------------------------------------------------------------------------------------
# Model validation (the project README's data dictionary and the rules), written
# independently of the Rust models.

DICTIONARY = {"certType": set("0123456"), "gloryType": {"1"}, "deductionType": {"0", "1", "2"},
              "status": {"0", "1"}}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
# Wire fields of each model: name -> (json type, required).
MODELS = {
    "rosterPageRequest": {"dataID": (int, True), "orgCode": (str, True)},
    "deduction": {f: (str, True) for f in ("orgCode", "certType", "certNo", "certName", "deductionID", "totalFee",
                                          "deductionFee", "deductionTime", "gloryType", "deductionType")}
                 | {"remarks": (str, False)},
    "cancellation": {"orgCode": (str, True), "deductionID": (str, True), "deductionTime": (str, True)},
    "deductCheckRequest": {"orgCode": (str, True), "deductTimeStart": (str, True), "deductionTimeEnd": (str, True)},
}
MODELS["deductCheckRecord"] = MODELS["deduction"] | {"status": (str, True), "cancelTime": (str, False)}


def invalid(field):
    raise Rejected(("invalid_field", field))


def check_datetime(field, value):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", value, re.ASCII):
        invalid(field)
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        invalid(field)


def check_money(field, value):
    if not re.fullmatch(r"[0-9]+\.[0-9]{2}", value, re.ASCII):
        invalid(field)


def validate_deduction(m):
    for field in ("orgCode", "certType", "certNo", "certName", "deductionID", "totalFee", "deductionFee",
                  "deductionTime", "gloryType", "deductionType"):
        value = m[field]
        if field in DICTIONARY and value not in DICTIONARY[field]:
            invalid(field)
        if field in ("totalFee", "deductionFee"):
            check_money(field, value)
        elif field == "deductionTime":
            check_datetime(field, value)
        elif value == "":
            invalid(field)
        # Full-width forms (U+FF01-U+FF5E) and the ideographic space, in any certNo.
        if field == "certNo" and re.search("[\uff01-\uff5e\u3000]", value):
            invalid(field)
        if field == "certNo" and m["certType"] == "0":
            digits = value[:17]
            if len(value) != 18 or not re.fullmatch(r"[0-9]{17}", digits, re.ASCII):
                invalid(field)
            if value[17] != ID_CHECK[sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS)) % 11]:
                invalid(field)
        if field == "deductionFee" and decimal.Decimal(value) > decimal.Decimal(m["totalFee"]):
            invalid(field)


def validate_model(model, text):
    try:
        m = json.loads(text)
    except json.JSONDecodeError:
        raise Rejected(("serialization", None))
    if not isinstance(m, dict):
        raise Rejected(("serialization", None))
    for field, (kind, required) in MODELS[model].items():
        if field not in m:
            if required:
                raise Rejected(("serialization", None))
            continue
        if not isinstance(m[field], kind) or isinstance(m[field], bool):
            raise Rejected(("serialization", None))
    if model == "rosterPageRequest":
        if m["dataID"] < 0:
            invalid("dataID")
        if m["orgCode"] == "":
            invalid("orgCode")
    elif model in ("deduction", "deductCheckRecord"):
        validate_deduction(m)
        if model == "deductCheckRecord":
            if m["status"] not in DICTIONARY["status"]:
                invalid("status")
            if m["status"] == "0" and "cancelTime" not in m:
                invalid("cancelTime")
            if "cancelTime" in m:
                check_datetime("cancelTime", m["cancelTime"])
    elif model == "cancellation":
        for field in ("orgCode", "deductionID"):
            if m[field] == "":
                invalid(field)
        # Sent as deductionTime, but errors name it as every binding does.
        check_datetime("cancelTime", m["deductionTime"])
    elif model == "deductCheckRequest":
        if m["orgCode"] == "":
            invalid("orgCode")
        start = check_datetime("deductTimeStart", m["deductTimeStart"])
        end = check_datetime("deductionTimeEnd", m["deductionTimeEnd"])
        if start > end:
            invalid("deductionTimeEnd")


BASE_DEDUCTION = {"orgCode": "106607", "certType": "0", "certNo": "11010519491231002X", "certName": "张三",
                  "deductionID": "HIS-20240229-0001", "totalFee": "10.00", "deductionFee": "10.00",
                  "deductionTime": "2024-02-29 23:59:59", "gloryType": "1", "deductionType": "0"}


def deduction_with(**changes):
    d = dict(BASE_DEDUCTION)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return json.dumps(d, ensure_ascii=False)


def record_with(**changes):
    return json.dumps(json.loads(deduction_with()) | {"status": "1"} | changes, ensure_ascii=False)


MODEL_CASES = [
    ("deduction-valid", "deduction", deduction_with(), None,
     "A resident ID whose check character X is worked by hand in core's validate.rs (sum 167, 167 mod 11 = 2 -> X)."),
    ("deduction-valid-remarks", "deduction", deduction_with(remarks="复诊"), None, "Optional remarks."),
    ("deduction-valid-partial-fee", "deduction", deduction_with(totalFee="100.00", deductionFee="99.99"), None,
     "deductionFee below totalFee, compared as decimals, not as text ('99.99' > '100.00' as text)."),
    ("deduction-valid-passport", "deduction", deduction_with(certType="6", certNo="E12345678"), None,
     "Only resident IDs (certType 0) carry a check character."),
    ("deduction-valid-other-check", "deduction", deduction_with(certNo="440524188001010014"), None,
     "Check character 4 worked by hand in core's validate.rs (sum 195, 195 mod 11 = 8 -> 4)."),
    ("deduction-cert-no-check-digit", "deduction", deduction_with(certNo="110105194912310021"), "certNo",
     "The check character of 11010519491231002 is X, not 1."),
    ("deduction-cert-no-lower-x", "deduction", deduction_with(certNo="11010519491231002x"), "certNo",
     "GB 11643 writes the check character as upper-case X."),
    ("deduction-cert-no-masked", "deduction", deduction_with(certNo="331166*****777X"), "certNo",
     "A masked number (as the roster sends them) cannot be sent back."),
    ("deduction-cert-no-17", "deduction", deduction_with(certNo="11010519491231002"), "certNo", "17 characters."),
    ("deduction-cert-no-full-width-digit", "deduction", deduction_with(certNo="11010５19491231002X"), "certNo",
     "A full-width digit (U+FF15) in a resident ID is refused, not read as 5."),
    ("deduction-passport-full-width-space", "deduction", deduction_with(certType="6", certNo="E1234\u30005678"),
     "certNo", "A full-width (ideographic) space in any certNo is refused, not only in resident IDs."),
    ("deduction-org-code-empty", "deduction", deduction_with(orgCode=""), "orgCode", "Required, non-empty."),
    ("deduction-cert-name-empty", "deduction", deduction_with(certName=""), "certName", "Required, non-empty."),
    ("deduction-id-empty", "deduction", deduction_with(deductionID=""), "deductionID", "Required, non-empty."),
    ("deduction-total-fee-integer", "deduction", deduction_with(totalFee="10"), "totalFee", "Needs two decimals."),
    ("deduction-total-fee-one-decimal", "deduction", deduction_with(totalFee="10.0"), "totalFee",
     "Needs exactly two decimals."),
    ("deduction-fee-negative", "deduction", deduction_with(deductionFee="-1.00"), "deductionFee", "No sign allowed."),
    ("deduction-fee-above-total", "deduction", deduction_with(deductionFee="10.01"), "deductionFee",
     "deductionFee must not exceed totalFee."),
    ("deduction-time-feb-30", "deduction", deduction_with(deductionTime="2024-02-30 10:00:00"), "deductionTime",
     "Not a real date."),
    ("deduction-time-iso-t", "deduction", deduction_with(deductionTime="2024-02-29T10:00:00"), "deductionTime",
     "The separator is a space."),
    ("deduction-cert-type-unknown", "deduction", deduction_with(certType="7"), "certType",
     "Not in the dictionary (received codes are kept; sent ones are checked)."),
    ("deduction-glory-type-unknown", "deduction", deduction_with(gloryType="2"), "gloryType", "Only 1 exists."),
    ("deduction-type-unknown", "deduction", deduction_with(deductionType="3"), "deductionType", "Only 0, 1, 2 exist."),
    ("deduction-missing-field", "deduction", deduction_with(certNo=None), "serialization",
     "A required member missing from the JSON: the model cannot be built."),
    ("deduction-fee-as-number", "deduction", deduction_with(totalFee=10.00), "serialization",
     "Money is a JSON string, never a number."),
    ("cancellation-valid", "cancellation",
     '{"orgCode":"106607","deductionID":"HIS-1","deductionTime":"2024-03-01 08:00:00"}', None, "A cancellation."),
    ("cancellation-id-empty", "cancellation",
     '{"orgCode":"106607","deductionID":"","deductionTime":"2024-03-01 08:00:00"}', "deductionID", "Required."),
    ("cancellation-time-bad", "cancellation",
     '{"orgCode":"106607","deductionID":"HIS-1","deductionTime":"2024-03-01 08:00"}', "cancelTime",
     "Seconds are required."),
    ("deduct-check-request-valid", "deductCheckRequest",
     '{"orgCode":"106607","deductTimeStart":"2024-03-01 00:00:00","deductionTimeEnd":"2024-03-01 23:59:59"}',
     None, "The document's two differently formed names."),
    ("deduct-check-request-reversed", "deductCheckRequest",
     '{"orgCode":"106607","deductTimeStart":"2024-03-02 00:00:00","deductionTimeEnd":"2024-03-01 23:59:59"}',
     "deductionTimeEnd", "The end before the start."),
    ("deduct-check-request-uniform-names", "deductCheckRequest",
     '{"orgCode":"106607","deductionTimeStart":"2024-03-01 00:00:00","deductionTimeEnd":"2024-03-01 23:59:59"}',
     "serialization", "deductionTimeStart is not the document's name: deductTimeStart is missing."),
    ("deduct-check-record-deducted", "deductCheckRecord", record_with(), None, "status 1 needs no cancelTime."),
    ("deduct-check-record-cancelled", "deductCheckRecord", record_with(status="0", cancelTime="2024-03-01 08:00:00"),
     None, "status 0 with its cancelTime."),
    ("deduct-check-record-cancelled-no-time", "deductCheckRecord", record_with(status="0"), "cancelTime",
     "cancelTime is required when status is 0."),
    ("deduct-check-record-status-unknown", "deductCheckRecord", record_with(status="5"), "status",
     "Only 0 and 1 exist."),
    ("roster-page-request-valid", "rosterPageRequest", '{"dataID":0,"orgCode":"106607"}', None, "Start of a sync."),
    ("roster-page-request-negative", "rosterPageRequest", '{"dataID":-1,"orgCode":"106607"}', "dataID",
     "dataID is never negative."),
    ("roster-page-request-org-empty", "rosterPageRequest", '{"dataID":5,"orgCode":""}', "orgCode", "Required."),
    ("roster-page-request-data-id-string", "rosterPageRequest", '{"dataID":"0","orgCode":"106607"}', "serialization",
     "dataID is an int on the wire."),
]


def build_models():
    vectors = []
    for name, model, text, expected, description in MODEL_CASES:
        try:
            validate_model(model, text)
            got = None
        except Rejected as rejected:
            code, field = rejected.code
            got = "serialization" if code == "serialization" else field
        if got != expected:
            sys.exit("%s: reference gives %s, the case expects %s" % (name, got, expected))
        if expected is None:
            expect = dict(valid=True)
        elif expected == "serialization":
            expect = dict(error="serialization")
        else:
            expect = dict(error="invalid_field", field=expected)
        vectors.append(dict(name=name, description=description, model=model, json=text, expect=expect))
    return dict(
        description="Model vectors: the JSON text (wire names) of one model is deserialized and validated as "
                    "something the institution sends; expect is valid, invalid_field with the field's wire "
                    "name (the first failing field, in wire-table order; a cancellation's time, sent as "
                    "deductionTime, is named cancelTime as every binding calls it), or serialization when the JSON "
                    "cannot form the model (missing member, wrong JSON type). Models: rosterPageRequest, "
                    "deduction, cancellation, deductCheckRequest, deductCheckRecord. Expected results checked "
                    "by tests/vectors/reference.py's independent validator.",
        vectors=vectors,
    )


def body_bytes(case):
    if "body_hex" in case:
        return bytes.fromhex(case["body_hex"])
    return case["body"].encode("utf-8")


def body_fields(case):
    if "body_hex" in case:
        return {"bodyHex": case["body_hex"]}
    return {"body": case["body"]}


def build_signing():
    vectors = []
    for case in SIGNING:
        key = case.get("key", SPEC_KEY if case["name"] == "spec-example" else K)
        ts = case.get("timestamp", SPEC_TS if case["name"] == "spec-example" else TS)
        sa, md5, signature = sign(body_bytes(case), key, ts)
        if sa != case["string_a"]:
            sys.exit("%s: reference STRINGA %r differs from the hand-derived %r" % (case["name"], sa, case["string_a"]))
        if "sign" in case and signature != case["sign"]:
            sys.exit("%s: reference sign %s differs from the document's %s" % (case["name"], signature, case["sign"]))
        vectors.append(dict(name=case["name"], description=case["description"], **body_fields(case), key=key,
                            timestamp=ts, expect=dict(stringA=sa, md5=md5, sign=signature)))
    for case in SIGNING_ERRORS:
        key = case.get("key", K)
        ts = case.get("timestamp", TS)
        try:
            sign(body_bytes(case), key, ts)
            got = None
        except Rejected as rejected:
            got = rejected.code
        if got != case["error"]:
            sys.exit("%s: reference says %s, the case expects %s" % (case["name"], got, case["error"]))
        vectors.append(dict(name=case["name"], description=case["description"], **body_fields(case), key=key,
                            timestamp=ts, expect=dict(error=case["error"])))
    return dict(
        description="Signing conformance vectors: body (exact text, or bodyHex for bytes that are not UTF-8), "
                    "key and timestamp in; STRINGA, upper-case MD5 hex and sign out, or the stable error code. "
                    "Expected values computed by tests/vectors/reference.py (Python standard library, written "
                    "from spec/canonical-form.md) and checked against hand-derived STRINGA; vector 1 is the "
                    "platform's worked example with the sign the document prints.",
        vectors=vectors,
    )


def build_verification():
    vectors = []
    for case in VERIFICATION:
        try:
            if "headers" in case["verify"]:
                got = ("valid", verify_headers(body_bytes(case), case["verify"]))
            else:
                got = ("valid", verify(body_bytes(case), case["timestamp"], case["verify"]))
        except Rejected as rejected:
            got = ("error", rejected.code)
        want = ("error", case["error"]) if case["error"] else ("valid", case["key_index"])
        if got != want:
            sys.exit("%s: reference gives %s, the case expects %s" % (case["name"], got, want))
        expect = dict(error=case["error"]) if case["error"] else dict(valid=True, keyIndex=case["key_index"])
        timestamp = {} if "headers" in case["verify"] else {"timestamp": case["timestamp"]}
        vectors.append(dict(name=case["name"], description=case["description"], body=case["body"],
                            **timestamp, verify=case["verify"], expect=expect))
    return dict(
        description="Verification conformance vectors: a verifier configured with verify.keys (sid -> keys, "
                    "in order), verify.maxSkewSeconds, a clock stopped at verify.now (14 digits, UTC+8) and, "
                    "when verify.replayCache, a replay cache, is presented the body with headers sid "
                    "(verify.sid), timestamp (the vector's timestamp) and sign (verify.sign) "
                    "verify.presentations times; or, when verify.headers is given instead, with exactly "
                    "those headers (names in any case). expect is the result of the last presentation: "
                    "valid with the index of the matching key, or the stable error code.",
        vectors=vectors,
    )


# ---------------------------------------------------------------------------------------
# Diagnosis vectors: signs a counterpart computed the wrong way over the spec example, each
# from a Python expression run here (its text is the vector's derivation, in its
# description) over the STRINGA this reference computes. The expected words, in English
# and Chinese, are written by hand; the Rust core defines them once beside each departure.

GBK_EN = ("STRINGSignTemp hashed as GBK (GB18030) bytes instead of UTF-8, as a Chinese-Windows program does "
          "with ANSI text")
GBK_ZH = "STRINGSignTemp 按 GBK（GB18030）编码的字节计算，而不是 UTF-8（中文 Windows 程序按 ANSI 编码处理文本时常见）"
AS_WRITTEN_EN = ("numbers signed as written (10.00) instead of canonical decimals (10), as when a value is signed as "
                 "a string and sent as a number")
AS_WRITTEN_ZH = "数字按原文（10.00）而不是规范小数（10）签名，常见于签名时把值当作字符串、发送时却是数字"
LOWER_EN = "the MD5 hex in lower case instead of upper case"
LOWER_ZH = "MD5 十六进制用了小写而不是大写"
NO_MD5_EN = "HMAC over STRINGSignTemp itself, without the MD5 step"
NO_MD5_ZH = "HMAC 直接作用于 STRINGSignTemp 本身，省略了 MD5 这一步"

TEMP = 'STRINGA + "&key=" + KEY + "&timestamp=" + TS'
HMAC_OF = 'hmac.new(KEY.encode("ascii"), {}, hashlib.sha256).hexdigest()'
# Numbers as written: the spec example's three amounts are 10.00 in the body, 10 in STRINGA.
AS_WRITTEN = 're.sub(r"=10(?=&|$)", "=10.00", STRINGA)'

DIAGNOSIS = [
    dict(name="gbk", departures=[(GBK_EN, GBK_ZH)],
         derivation=HMAC_OF.format('hashlib.md5((%s).encode("gb18030")).hexdigest().upper().encode("ascii")' % TEMP),
         description="The spec example signed by a program that MD5s the GBK (GB18030) bytes of STRINGSignTemp, "
                     "as Chinese Windows stores ANSI text: every Chinese character is 2 bytes instead of 3."),
    dict(name="gbk-lower-case-md5", departures=[(GBK_EN, GBK_ZH), (LOWER_EN, LOWER_ZH)],
         derivation=HMAC_OF.format('hashlib.md5((%s).encode("gb18030")).hexdigest().encode("ascii")' % TEMP),
         description="GBK bytes and the MD5 hex in lower case."),
    dict(name="gbk-numbers-as-written", departures=[(AS_WRITTEN_EN, AS_WRITTEN_ZH), (GBK_EN, GBK_ZH)],
         derivation=HMAC_OF.format('hashlib.md5((%s + "&key=" + KEY + "&timestamp=" + TS).encode("gb18030"))'
                                   '.hexdigest().upper().encode("ascii")' % AS_WRITTEN),
         description="GBK bytes, and the three amounts signed as written (10.00) instead of 10."),
    dict(name="gbk-no-md5", departures=[(GBK_EN, GBK_ZH), (NO_MD5_EN, NO_MD5_ZH)],
         derivation=HMAC_OF.format('(%s).encode("gb18030")' % TEMP),
         description="HMAC-SHA256 straight over the GBK bytes of STRINGSignTemp, with no MD5 step."),
    dict(name="lower-case-md5", departures=[(LOWER_EN, LOWER_ZH)],
         derivation=HMAC_OF.format('hashlib.md5((%s).encode("utf-8")).hexdigest().encode("ascii")' % TEMP),
         description="UTF-8 bytes, as the rules say, but the MD5 hex in lower case."),
    dict(name="rules", departures=[],
         derivation=HMAC_OF.format('hashlib.md5((%s).encode("utf-8")).hexdigest().upper().encode("ascii")' % TEMP),
         description="The rules themselves: the document's sign, a match."),
]


def build_diagnosis():
    body = SPEC_BODY.encode("utf-8")
    sa, _, rules_sign = sign(body, SPEC_KEY, SPEC_TS)
    scope = dict(STRINGA=sa, KEY=SPEC_KEY, TS=SPEC_TS, hashlib=hashlib, hmac=hmac, re=re)
    if len(re.findall(r"=10(?=&|$)", sa)) != 3:
        sys.exit("diagnosis: the spec example's STRINGA no longer has its three amounts of 10")
    vectors = []
    signs = set()
    for case in DIAGNOSIS:
        received = eval(case["derivation"], scope)  # the derivation text is the vector's own
        if (received == rules_sign) != (not case["departures"]):
            sys.exit("%s: the derivation %s the rules' sign" % (case["name"], "gives" if case["departures"] else "misses"))
        if received in signs:
            sys.exit("%s: the same sign as another vector" % case["name"])
        signs.add(received)
        expect = dict(match=not case["departures"],
                      departure="; ".join(en for en, _ in case["departures"]) or None,
                      departureZh="；".join(zh for _, zh in case["departures"]) or None)
        description = (case["description"] + " Derivation (Python 3 standard library; STRINGA is the spec "
                       "example's, computed by tests/vectors/reference.py; KEY and TS are the example's key and "
                       "timestamp): received = " + case["derivation"])
        vectors.append(dict(name=case["name"], description=description, body=SPEC_BODY, key=SPEC_KEY,
                            timestamp=SPEC_TS, received=received, expect=expect))
    return dict(
        description="Diagnosis vectors: diagnose(body, key, timestamp, received) names the departure from the "
                    "rules that turns the body into the received sign. expect.match is true when received is "
                    "the rules' sign; otherwise expect.departure is the English diagnosis (departures joined with "
                    "'; ') and expect.departureZh the Chinese one (joined with '；'), or both null when no known "
                    "departure explains it. Received signs computed by tests/vectors/reference.py, each from the "
                    "Python expression in its description.",
        vectors=vectors,
    )


def render(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    outputs = {
        HERE / "signing.json": render(build_signing()),
        HERE / "verification.json": render(build_verification()),
        HERE / "models.json": render(build_models()),
        HERE / "diagnosis.json": render(build_diagnosis()),
        HERE / "spec-example.body.json": SPEC_BODY,
    }
    stale = []
    for path, text in outputs.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    signing = json.loads(outputs[HERE / "signing.json"])["vectors"]
    verification = json.loads(outputs[HERE / "verification.json"])["vectors"]
    errors = sum(1 for v in signing if "error" in v["expect"]) + sum(1 for v in verification if "error" in v["expect"])
    codes = sorted({v["expect"]["error"] for v in signing + verification if "error" in v["expect"]})
    models = json.loads(outputs[HERE / "models.json"])["vectors"]
    codes = sorted(set(codes) | {v["expect"]["error"] for v in models if "error" in v["expect"]})
    diagnosis = json.loads(outputs[HERE / "diagnosis.json"])["vectors"]
    print("reference: %d signing vectors (%d passing), %d verification vectors, %d model vectors, "
          "%d diagnosis vectors; "
          "%d signing/verification vectors expect an error; codes covered: %s"
          % (len(signing), sum(1 for v in signing if "sign" in v["expect"]), len(verification), len(models),
             len(diagnosis), errors,
             ", ".join(codes)))
    if stale:
        sys.exit("stale vector files (run python3 tests/vectors/reference.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
