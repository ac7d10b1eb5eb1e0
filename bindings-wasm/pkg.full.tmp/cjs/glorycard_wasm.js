/* @ts-self-types="./glorycard_wasm.d.ts" */

/**
 * Signs request bodies for one account (`sid`) with its secret key.
 */
class Signer {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        SignerFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_signer_free(ptr, 0);
    }
    /**
     * A signer for `sid` with `key`. The key stays inside the module (it is never
     * readable from JavaScript again, and is zeroized when `free()` is called).
     * @param {string} sid
     * @param {string} key
     */
    constructor(sid, key) {
        const ret = wasm.signer_new(sid, key);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0];
        SignerFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * The account id.
     * @returns {string}
     */
    get sid() {
        let deferred2_0;
        let deferred2_1;
        try {
            const ret = wasm.signer_sid(this.__wbg_ptr);
            var ptr1 = ret[0];
            var len1 = ret[1];
            if (ret[3]) {
                ptr1 = 0; len1 = 0;
                throw takeFromExternrefTable0(ret[2]);
            }
            deferred2_0 = ptr1;
            deferred2_1 = len1;
            return getStringFromWasm0(ptr1, len1);
        } finally {
            wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
        }
    }
    /**
     * @deprecated Use `sign` (the name every glorycard binding uses); this is the same.
     * @param {Body} body
     * @param {string | null} [timestamp]
     * @returns {SignedHeaders}
     */
    signRequest(body, timestamp) {
        const ret = wasm.signer_signRequest(this.__wbg_ptr, body, isLikeNone(timestamp) ? 0 : addToExternrefTable0(timestamp));
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * The `sid`, `timestamp` and `sign` headers for `body` (sent exactly as given when
     * it is a string), at `timestamp` or, when it is omitted, now (UTC+8).
     * @param {Body} body
     * @param {string | null} [timestamp]
     * @returns {SignedHeaders}
     */
    sign(body, timestamp) {
        const ret = wasm.signer_sign(this.__wbg_ptr, body, isLikeNone(timestamp) ? 0 : addToExternrefTable0(timestamp));
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
}
if (Symbol.dispose) Signer.prototype[Symbol.dispose] = Signer.prototype.free;
exports.Signer = Signer;

/**
 * Verifies signed requests or responses, as the core's `Verifier`: keys looked up by
 * `sid` (several per sid for a rotation), a skew window around now, optional replay
 * refusal, constant-time comparison.
 */
class Verifier {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        VerifierFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_verifier_free(ptr, 0);
    }
    /**
     * The allowed skew in seconds.
     * @returns {number}
     */
    get maxSkewSeconds() {
        const ret = wasm.verifier_maxSkewSeconds(this.__wbg_ptr);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return ret[0];
    }
    /**
     * A verifier configured by `options`.
     * @param {VerifierOptions} options
     */
    constructor(options) {
        const ret = wasm.verifier_new(options);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        this.__wbg_ptr = ret[0];
        VerifierFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Verifies with the headers of an HTTP message (`sid`, `timestamp`, `sign`, names
     * in any case); a missing one throws `missing_header`, a repeated one (two names
     * that differ only in case, an array of values, repeated pairs)
     * `duplicate_header`.
     * @param {HeadersInput} headers
     * @param {Body} body
     * @returns {Verified}
     */
    verifyHeaders(headers, body) {
        const ret = wasm.verifier_verifyHeaders(this.__wbg_ptr, headers, body);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
    /**
     * Verifies `body` (the exact received text or bytes) against the received header
     * values. Throws the first failure with its code: `unknown_sid`,
     * `invalid_timestamp`, `timestamp_out_of_window`, `invalid_signature_format`, a
     * body error, `signature_mismatch`, `replayed`.
     * @param {string} sid
     * @param {string} timestamp
     * @param {string} sign
     * @param {Body} body
     * @returns {Verified}
     */
    verify(sid, timestamp, sign, body) {
        const ret = wasm.verifier_verify(this.__wbg_ptr, sid, timestamp, sign, body);
        if (ret[2]) {
            throw takeFromExternrefTable0(ret[1]);
        }
        return takeFromExternrefTable0(ret[0]);
    }
}
if (Symbol.dispose) Verifier.prototype[Symbol.dispose] = Verifier.prototype.free;
exports.Verifier = Verifier;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {Cancellation}
 */
function cancellationFromJson(json) {
    const ret = wasm.cancellationFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.cancellationFromJson = cancellationFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {Cancellation} model
 * @returns {string}
 */
function cancellationToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.cancellationToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.cancellationToJson = cancellationToJson;

/**
 * STRINGA, the canonical form of `body`.
 * @param {Body} body
 * @returns {string}
 */
function canonicalize(body) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.canonicalize(body);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.canonicalize = canonicalize;

/**
 * The model time `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8) of a `Date`'s
 * instant (its local zone plays no part; fractions of a second are dropped). An Invalid
 * Date or a value that is not a `Date` throws a `TypeError`.
 * @param {Date} date
 * @returns {string}
 */
function chinaTime(date) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.chinaTime(date);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.chinaTime = chinaTime;

/**
 * Now, from JavaScript's clock, as a model time `yyyy-MM-dd HH:mm:ss` (`deductionTime`,
 * a cancellation's time) in China Standard Time (UTC+8) whatever the host's time zone.
 * `new Date()` formatted with local getters on a host in UTC is eight hours off.
 * @returns {string}
 */
function chinaTimeNow() {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.chinaTimeNow();
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.chinaTimeNow = chinaTimeNow;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {DeductCheckRecord}
 */
function deductCheckRecordFromJson(json) {
    const ret = wasm.deductCheckRecordFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.deductCheckRecordFromJson = deductCheckRecordFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {DeductCheckRecord} model
 * @returns {string}
 */
function deductCheckRecordToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.deductCheckRecordToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.deductCheckRecordToJson = deductCheckRecordToJson;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {DeductCheckRequest}
 */
function deductCheckRequestFromJson(json) {
    const ret = wasm.deductCheckRequestFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.deductCheckRequestFromJson = deductCheckRequestFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {DeductCheckRequest} model
 * @returns {string}
 */
function deductCheckRequestToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.deductCheckRequestToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.deductCheckRequestToJson = deductCheckRequestToJson;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {Deduction}
 */
function deductionFromJson(json) {
    const ret = wasm.deductionFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.deductionFromJson = deductionFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {Deduction} model
 * @returns {string}
 */
function deductionToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.deductionToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.deductionToJson = deductionToJson;

/**
 * Compares a received `sign` with `body`, `key` and `timestamp`; on a mismatch, names
 * the common departure from the rules (numbers as written, empty values kept,
 * lower-case MD5, STRINGSignTemp hashed as GBK bytes, ...) that produces it, if one
 * does, in English (`departure`) and Chinese (`departureZh`).
 * @param {Body} body
 * @param {string} key
 * @param {string} timestamp
 * @param {string} sign
 * @returns {Diagnosis}
 */
function diagnose(body, key, timestamp, sign) {
    const ret = wasm.diagnose(body, key, timestamp, sign);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.diagnose = diagnose;

/**
 * The stable codes of the core's errors (the `code` of a thrown error is one of these,
 * or `invalid_argument` / `internal` / `not_initialized`).
 * @returns {ErrorCode[]}
 */
function errorCodes() {
    const ret = wasm.errorCodes();
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.errorCodes = errorCodes;

/**
 * Every stage of signing `body`: STRINGA, STRINGSignTemp with the key masked, the
 * upper-case MD5 and the sign, for finding out why two sides disagree.
 * @param {Body} body
 * @param {string} key
 * @param {string} timestamp
 * @returns {Explanation}
 */
function explain(body, key, timestamp) {
    const ret = wasm.explain(body, key, timestamp);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.explain = explain;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {RosterPageRequest}
 */
function rosterPageRequestFromJson(json) {
    const ret = wasm.rosterPageRequestFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.rosterPageRequestFromJson = rosterPageRequestFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {RosterPageRequest} model
 * @returns {string}
 */
function rosterPageRequestToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.rosterPageRequestToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.rosterPageRequestToJson = rosterPageRequestToJson;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 * @param {string | Uint8Array} json
 * @returns {RosterRecord}
 */
function rosterRecordFromJson(json) {
    const ret = wasm.rosterRecordFromJson(json);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return takeFromExternrefTable0(ret[0]);
}
exports.rosterRecordFromJson = rosterRecordFromJson;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 * @param {RosterRecord} model
 * @returns {string}
 */
function rosterRecordToJson(model) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.rosterRecordToJson(model);
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.rosterRecordToJson = rosterRecordToJson;

/**
 * The sign of `body` with `key` at `timestamp` (14 digits, UTC+8) or, when it is
 * omitted, now in China time (as `timestampNow()`, whatever the host's time zone): 64
 * lower-case hex digits. Send the same timestamp in the `timestamp` header.
 * @param {Body} body
 * @param {string} key
 * @param {string | null} [timestamp]
 * @returns {string}
 */
function sign(body, key, timestamp) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.sign(body, key, isLikeNone(timestamp) ? 0 : addToExternrefTable0(timestamp));
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.sign = sign;

/**
 * Runs when the module is instantiated.
 */
function start() {
    wasm.start();
}
exports.start = start;

/**
 * Now, from JavaScript's clock, as a 14-digit timestamp in China Standard Time (UTC+8)
 * whatever the host's time zone.
 * @returns {string}
 */
function timestampNow() {
    let deferred2_0;
    let deferred2_1;
    try {
        const ret = wasm.timestampNow();
        var ptr1 = ret[0];
        var len1 = ret[1];
        if (ret[3]) {
            ptr1 = 0; len1 = 0;
            throw takeFromExternrefTable0(ret[2]);
        }
        deferred2_0 = ptr1;
        deferred2_1 = len1;
        return getStringFromWasm0(ptr1, len1);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
}
exports.timestampNow = timestampNow;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 * @param {Cancellation} model
 */
function validateCancellation(model) {
    const ret = wasm.validateCancellation(model);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}
exports.validateCancellation = validateCancellation;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 * @param {DeductCheckRecord} model
 */
function validateDeductCheckRecord(model) {
    const ret = wasm.validateDeductCheckRecord(model);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}
exports.validateDeductCheckRecord = validateDeductCheckRecord;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 * @param {DeductCheckRequest} model
 */
function validateDeductCheckRequest(model) {
    const ret = wasm.validateDeductCheckRequest(model);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}
exports.validateDeductCheckRequest = validateDeductCheckRequest;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 * @param {Deduction} model
 */
function validateDeduction(model) {
    const ret = wasm.validateDeduction(model);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}
exports.validateDeduction = validateDeduction;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 * @param {RosterPageRequest} model
 */
function validateRosterPageRequest(model) {
    const ret = wasm.validateRosterPageRequest(model);
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}
exports.validateRosterPageRequest = validateRosterPageRequest;

/**
 * Whether `sign` (64 hex digits, either case) is the sign of `body` with `key` at
 * `timestamp`, compared in constant time. A clean mismatch is `false`; a malformed
 * body, timestamp or sign throws.
 * @param {Body} body
 * @param {string} key
 * @param {string} timestamp
 * @param {string} sign
 * @returns {boolean}
 */
function verify(body, key, timestamp, sign) {
    const ret = wasm.verify(body, key, timestamp, sign);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return ret[0] !== 0;
}
exports.verify = verify;
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_Error_30c8987f7c2ed4e2: function(arg0, arg1) {
            const ret = Error(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg_Number_14af1003b8dd5ead: function(arg0) {
            const ret = Number(arg0);
            return ret;
        },
        __wbg_String_8564e559799eccda: function(arg0, arg1) {
            const ret = String(arg1);
            const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32(arg0 + 4 * 1, len1, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, ptr1, true);
        },
        __wbg___wbindgen_bigint_get_as_i64_a2383202b9353e4c: function(arg0, arg1) {
            const v = arg1;
            const ret = typeof(v) === 'bigint' ? v : undefined;
            getDataViewMemory0().setBigInt64(arg0 + 8 * 1, isLikeNone(ret) ? BigInt(0) : ret, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, !isLikeNone(ret), true);
        },
        __wbg___wbindgen_boolean_get_5b446f51afd21013: function(arg0) {
            const v = arg0;
            const ret = typeof(v) === 'boolean' ? v : undefined;
            return isLikeNone(ret) ? 0xFFFFFF : ret ? 1 : 0;
        },
        __wbg___wbindgen_debug_string_4687d8d8c2017d52: function(arg0, arg1) {
            const ret = debugString(arg1);
            const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32(arg0 + 4 * 1, len1, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, ptr1, true);
        },
        __wbg___wbindgen_in_92f62ee1427d9e49: function(arg0, arg1) {
            const ret = arg0 in arg1;
            return ret;
        },
        __wbg___wbindgen_is_bigint_b123553bed3bb382: function(arg0) {
            const ret = typeof(arg0) === 'bigint';
            return ret;
        },
        __wbg___wbindgen_is_falsy_16bd49b68658263e: function(arg0) {
            const ret = !arg0;
            return ret;
        },
        __wbg___wbindgen_is_function_1f9d30630b8b1d3d: function(arg0) {
            const ret = typeof(arg0) === 'function';
            return ret;
        },
        __wbg___wbindgen_is_null_e343b7d08827ba72: function(arg0) {
            const ret = arg0 === null;
            return ret;
        },
        __wbg___wbindgen_is_object_3c45d4f2dde4e749: function(arg0) {
            const val = arg0;
            const ret = typeof(val) === 'object' && val !== null;
            return ret;
        },
        __wbg___wbindgen_is_string_90b56bc79aad6f6c: function(arg0) {
            const ret = typeof(arg0) === 'string';
            return ret;
        },
        __wbg___wbindgen_is_symbol_3acc5de2aaea59b9: function(arg0) {
            const ret = typeof(arg0) === 'symbol';
            return ret;
        },
        __wbg___wbindgen_is_undefined_8865fb403f8fe9d8: function(arg0) {
            const ret = arg0 === undefined;
            return ret;
        },
        __wbg___wbindgen_jsval_eq_02babf21faa37971: function(arg0, arg1) {
            const ret = arg0 === arg1;
            return ret;
        },
        __wbg___wbindgen_jsval_loose_eq_677f21e468d6b461: function(arg0, arg1) {
            const ret = arg0 == arg1;
            return ret;
        },
        __wbg___wbindgen_number_get_2e0e7dee9f701a71: function(arg0, arg1) {
            const obj = arg1;
            const ret = typeof(obj) === 'number' ? obj : undefined;
            getDataViewMemory0().setFloat64(arg0 + 8 * 1, isLikeNone(ret) ? 0 : ret, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, !isLikeNone(ret), true);
        },
        __wbg___wbindgen_rethrow_cb2e88c6b2a16733: function(arg0) {
            throw arg0;
        },
        __wbg___wbindgen_string_get_0380ccaa2f57f0d9: function(arg0, arg1) {
            const obj = arg1;
            const ret = typeof(obj) === 'string' ? obj : undefined;
            var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            var len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32(arg0 + 4 * 1, len1, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, ptr1, true);
        },
        __wbg___wbindgen_throw_41e9ee4f547fc59a: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        __wbg___wbindgen_typeof_e777a26e115d416b: function(arg0) {
            const ret = typeof arg0;
            return ret;
        },
        __wbg_call_6137034ef55c9d0f: function() { return handleError(function (arg0, arg1) {
            const ret = arg0.call(arg1);
            return ret;
        }, arguments); },
        __wbg_done_b41a1d26cdb37fb6: function(arg0) {
            const ret = arg0.done;
            return ret;
        },
        __wbg_entries_fb6397112b1de25f: function(arg0) {
            const ret = Object.entries(arg0);
            return ret;
        },
        __wbg_getPrototypeOf_4e7d85b5bf38d546: function() { return handleError(function (arg0) {
            const ret = Reflect.getPrototypeOf(arg0);
            return ret;
        }, arguments); },
        __wbg_get_31af05bd4842a84f: function() { return handleError(function (arg0, arg1) {
            const ret = Reflect.get(arg0, arg1);
            return ret;
        }, arguments); },
        __wbg_get_658f6698067d9515: function() { return handleError(function (arg0, arg1) {
            const ret = Reflect.get(arg0, arg1);
            return ret;
        }, arguments); },
        __wbg_get_6c896e0571ddae51: function(arg0, arg1) {
            const ret = arg0[arg1 >>> 0];
            return ret;
        },
        __wbg_get_806853698d9fc227: function() { return handleError(function (arg0, arg1) {
            const ret = Reflect.get(arg0, arg1 >>> 0);
            return ret;
        }, arguments); },
        __wbg_get_unchecked_288889d017702237: function(arg0, arg1) {
            const ret = arg0[arg1 >>> 0];
            return ret;
        },
        __wbg_get_with_ref_key_6412cf3094599694: function(arg0, arg1) {
            const ret = arg0[arg1];
            return ret;
        },
        __wbg_glorycardGb18030_995c80b6330a57af: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = glorycardGb18030(getStringFromWasm0(arg1, arg2));
            var ptr1 = isLikeNone(ret) ? 0 : passArray8ToWasm0(ret, wasm.__wbindgen_malloc);
            var len1 = WASM_VECTOR_LEN;
            getDataViewMemory0().setInt32(arg0 + 4 * 1, len1, true);
            getDataViewMemory0().setInt32(arg0 + 4 * 0, ptr1, true);
        }, arguments); },
        __wbg_instanceof_ArrayBuffer_a99f175873e5d9b8: function(arg0) {
            let result;
            try {
                result = arg0 instanceof ArrayBuffer;
            } catch (_) {
                result = false;
            }
            const ret = result;
            return ret;
        },
        __wbg_instanceof_Map_b2611749102d7ba3: function(arg0) {
            let result;
            try {
                result = arg0 instanceof Map;
            } catch (_) {
                result = false;
            }
            const ret = result;
            return ret;
        },
        __wbg_instanceof_Uint8Array_828cef2aaacafc31: function(arg0) {
            let result;
            try {
                result = arg0 instanceof Uint8Array;
            } catch (_) {
                result = false;
            }
            const ret = result;
            return ret;
        },
        __wbg_isArray_d7cb465ac9058102: function() { return handleError(function (arg0) {
            const ret = Array.isArray(arg0);
            return ret;
        }, arguments); },
        __wbg_isArray_e15a2ff68ffdbef2: function(arg0) {
            const ret = Array.isArray(arg0);
            return ret;
        },
        __wbg_isSafeInteger_717808ad6a54bd9e: function(arg0) {
            const ret = Number.isSafeInteger(arg0);
            return ret;
        },
        __wbg_iterator_e3c31c892080e444: function() {
            const ret = Symbol.iterator;
            return ret;
        },
        __wbg_keys_76a17474fb96a84d: function() { return handleError(function (arg0) {
            const ret = Object.keys(arg0);
            return ret;
        }, arguments); },
        __wbg_length_7f3c00c40364105e: function(arg0) {
            const ret = arg0.length;
            return ret;
        },
        __wbg_length_d4bdea10311bd9cf: function(arg0) {
            const ret = arg0.length;
            return ret;
        },
        __wbg_new_1dbf7428bba60a42: function(arg0) {
            const ret = new Uint8Array(arg0);
            return ret;
        },
        __wbg_new_28744009d011f847: function() {
            const ret = new Map();
            return ret;
        },
        __wbg_new_2bdcdfcebdfc34d2: function(arg0, arg1) {
            const ret = new TypeError(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg_new_2f0c455872a7873c: function(arg0, arg1, arg2, arg3) {
            const ret = new RegExp(getStringFromWasm0(arg0, arg1), getStringFromWasm0(arg2, arg3));
            return ret;
        },
        __wbg_new_343a093a3c2ffb4e: function(arg0, arg1) {
            const ret = new Error(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg_new_45fd9dc3e961b3b3: function() { return handleError(function (arg0) {
            const ret = new Uint8Array(arg0);
            return ret;
        }, arguments); },
        __wbg_new_617a8cdb8bb1130e: function() {
            const ret = new Object();
            return ret;
        },
        __wbg_new_ee2291f50781bf1d: function() {
            const ret = new Array();
            return ret;
        },
        __wbg_next_33784799010f1bbe: function(arg0) {
            const ret = arg0.next;
            return ret;
        },
        __wbg_next_f4aac29c42af995c: function() { return handleError(function (arg0) {
            const ret = arg0.next();
            return ret;
        }, arguments); },
        __wbg_now_aa4ccb83129e9e55: function() {
            const ret = Date.now();
            return ret;
        },
        __wbg_parse_0fc53dead14b3b42: function() { return handleError(function (arg0, arg1) {
            const ret = JSON.parse(getStringFromWasm0(arg0, arg1));
            return ret;
        }, arguments); },
        __wbg_prototypegetTimecall_fe33400250bcbafb: function() { return handleError(function (arg0) {
            const ret = Date.prototype.getTime.call(arg0);
            return ret;
        }, arguments); },
        __wbg_prototypesetcall_bc27214492979395: function(arg0, arg1, arg2) {
            Uint8Array.prototype.set.call(getArrayU8FromWasm0(arg0, arg1), arg2);
        },
        __wbg_push_2baf45db356cf468: function(arg0, arg1) {
            const ret = arg0.push(arg1);
            return ret;
        },
        __wbg_search_9cf5002ecfca6094: function(arg0, arg1) {
            const ret = arg0.search(arg1);
            return ret;
        },
        __wbg_set_145a351398b48c65: function() { return handleError(function (arg0, arg1, arg2) {
            const ret = Reflect.set(arg0, arg1, arg2);
            return ret;
        }, arguments); },
        __wbg_set_6ae97e73113c4f0b: function(arg0, arg1, arg2) {
            const ret = arg0.set(arg1, arg2);
            return ret;
        },
        __wbg_set_6be42768c690e380: function(arg0, arg1, arg2) {
            arg0[arg1] = arg2;
        },
        __wbg_set_name_2c630595dc90a7aa: function(arg0, arg1, arg2) {
            arg0.name = getStringFromWasm0(arg1, arg2);
        },
        __wbg_stringify_52ff602c1cc4fbb6: function() { return handleError(function (arg0) {
            const ret = JSON.stringify(arg0);
            return ret;
        }, arguments); },
        __wbg_stringify_55e8a90d5193b091: function() { return handleError(function (arg0) {
            const ret = JSON.stringify(arg0);
            return ret;
        }, arguments); },
        __wbg_toString_3e46331018353800: function() { return handleError(function (arg0, arg1) {
            const ret = arg0.toString(arg1);
            return ret;
        }, arguments); },
        __wbg_toString_aad181a510c306d8: function() { return handleError(function (arg0, arg1) {
            const ret = arg0.toString(arg1);
            return ret;
        }, arguments); },
        __wbg_value_f3c585ee8f5ba40c: function(arg0) {
            const ret = arg0.value;
            return ret;
        },
        __wbindgen_generic_0000000000000001: function(arg0) {
            // Cast intrinsic for `F64 -> Externref`.
            const ret = arg0;
            return ret;
        },
        __wbindgen_generic_0000000000000002: function(arg0) {
            // Cast intrinsic for `I64 -> Externref`.
            const ret = arg0;
            return ret;
        },
        __wbindgen_generic_0000000000000003: function(arg0, arg1) {
            // Cast intrinsic for `Ref(String) -> Externref`.
            const ret = getStringFromWasm0(arg0, arg1);
            return ret;
        },
        __wbindgen_generic_0000000000000004: function(arg0) {
            // Cast intrinsic for `U64 -> Externref`.
            const ret = BigInt.asUintN(64, arg0);
            return ret;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            const offset = table.grow(4);
            table.set(0, undefined);
            table.set(offset + 0, undefined);
            table.set(offset + 1, null);
            table.set(offset + 2, true);
            table.set(offset + 3, false);
        },
    };
    return {
        __proto__: null,
        "./glorycard_wasm_bg.js": import0,
    };
}

const SignerFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_signer_free(ptr, 1));
const VerifierFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_verifier_free(ptr, 1));

function addToExternrefTable0(obj) {
    const idx = wasm.__externref_table_alloc();
    wasm.__wbindgen_externrefs.set(idx, obj);
    return idx;
}

function debugString(val) {
    // primitive types
    const type = typeof val;
    if (type == 'number' || type == 'boolean' || val == null) {
        return  `${val}`;
    }
    if (type == 'string') {
        return `"${val}"`;
    }
    if (type == 'symbol') {
        const description = val.description;
        if (description == null) {
            return 'Symbol';
        } else {
            return `Symbol(${description})`;
        }
    }
    if (type == 'function') {
        const name = val.name;
        if (typeof name == 'string' && name.length > 0) {
            return `Function(${name})`;
        } else {
            return 'Function';
        }
    }
    // objects
    if (Array.isArray(val)) {
        const length = val.length;
        let debug = '[';
        if (length > 0) {
            debug += debugString(val[0]);
        }
        for(let i = 1; i < length; i++) {
            debug += ', ' + debugString(val[i]);
        }
        debug += ']';
        return debug;
    }
    // Test for built-in
    const builtInMatches = /\[object ([^\]]+)\]/.exec(toString.call(val));
    let className;
    if (builtInMatches && builtInMatches.length > 1) {
        className = builtInMatches[1];
    } else {
        // Failed to match the standard '[object ClassName]'
        return toString.call(val);
    }
    if (className == 'Object') {
        // we're a user defined class or Object
        // JSON.stringify avoids problems with cycles, and is generally much
        // easier than looping through ownProperties of `val`.
        try {
            return 'Object(' + JSON.stringify(val) + ')';
        } catch (_) {
            return 'Object';
        }
    }
    // errors
    if (val instanceof Error) {
        return `${val.name}: ${val.message}\n${val.stack}`;
    }
    // TODO we could test for more things here, like `Set`s and `Map`s.
    return className;
}

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

function getStringFromWasm0(ptr, len) {
    return decodeText(ptr >>> 0, len);
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function handleError(f, args) {
    try {
        return f.apply(this, args);
    } catch (e) {
        const idx = addToExternrefTable0(e);
        wasm.__wbindgen_exn_store(idx);
    }
}

function isLikeNone(x) {
    return x === undefined || x === null;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
cachedTextDecoder.decode();
function decodeText(ptr, len) {
    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

const wasmPath = `${__dirname}/glorycard_wasm_bg.wasm`;
const wasmBytes = require('fs').readFileSync(wasmPath);
const wasmModule = new WebAssembly.Module(wasmBytes);
let wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports());
let wasm = wasmInstance.exports;
wasm.__wbindgen_start();
