#![doc = include_str!("../README.md")]

mod body;
mod error;
#[cfg(feature = "models")]
mod models;
mod signing;
#[cfg(test)]
mod tests;
mod types;
mod verifier;

use wasm_bindgen::prelude::*;

pub use crate::error::*;
#[cfg(feature = "models")]
pub use crate::models::*;
pub use crate::signing::*;
pub use crate::types::*;
pub use crate::verifier::*;

/// The `ErrorCode` union, generated from the core's codes (see [`error::typescript`]).
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODE_TYPE: &str = error::typescript::ERROR_CODE_TYPE;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
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
"#;
