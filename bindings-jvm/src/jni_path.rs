//! The JNI path of the hot calls (signing, verification, STRINGA): JNI functions in the
//! same library as uniffi's, bound to `org.glorycard.NativeJni`'s native methods by
//! [`glorycard_jni_register`]. uniffi's Kotlin goes through JNA, which allocates several
//! native `Memory` blocks and `Structure`s per call (about 40 µs, see README.md,
//! Performance); here a `byte[]` body is read in place (`GetPrimitiveArrayCritical`),
//! strings cross as JNI strings, and an error is thrown as the facade's own exception class
//! of its family, with the same code and message as the uniffi path. Everything else stays
//! on uniffi.
//!
//! Every function catches panics (none are expected: the workspace denies them) and turns
//! one into a `java.lang.IllegalStateException`, so no unwinding crosses into the JVM; a
//! failure of the jni crate that left no Java exception pending throws one too, so no
//! function returns its placeholder (null, false) as an answer.
//! Local references are only made by the function's own frame, which the JVM frees when
//! it returns.
// `#[unsafe(no_mangle)]` on the registration function, and reading a pinned array as bytes,
// are the only unsafe code of the crate; each use says why it holds.
#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use glorycard_core as core;
use jni::JNIEnv;
use std::sync::Arc;

use std::ffi::c_void;

use jni::NativeMethod;
use jni::objects::{JByteArray, JClass, JObject, JObjectArray, JString, JValue, ReleaseMode};
use jni::sys::{JNI_FALSE, JNI_TRUE, jboolean, jclass, jint, jlong, jobject, jstring};

/// Calls that took the JNI path, for the test that proves it is taken.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// Why a call failed: the core's error, or the JVM's (an exception is then pending).
enum Failure {
    Core(core::Error),
    Jvm,
}

impl From<core::Error> for Failure {
    fn from(error: core::Error) -> Self {
        Failure::Core(error)
    }
}

impl From<jni::errors::Error> for Failure {
    fn from(_: jni::errors::Error) -> Self {
        Failure::Jvm
    }
}

/// Runs `call`, counting it; on failure throws and returns `fallback` (ignored by the JVM
/// once an exception is pending).
fn entry<'local, T>(
    env: &mut JNIEnv<'local>,
    fallback: T,
    call: impl FnOnce(&mut JNIEnv<'local>) -> Result<T, Failure>,
) -> T {
    CALLS.fetch_add(1, Ordering::Relaxed);
    match catch_unwind(AssertUnwindSafe(|| call(env))) {
        Ok(Ok(value)) => value,
        Ok(Err(Failure::Core(error))) => {
            throw_core(env, &error);
            fallback
        }
        Ok(Err(Failure::Jvm)) => {
            // The jni crate also fails without a Java exception (a null argument, a null
            // array element): one is thrown then, so that the fallback (a null `Verified`,
            // `false`) is never read as an answer.
            throw_unless_pending(env, "glorycard: a JNI call failed (a null argument?)");
            fallback
        }
        Err(_) => {
            throw_unless_pending(env, "glorycard: the native library failed unexpectedly");
            fallback
        }
    }
}

/// Throws `java.lang.IllegalStateException` with `message`, unless an exception is already
/// pending (the JVM's own, which says more).
fn throw_unless_pending(env: &mut JNIEnv<'_>, message: &str) {
    // When the check itself fails, throwing is the side that cannot fail open.
    if !env.exception_check().unwrap_or(false) {
        let _ = env.throw_new("java/lang/IllegalStateException", message);
    }
}

/// Throws the facade's exception for `error`.
fn throw_core(env: &mut JNIEnv<'_>, error: &core::Error) {
    throw_coded(
        env,
        error.code(),
        (&error.to_string(), &error.message_zh()),
        error.offset(),
        error.field(),
    );
}

/// Throws the facade's exception of `code`'s family, as the uniffi path
/// (`GlorycardException.of` in Errors.kt) does, with the message (in English and in
/// Chinese), body offset and field.
fn throw_coded(
    env: &mut JNIEnv<'_>,
    error_code: core::ErrorCode,
    (message, message_zh): (&str, &str),
    byte_offset: Option<usize>,
    field_name: Option<&str>,
) {
    // (code, message, messageZh): the constructors' parameters as Errors.kt declares them.
    const THREE: &str = "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V";
    let thrown: jni::errors::Result<()> = (|| {
        let code = JObject::from(env.new_string(error_code.as_str())?);
        let detail = JObject::from(env.new_string(message)?);
        let detail_zh = JObject::from(env.new_string(message_zh)?);
        let offset = match byte_offset {
            Some(offset) => env.new_object(
                "java/lang/Long",
                "(J)V",
                &[JValue::Long(i64::try_from(offset).unwrap_or(i64::MAX))],
            )?,
            None => JObject::null(),
        };
        let field = match field_name {
            Some(field) => JObject::from(env.new_string(field)?),
            None => JObject::null(),
        };
        let (code, detail, detail_zh) = (
            JValue::Object(&code),
            JValue::Object(&detail),
            JValue::Object(&detail_zh),
        );
        let exception = match error_code.family() {
            core::ErrorFamily::InvalidBody => env.new_object(
                "org/glorycard/InvalidBodyException",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/Long;Ljava/lang/String;)V",
                &[code, detail, JValue::Object(&offset), detail_zh],
            )?,
            core::ErrorFamily::InvalidTimestamp => env.new_object(
                "org/glorycard/InvalidTimestampException",
                THREE,
                &[code, detail, detail_zh],
            )?,
            core::ErrorFamily::Signature => {
                env.new_object("org/glorycard/SignatureException", THREE, &[code, detail, detail_zh])?
            }
            core::ErrorFamily::Validation => env.new_object(
                "org/glorycard/ValidationException",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V",
                &[code, detail, JValue::Object(&field), detail_zh],
            )?,
            core::ErrorFamily::Key => {
                env.new_object("org/glorycard/KeyException", THREE, &[code, detail, detail_zh])?
            }
            // ErrorFamily is non_exhaustive: a family added later is the base class.
            _ => env.new_object(
                "org/glorycard/GlorycardException",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/Long;Ljava/lang/String;ZLjava/lang/String;)V",
                &[
                    code,
                    detail,
                    JValue::Object(&offset),
                    JValue::Object(&field),
                    JValue::Bool(JNI_FALSE),
                    detail_zh,
                ],
            )?,
        };
        env.throw(jni::objects::JThrowable::from(exception))
    })();
    if thrown.is_err() {
        throw_unless_pending(env, error_code.as_str());
    }
}

fn text(env: &mut JNIEnv<'_>, string: &JString<'_>) -> Result<String, Failure> {
    // The jni crate decodes the JVM's modified UTF-8 (surrogate pairs, U+0000) into UTF-8.
    Ok(env.get_string(string)?.into())
}

fn timestamp(env: &mut JNIEnv<'_>, string: &JString<'_>) -> Result<core::Timestamp, Failure> {
    Ok(core::Timestamp::parse(&text(env, string)?)?)
}

/// Runs `read` over the bytes of `array`, in place where the JVM allows (a critical
/// region: no other JNI call may happen inside it, so every other argument is read first).
fn with_bytes<T>(
    env: &mut JNIEnv<'_>,
    array: &JByteArray<'_>,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, Failure> {
    // SAFETY: the elements are only read, inside this call, and no JNI call is made until
    // they are released (at the end of the block).
    let elements = unsafe { env.get_array_elements_critical(array, ReleaseMode::NoCopyBack)? };
    // SAFETY: `jbyte` is `i8`, of the size and alignment of `u8`; the slice lives as long as
    // `elements`, which outlives this borrow.
    let bytes =
        unsafe { std::slice::from_raw_parts(elements.as_ptr().cast::<u8>(), elements.len()) };
    Ok(read(bytes))
}

fn new_string(env: &mut JNIEnv<'_>, value: &str) -> Result<jstring, Failure> {
    Ok(env.new_string(value)?.into_raw())
}

/// `NativeJni.canonicalize(byte[])`: STRINGA.
extern "system" fn jni_canonicalize<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    body: JByteArray<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let string_a = with_bytes(env, &body, core::canonicalize)??;
        new_string(env, &string_a)
    })
}

/// `NativeJni.sign(byte[], String key, String timestamp)`: the sign, 64 hex digits.
extern "system" fn jni_sign<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    body: JByteArray<'local>,
    key: JString<'local>,
    timestamp: JString<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let key = core::SecretKey::new(text(env, &key)?);
        let timestamp = self::timestamp(env, &timestamp)?;
        let sign = with_bytes(env, &body, |bytes| core::sign_body(bytes, &key, &timestamp))??;
        new_string(env, &sign.to_string())
    })
}

/// `NativeJni.signNow(byte[], String key)`: the timestamp (now, UTC+8) followed by the sign.
extern "system" fn jni_sign_now<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    body: JByteArray<'local>,
    key: JString<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let key = core::SecretKey::new(text(env, &key)?);
        let timestamp = core::Timestamp::now();
        let sign = with_bytes(env, &body, |bytes| core::sign_body(bytes, &key, &timestamp))??;
        new_string(env, &format!("{timestamp}{sign}"))
    })
}

/// `NativeJni.verify(byte[], String key, String timestamp, String sign)`: true when the
/// sign matches, false for a clean mismatch.
extern "system" fn jni_verify<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    body: JByteArray<'local>,
    key: JString<'local>,
    timestamp: JString<'local>,
    sign: JString<'local>,
) -> jboolean {
    entry(&mut env, JNI_FALSE, |env| {
        let key = core::SecretKey::new(text(env, &key)?);
        let timestamp = self::timestamp(env, &timestamp)?;
        let sign = text(env, &sign)?;
        let valid = with_bytes(env, &body, |bytes| {
            core::verify_body(bytes, &key, &timestamp, &sign)
        })??;
        Ok(if valid { JNI_TRUE } else { JNI_FALSE })
    })
}

/// A strong reference to `verifier` as a `long` for the JVM (the uniffi `Verifier`'s
/// `jni_handle`), released by `verifierRelease`.
pub(crate) fn verifier_handle(verifier: Arc<core::Verifier>) -> i64 {
    Arc::into_raw(verifier) as i64
}

/// The verifier behind `handle`.
///
/// # Safety
/// `handle` comes from [`verifier_handle`] and has not been released: the facade keeps it
/// until its `Verifier` is unreachable, and passes that `Verifier` (`owner`) to every call,
/// so it stays reachable (and the handle alive) while the call runs.
unsafe fn verifier_at<'a>(handle: jlong) -> &'a core::Verifier {
    // SAFETY: see the function's contract.
    unsafe { &*(handle as *const core::Verifier) }
}

fn verified<'local>(
    env: &mut JNIEnv<'local>,
    verified: core::Verified,
) -> Result<jobject, Failure> {
    let sid = JObject::from(env.new_string(&verified.sid)?);
    let timestamp = JObject::from(env.new_string(verified.timestamp.to_string())?);
    let key_index = i32::try_from(verified.key_index).unwrap_or(i32::MAX);
    let object = env.new_object(
        "org/glorycard/Verified",
        "(Ljava/lang/String;Ljava/lang/String;I)V",
        &[
            JValue::Object(&sid),
            JValue::Object(&timestamp),
            JValue::Int(key_index),
        ],
    )?;
    Ok(object.into_raw())
}

/// `NativeJni.verifierVerify(owner, handle, sid, timestamp, sign, byte[] body)`: a
/// `Verified`, or the rejection thrown.
extern "system" fn jni_verifier_verify<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    _owner: JObject<'local>,
    handle: jlong,
    sid: JString<'local>,
    timestamp: JString<'local>,
    sign: JString<'local>,
    body: JByteArray<'local>,
) -> jobject {
    entry(&mut env, std::ptr::null_mut(), |env| {
        // SAFETY: the facade's handle, its owner passed along (see `verifier_at`).
        let verifier = unsafe { verifier_at(handle) };
        let (sid, timestamp, sign) = (text(env, &sid)?, text(env, &timestamp)?, text(env, &sign)?);
        let outcome = with_bytes(env, &body, |bytes| {
            verifier.verify(&sid, &timestamp, &sign, bytes)
        })??;
        verified(env, outcome)
    })
}

/// `NativeJni.verifierVerifyHeaders(owner, handle, String[] names, String[] values, byte[]
/// body)`: the headers as received (a name once per value), names compared
/// case-insensitively by the core.
extern "system" fn jni_verifier_verify_headers<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    _owner: JObject<'local>,
    handle: jlong,
    names: JObjectArray<'local>,
    values: JObjectArray<'local>,
    body: JByteArray<'local>,
) -> jobject {
    entry(&mut env, std::ptr::null_mut(), |env| {
        // SAFETY: the facade's handle, its owner passed along (see `verifier_at`).
        let verifier = unsafe { verifier_at(handle) };
        let count = env
            .get_array_length(&names)?
            .min(env.get_array_length(&values)?);
        let mut headers = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for index in 0..count {
            let name = JString::from(env.get_object_array_element(&names, index)?);
            let value = JString::from(env.get_object_array_element(&values, index)?);
            headers.push((text(env, &name)?, text(env, &value)?));
            // Freed at once: a message may carry many headers, and a frame holds few local
            // references.
            env.delete_local_ref(name)?;
            env.delete_local_ref(value)?;
        }
        let pairs = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let outcome = with_bytes(env, &body, |bytes| verifier.verify_headers(pairs, bytes))??;
        verified(env, outcome)
    })
}

/// `NativeJni.verifierRelease(handle)`: drops the reference `jni_handle` made.
extern "system" fn jni_verifier_release<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        if handle != 0 {
            // SAFETY: `handle` came from `verifier_handle` and the facade releases it once,
            // from its cleaner, after its last use.
            drop(unsafe { Arc::from_raw(handle as *const core::Verifier) });
        }
        Ok(())
    })
}

/// `NativeJni.throwCode(String code)`: throws what an error of `code` throws (for the test
/// that the JNI path throws the uniffi path's classes); returns for a string that is not a
/// code.
extern "system" fn jni_throw_code<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    code: JString<'local>,
) {
    entry(&mut env, (), |env| {
        if let Ok(code) = text(env, &code)?.parse::<core::ErrorCode>() {
            let (message, message_zh) = crate::error::describe_code(code);
            throw_coded(env, code, (&message, &message_zh), None, None);
        }
        Ok(())
    })
}

/// `NativeJni.calls()`: how many calls took the JNI path.
extern "system" fn jni_calls<'local>(_env: JNIEnv<'local>, _class: JClass<'local>) -> jlong {
    i64::try_from(CALLS.load(Ordering::Relaxed)).unwrap_or(i64::MAX)
}

/// Binds `NativeJni`'s native methods to this library's functions (`RegisterNatives`), and
/// returns 0, or -1 when they cannot be bound (the JVM's exception cleared: the facade then
/// keeps to uniffi).
///
/// `NativeJni.load` calls it through JNA, on the library JNA loaded for uniffi, so both
/// paths run in the one copy of the library. Binding by name (`System.load`) would need the
/// library as a file of its own: JNA deletes the file it extracts from a jar once loaded,
/// and loading a second copy would split the verifier handles across two libraries.
///
/// # Safety
/// Called by JNA with `env`, the calling thread's `JNIEnv` (`JNIEnv.CURRENT`), and `class`,
/// a local reference to `org.glorycard.NativeJni`, both valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glorycard_jni_register(env: *mut jni::sys::JNIEnv, class: jclass) -> jint {
    let registered = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `env` is the calling thread's JNIEnv (see the function's contract).
        let mut env = unsafe { JNIEnv::from_raw(env) }.ok()?;
        // SAFETY: `class` is a live local reference to a class (see the function's contract).
        let class = unsafe { JClass::from_raw(class) };
        let methods = native_methods();
        if env.register_native_methods(&class, &methods).is_ok() {
            Some(())
        } else {
            // Not bound: the JVM's NoSuchMethodError is cleared, the caller reads -1.
            let _ = env.exception_clear();
            None
        }
    }));
    match registered {
        Ok(Some(())) => 0,
        _ => -1,
    }
}

/// Each native method of `NativeJni`: its name, its JVM descriptor (`javap -s`), and the
/// function above that implements it.
fn native_methods() -> [NativeMethod; 9] {
    fn method(name: &str, sig: &str, fn_ptr: *mut c_void) -> NativeMethod {
        NativeMethod {
            name: name.into(),
            sig: sig.into(),
            fn_ptr,
        }
    }
    [
        method(
            "canonicalize",
            "([B)Ljava/lang/String;",
            jni_canonicalize as *mut c_void,
        ),
        method(
            "sign",
            "([BLjava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
            jni_sign as *mut c_void,
        ),
        method(
            "signNow",
            "([BLjava/lang/String;)Ljava/lang/String;",
            jni_sign_now as *mut c_void,
        ),
        method(
            "verify",
            "([BLjava/lang/String;Ljava/lang/String;Ljava/lang/String;)Z",
            jni_verify as *mut c_void,
        ),
        method(
            "verifierVerify",
            "(Ljava/lang/Object;JLjava/lang/String;Ljava/lang/String;Ljava/lang/String;[B)\
             Lorg/glorycard/Verified;",
            jni_verifier_verify as *mut c_void,
        ),
        method(
            "verifierVerifyHeaders",
            "(Ljava/lang/Object;J[Ljava/lang/String;[Ljava/lang/String;[B)\
             Lorg/glorycard/Verified;",
            jni_verifier_verify_headers as *mut c_void,
        ),
        method(
            "verifierRelease",
            "(J)V",
            jni_verifier_release as *mut c_void,
        ),
        method(
            "throwCode",
            "(Ljava/lang/String;)V",
            jni_throw_code as *mut c_void,
        ),
        method("calls", "()J", jni_calls as *mut c_void),
    ]
}
