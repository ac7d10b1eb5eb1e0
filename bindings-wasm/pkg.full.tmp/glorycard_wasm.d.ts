/* tslint:disable */
/* eslint-disable */

/** Any value a JSON body can hold, as a plain JavaScript value. A `number` is signed as
 * its shortest round-trip decimal (`0.1`, `10.5`, `1e21` → `1000000000000000000000`),
 * a `bigint` from its exact digits. */
export type JsonValue = string | number | boolean | null | bigint | readonly JsonValue[] | JsonObject;

/** A plain object (made by `{...}`, `JSON.parse` or `Object.create(null)`). */
export interface JsonObject {
    readonly [key: string]: JsonValue;
}

/** A body to sign: JSON text (signed from its exact text, as sent), its exact bytes
 * (for example a Node `Buffer` as received), a plain object or array (written as JSON
 * per canonical-form.md section 3; the top level must be an object), or one of the
 * package's models (`Deduction`, ... of `glorycard-wasm/full`). */
export type Body = string | Uint8Array | JsonObject | readonly JsonValue[] | Model;

/** What every function of this package throws: a real `Error` (a `TypeError` for
 * `invalid_argument`) with a stable `code`. Messages never contain the key. */
export interface GlorycardError extends Error {
    readonly code: ErrorCode;
    /** The message in Chinese (简体中文), from the core beside each code; `message` stays
     * English, and `code` is the same in both. */
    readonly messageZh: string;
    /** Byte offset into the body (UTF-8) for body errors that have one, e.g. `invalid_json`. */
    readonly offset?: number;
    /** The field a validation error names. */
    readonly field?: string;
}

/** Every stage of signing one body. */
export interface Explanation {
    /** STRINGA: the sorted `name=value` pairs joined with `&`. */
    readonly stringA: string;
    /** STRINGSignTemp with the key replaced by `***`. */
    readonly stringSignTempMasked: string;
    /** Upper-case hex MD5 of STRINGSignTemp (the HMAC's message). */
    readonly md5Upper: string;
    /** @deprecated Use `md5Upper` (the name every glorycard binding uses); the same value. */
    readonly md5: string;
    /** The sign: 64 lower-case hex digits. */
    readonly sign: string;
    /** The timestamp signed with (14 digits, UTC+8). */
    readonly timestamp: string;
}

/** The result of comparing a received sign with the body, key and timestamp. */
export interface Diagnosis {
    /** True when the received sign is the right one. */
    readonly match: boolean;
    /** On a mismatch, the common departure from the rules that produces the received
     * sign (e.g. numbers signed as written), or `null` when none does: then the key,
     * the timestamp or the body's bytes differ. Always `null` on a match. */
    readonly departure: string | null;
    /** `departure` in Chinese (简体中文), `null` when it is. */
    readonly departureZh: string | null;
}

/** The three headers of a signed request. */
export interface SignedHeaders {
    readonly sid: string;
    readonly timestamp: string;
    readonly sign: string;
}

/** What a successful verification established. */
export interface Verified {
    readonly sid: string;
    readonly timestamp: string;
    /** Which of the sid's keys matched (0 = the first configured), to watch a rotation. */
    readonly keyIndex: number;
}

/** How a `Verifier` is configured. */
export interface VerifierOptions {
    /** The keys of each sid, in order (several during a key rotation). */
    readonly keys: Readonly<Record<string, string | readonly string[]>>;
    /** Allowed distance of a timestamp from now, in seconds (default 300). */
    readonly maxSkewSeconds?: number;
    /** Refuse a (sid, timestamp, sign) already accepted: `true` remembers up to 100,000,
     * a number sets that capacity (size it for the request rate times 2 × skew). */
    readonly replayCache?: boolean | number;
    /** Now, as milliseconds since the Unix epoch or a `Date` (default: `Date.now()`). */
    readonly clock?: () => number | Date;
}

/** Received headers: a plain object (Node's `req.headers`), a fetch `Headers`, a `Map`
 * or any iterable of name/value pairs. Names are compared case-insensitively. */
export type HeadersInput =
| Readonly<Record<string, string | readonly string[] | undefined>>
| HeaderPairs;

/** Whether `error` was thrown by this package: an `Error` whose `code` is one of
 * `ErrorCode`. Never throws, whatever `error` is, before or after `init()`. */
export function isGlorycardError(error: unknown): error is GlorycardError;

// `Symbol.iterator` and `Symbol.dispose` are read from the program's own `lib` (through
// `typeof globalThis`), so that these declarations compile whatever `lib` a project
// sets (`Iterable` needs ES2015, `Symbol.dispose` esnext.disposable): a member whose
// symbol the lib lacks is left out.
type GlobalSymbol = typeof globalThis extends { Symbol: infer S } ? S : {};
type IteratorKey = GlobalSymbol extends { readonly iterator: infer K extends PropertyKey } ? K : never;
type DisposeKey = GlobalSymbol extends { readonly dispose: infer K extends PropertyKey } ? K : never;
/** Any iterable of name/value pairs (`Iterable<readonly [string, string]>`). */
export type HeaderPairs = {
    readonly [K in IteratorKey]: () => { next(): { done?: boolean; value: readonly [string, string] | undefined } };
};
/** `[Symbol.dispose]()` (the same as `free()`), where the lib declares `Symbol.dispose`. */
export type DisposeMethod = { [K in DisposeKey]: () => void };



/** The stable code of every error this package throws: the core's codes, plus
 * `invalid_argument` (a JavaScript argument of the wrong type, a `TypeError`) and
 * `internal` (an unexpected panic inside the module, a bug: from then on every call
 * throws `internal` until the module is reloaded) and `not_initialized` (a call
 * before `await init()` resolved, in a browser or a bundle). */
export type ErrorCode =
| "invalid_json"
| "invalid_utf8"
| "not_an_object"
| "duplicate_key"
| "name_collision"
| "too_deep"
| "number_out_of_range"
| "invalid_value"
| "body_too_large"
| "stringa_too_long"
| "invalid_timestamp"
| "invalid_signature_format"
| "signature_mismatch"
| "timestamp_out_of_window"
| "replayed"
| "replay_cache_full"
| "replay_cache_unavailable"
| "unknown_sid"
| "missing_header"
| "duplicate_header"
| "empty_key"
| "invalid_field"
| "serialization"
| "invalid_argument"
| "internal"
| "not_initialized";


/**
 * A holder's name (`certName`, personal data). `Debug` prints [`mask_cert_name`]'s form.
 */
export type CertName = string;

/**
 * An identity document number (`certNo`, personal data). `Debug` prints
 * [`mask_cert_no`]'s form.
 *
 * ```
 * let no = glorycard_core::models::CertNo::new("11010519491231002X");
 * assert_eq!(format!("{no:?}"), "\"11**************2X\"");
 * assert_eq!(no, "11010519491231002X");
 * ```
 */
export type CertNo = string;

/**
 * One holder in a `store/all` page. `certNo` may arrive masked (`331166*****777X`).
 */
export interface RosterRecord {
    /**
     * Identity document type.
     */
    certType: CertType;
    /**
     * Identity document number (personal data).
     */
    certNo: CertNo;
    /**
     * Holder's name (personal data).
     */
    certName: CertName;
    /**
     * Card type.
     */
    gloryType: GloryType;
    /**
     * The card's serial number.
     */
    gloryID: number;
    /**
     * The record's serial number; pages are ordered by it.
     */
    dataID: number;
}

/**
 * One record answered to `deductCheck`: every deduct field plus `status` and `cancelTime`.
 */
export interface DeductCheckRecord extends Deduction {
    /**
     * `1` deducted, `0` cancelled.
     */
    status: DeductionStatus;
    /**
     * When it was cancelled; required when `status` is `0`.
     */
    cancelTime?: string;
}

/**
 * `deductCheck` request, from the platform to the institution. The two time fields'
 * names differ in form (`deductTimeStart`, `deductionTimeEnd`): that is the document's.
 */
export interface DeductCheckRequest {
    /**
     * The institution's code.
     */
    orgCode: string;
    /**
     * Start of the window, `yyyy-MM-dd HH:mm:ss`.
     */
    deductTimeStart: string;
    /**
     * End of the window, `yyyy-MM-dd HH:mm:ss`.
     */
    deductionTimeEnd: string;
}

/**
 * `store/all` request: records with `dataID` greater than this one.
 */
export interface RosterPageRequest {
    /**
     * The largest `dataID` seen so far (0 to start).
     */
    dataID: number;
    /**
     * The institution's code.
     */
    orgCode: string;
}

/**
 * `store/deductCancel` request.
 */
export interface Cancellation {
    /**
     * The institution's code.
     */
    orgCode: string;
    /**
     * The id of the deduction to cancel.
     */
    deductionID: string;
    /**
     * When it was cancelled, `yyyy-MM-dd HH:mm:ss` (UTC+8). The wire name is the
     * document's: `deductionTime`; errors name it [`Cancellation::CANCEL_TIME`].
     */
    deductionTime: string;
}

/**
 * `store/deduct` request: one deduction granted to a holder.
 */
export interface Deduction {
    /**
     * The institution's code.
     */
    orgCode: string;
    /**
     * Identity document type.
     */
    certType: CertType;
    /**
     * Identity document number (personal data).
     */
    certNo: CertNo;
    /**
     * Holder's name (personal data).
     */
    certName: CertName;
    /**
     * The business-unique id of this deduction (what makes a retry safe).
     */
    deductionID: string;
    /**
     * Total fee in yuan, exactly two decimals (`"10.00"`).
     */
    totalFee: string;
    /**
     * Waived amount in yuan, exactly two decimals, at most `totalFee`.
     */
    deductionFee: string;
    /**
     * When it was granted, `yyyy-MM-dd HH:mm:ss` (UTC+8).
     */
    deductionTime: string;
    /**
     * Card type.
     */
    gloryType: GloryType;
    /**
     * What the fee was for.
     */
    deductionType: DeductionType;
    /**
     * Optional remarks.
     */
    remarks?: string;
}

/** `CertType` codes of the data dictionary (platform-api.zh.md). */
export type CertType = "0" | "1" | "2" | "3" | "4" | "5" | "6" | (string & {});


/** `DeductionStatus` codes of the data dictionary (platform-api.zh.md). */
export type DeductionStatus = "0" | "1" | (string & {});


/** `DeductionType` codes of the data dictionary (platform-api.zh.md). */
export type DeductionType = "0" | "1" | "2" | (string & {});


/** `GloryType` codes of the data dictionary (platform-api.zh.md). */
export type GloryType = "1" | (string & {});


/** `ResponseFlag` codes of the data dictionary (platform-api.zh.md). */
export type ResponseFlag = "0" | "1" | (string & {});



/**
 * Signs request bodies for one account (`sid`) with its secret key.
 */
export class Signer {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * A signer for `sid` with `key`. The key stays inside the module (it is never
     * readable from JavaScript again, and is zeroized when `free()` is called).
     */
    constructor(sid: string, key: string);
    /**
     * @deprecated Use `sign` (the name every glorycard binding uses); this is the same.
     */
    signRequest(body: Body, timestamp?: string | null): SignedHeaders;
    /**
     * The `sid`, `timestamp` and `sign` headers for `body` (sent exactly as given when
     * it is a string), at `timestamp` or, when it is omitted, now (UTC+8).
     */
    sign(body: Body, timestamp?: string | null): SignedHeaders;
    /**
     * The account id.
     */
    readonly sid: string;
}

/**
 * Verifies signed requests or responses, as the core's `Verifier`: keys looked up by
 * `sid` (several per sid for a rotation), a skew window around now, optional replay
 * refusal, constant-time comparison.
 */
export class Verifier {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * A verifier configured by `options`.
     */
    constructor(options: VerifierOptions);
    /**
     * Verifies with the headers of an HTTP message (`sid`, `timestamp`, `sign`, names
     * in any case); a missing one throws `missing_header`, a repeated one (two names
     * that differ only in case, an array of values, repeated pairs)
     * `duplicate_header`.
     */
    verifyHeaders(headers: HeadersInput, body: Body): Verified;
    /**
     * Verifies `body` (the exact received text or bytes) against the received header
     * values. Throws the first failure with its code: `unknown_sid`,
     * `invalid_timestamp`, `timestamp_out_of_window`, `invalid_signature_format`, a
     * body error, `signature_mismatch`, `replayed`.
     */
    verify(sid: string, timestamp: string, sign: string, body: Body): Verified;
    /**
     * The allowed skew in seconds.
     */
    readonly maxSkewSeconds: number;
}

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function cancellationFromJson(json: string | Uint8Array): Cancellation;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function cancellationToJson(model: Cancellation): string;

/**
 * STRINGA, the canonical form of `body`.
 */
export function canonicalize(body: Body): string;

/**
 * The model time `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8) of a `Date`'s
 * instant (its local zone plays no part; fractions of a second are dropped). An Invalid
 * Date or a value that is not a `Date` throws a `TypeError`.
 */
export function chinaTime(date: Date): string;

/**
 * Now, from JavaScript's clock, as a model time `yyyy-MM-dd HH:mm:ss` (`deductionTime`,
 * a cancellation's time) in China Standard Time (UTC+8) whatever the host's time zone.
 * `new Date()` formatted with local getters on a host in UTC is eight hours off.
 */
export function chinaTimeNow(): string;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function deductCheckRecordFromJson(json: string | Uint8Array): DeductCheckRecord;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function deductCheckRecordToJson(model: DeductCheckRecord): string;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function deductCheckRequestFromJson(json: string | Uint8Array): DeductCheckRequest;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function deductCheckRequestToJson(model: DeductCheckRequest): string;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function deductionFromJson(json: string | Uint8Array): Deduction;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function deductionToJson(model: Deduction): string;

/**
 * Compares a received `sign` with `body`, `key` and `timestamp`; on a mismatch, names
 * the common departure from the rules (numbers as written, empty values kept,
 * lower-case MD5, STRINGSignTemp hashed as GBK bytes, ...) that produces it, if one
 * does, in English (`departure`) and Chinese (`departureZh`).
 */
export function diagnose(body: Body, key: string, timestamp: string, sign: string): Diagnosis;

/**
 * The stable codes of the core's errors (the `code` of a thrown error is one of these,
 * or `invalid_argument` / `internal` / `not_initialized`).
 */
export function errorCodes(): ErrorCode[];

/**
 * Every stage of signing `body`: STRINGA, STRINGSignTemp with the key masked, the
 * upper-case MD5 and the sign, for finding out why two sides disagree.
 */
export function explain(body: Body, key: string, timestamp: string): Explanation;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function rosterPageRequestFromJson(json: string | Uint8Array): RosterPageRequest;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function rosterPageRequestToJson(model: RosterPageRequest): string;

/**
 * Reads the model from JSON text (`string` or `Uint8Array`); not validated.
 */
export function rosterRecordFromJson(json: string | Uint8Array): RosterRecord;

/**
 * The JSON text (wire names) of the model: the exact body to send and sign.
 */
export function rosterRecordToJson(model: RosterRecord): string;

/**
 * The sign of `body` with `key` at `timestamp` (14 digits, UTC+8) or, when it is
 * omitted, now in China time (as `timestampNow()`, whatever the host's time zone): 64
 * lower-case hex digits. Send the same timestamp in the `timestamp` header.
 */
export function sign(body: Body, key: string, timestamp?: string | null): string;

/**
 * Runs when the module is instantiated.
 */
export function start(): void;

/**
 * Now, from JavaScript's clock, as a 14-digit timestamp in China Standard Time (UTC+8)
 * whatever the host's time zone.
 */
export function timestampNow(): string;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 */
export function validateCancellation(model: Cancellation): void;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 */
export function validateDeductCheckRecord(model: DeductCheckRecord): void;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 */
export function validateDeductCheckRequest(model: DeductCheckRequest): void;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 */
export function validateDeduction(model: Deduction): void;

/**
 * Checks every field as the platform requires; throws a `GlorycardError`
 * (code `invalid_field`, `field` the wire name of the first bad field).
 */
export function validateRosterPageRequest(model: RosterPageRequest): void;

/**
 * Whether `sign` (64 hex digits, either case) is the sign of `body` with `key` at
 * `timestamp`, compared in constant time. A clean mismatch is `false`; a malformed
 * body, timestamp or sign throws.
 */
export function verify(body: Body, key: string, timestamp: string, sign: string): boolean;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_signer_free: (a: number, b: number) => void;
    readonly __wbg_verifier_free: (a: number, b: number) => void;
    readonly cancellationFromJson: (a: unknown) => [number, number, number];
    readonly cancellationToJson: (a: unknown) => [number, number, number, number];
    readonly canonicalize: (a: unknown) => [number, number, number, number];
    readonly chinaTime: (a: unknown) => [number, number, number, number];
    readonly chinaTimeNow: () => [number, number, number, number];
    readonly deductCheckRecordFromJson: (a: unknown) => [number, number, number];
    readonly deductCheckRecordToJson: (a: unknown) => [number, number, number, number];
    readonly deductCheckRequestFromJson: (a: unknown) => [number, number, number];
    readonly deductCheckRequestToJson: (a: unknown) => [number, number, number, number];
    readonly deductionFromJson: (a: unknown) => [number, number, number];
    readonly deductionToJson: (a: unknown) => [number, number, number, number];
    readonly diagnose: (a: unknown, b: unknown, c: unknown, d: unknown) => [number, number, number];
    readonly errorCodes: () => [number, number, number];
    readonly explain: (a: unknown, b: unknown, c: unknown) => [number, number, number];
    readonly rosterPageRequestFromJson: (a: unknown) => [number, number, number];
    readonly rosterPageRequestToJson: (a: unknown) => [number, number, number, number];
    readonly rosterRecordFromJson: (a: unknown) => [number, number, number];
    readonly rosterRecordToJson: (a: unknown) => [number, number, number, number];
    readonly sign: (a: unknown, b: unknown, c: number) => [number, number, number, number];
    readonly signer_new: (a: unknown, b: unknown) => [number, number, number];
    readonly signer_sid: (a: number) => [number, number, number, number];
    readonly signer_sign: (a: number, b: unknown, c: number) => [number, number, number];
    readonly signer_signRequest: (a: number, b: unknown, c: number) => [number, number, number];
    readonly start: () => void;
    readonly timestampNow: () => [number, number, number, number];
    readonly validateCancellation: (a: unknown) => [number, number];
    readonly validateDeductCheckRecord: (a: unknown) => [number, number];
    readonly validateDeductCheckRequest: (a: unknown) => [number, number];
    readonly validateDeduction: (a: unknown) => [number, number];
    readonly validateRosterPageRequest: (a: unknown) => [number, number];
    readonly verifier_maxSkewSeconds: (a: number) => [number, number, number];
    readonly verifier_new: (a: unknown) => [number, number, number];
    readonly verifier_verify: (a: number, b: unknown, c: unknown, d: unknown, e: unknown) => [number, number, number];
    readonly verifier_verifyHeaders: (a: number, b: unknown, c: unknown) => [number, number, number];
    readonly verify: (a: unknown, b: unknown, c: unknown, d: unknown) => [number, number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
