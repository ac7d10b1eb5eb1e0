@file:JvmName("Models")

package org.glorycard

import java.lang.reflect.Field
import java.lang.reflect.Modifier
import org.glorycard.ffi.RosterPageResponse as FfiRosterPageResponse
import org.glorycard.ffi.cancellationFromJson as nativeCancellationFromJson
import org.glorycard.ffi.cancellationToJson
import org.glorycard.ffi.cancellationValidate
import org.glorycard.ffi.deductCheckRecordFromJson as nativeDeductCheckRecordFromJson
import org.glorycard.ffi.deductCheckRecordToJson
import org.glorycard.ffi.deductCheckRecordValidate
import org.glorycard.ffi.deductCheckRequestFromJson as nativeDeductCheckRequestFromJson
import org.glorycard.ffi.deductCheckRequestToJson
import org.glorycard.ffi.deductCheckRequestValidate
import org.glorycard.ffi.deductCheckResponseToJson
import org.glorycard.ffi.deductionFromJson as nativeDeductionFromJson
import org.glorycard.ffi.deductionToJson
import org.glorycard.ffi.deductionValidate
import org.glorycard.ffi.rosterPageRequestFromJson as nativeRosterPageRequestFromJson
import org.glorycard.ffi.rosterPageRequestToJson
import org.glorycard.ffi.rosterPageRequestValidate
import org.glorycard.ffi.rosterPageResponseFromJson as nativeRosterPageResponseFromJson
import org.glorycard.ffi.rosterRecordFromJson as nativeRosterRecordFromJson
import org.glorycard.ffi.rosterRecordToJson

// The platform's typed messages are the core's models themselves: uniffi generates them
// from glorycard-core (the `uniffi` feature) into this package as data classes
// (`Deduction`, `RosterRecord`, `Cancellation`, `DeductCheckRequest`, `DeductCheckRecord`,
// `RosterPageRequest`) with the core's field order and documentation, dictionary values as
// their wire codes (the constants below), and a toString() that is the core's Debug:
// certNo and certName masked. A field added to a core model appears here by itself.
//
// What is done with them is here, once for every model: validate() checks what the
// institution sends (the core's rules) and throws ValidationException naming the field;
// toJson() is the exact body to send and sign; fromJson() reads one. From Kotlin they are
// members in form (`deduction.validate()`, `Deduction.fromJson(json)`); from Java they are
// the static methods of this file's class, `Models` (`Models.validate(deduction)`,
// `Models.deductionFromJson(json)`). A String field holding a lone UTF-16 surrogate (no
// UTF-8 form) throws ValidationException `invalid_field` naming its wire name, from
// validate() and toJson(); fromJson() of such text throws `serialization`, as the core
// does for JSON that is not UTF-8.

/** `certType` codes. */
object CertType {
    /** 居民身份证. */
    const val RESIDENT_ID = "0"
    /** 军官证. */
    const val OFFICER_ID = "1"
    /** 士兵证. */
    const val SOLDIER_ID = "2"
    /** 驾驶证. */
    const val DRIVING_LICENCE = "3"
    /** 学生证. */
    const val STUDENT_ID = "4"
    /** 工作证. */
    const val WORK_ID = "5"
    /** 护照. */
    const val PASSPORT = "6"
}

/** `gloryType` codes. */
object GloryType {
    /** 荣誉证. */
    const val GLORY_CARD = "1"
}

/** `deductionType` codes. */
object DeductionType {
    /** 门诊诊查费. */
    const val OUTPATIENT_CONSULTATION = "0"
    /** 公交车费. */
    const val BUS_FARE = "1"
    /** 景区门票. */
    const val SCENIC_SPOT_ADMISSION = "2"
}

/** `status` codes of a `deductCheck` record. */
object DeductionStatus {
    /** Cancelled. */
    const val CANCELLED = "0"
    /** Deducted. */
    const val DEDUCTED = "1"
}

/** A `store/all` response (`org.glorycard.ffi.RosterPageResponse`): [isSuccess], `data`. */
typealias RosterPageResponse = FfiRosterPageResponse

/** True when `responseFlag` is `1`. */
val FfiRosterPageResponse.isSuccess: Boolean get() = responseFlag == "1"

/** Throws [ValidationException] naming the first invalid field. */
fun RosterPageRequest.validate() = native { rosterPageRequestValidate(checked()) }

/** The JSON text to send and sign. */
fun RosterPageRequest.toJson(): String = native { rosterPageRequestToJson(checked()) }

/** Reads a `store/all` request from JSON text (not validated). */
fun rosterPageRequestFromJson(json: String): RosterPageRequest = fromJsonText(json) { nativeRosterPageRequestFromJson(json) }

/** Kotlin: `RosterPageRequest.fromJson(json)`. */
fun RosterPageRequest.Companion.fromJson(json: String): RosterPageRequest = rosterPageRequestFromJson(json)

/** The JSON text of a roster record. */
fun RosterRecord.toJson(): String = native { rosterRecordToJson(checked()) }

/** Reads a roster record from JSON text. */
fun rosterRecordFromJson(json: String): RosterRecord = fromJsonText(json) { nativeRosterRecordFromJson(json) }

/** Kotlin: `RosterRecord.fromJson(json)`. */
fun RosterRecord.Companion.fromJson(json: String): RosterRecord = rosterRecordFromJson(json)

/** Throws [ValidationException] naming the first invalid field. */
fun Deduction.validate() = native { deductionValidate(checked()) }

/** The JSON text to send and sign. */
fun Deduction.toJson(): String = native { deductionToJson(checked()) }

/** Reads a deduction from JSON text (not validated). */
fun deductionFromJson(json: String): Deduction = fromJsonText(json) { nativeDeductionFromJson(json) }

/** Kotlin: `Deduction.fromJson(json)`. */
fun Deduction.Companion.fromJson(json: String): Deduction = deductionFromJson(json)

/** Throws [ValidationException] naming the first invalid field. */
fun Cancellation.validate() = native { cancellationValidate(checked()) }

/** The JSON text to send and sign. */
fun Cancellation.toJson(): String = native { cancellationToJson(checked()) }

/** Reads a cancellation from JSON text (not validated). */
fun cancellationFromJson(json: String): Cancellation = fromJsonText(json) { nativeCancellationFromJson(json) }

/** Kotlin: `Cancellation.fromJson(json)`. */
fun Cancellation.Companion.fromJson(json: String): Cancellation = cancellationFromJson(json)

/** Throws [ValidationException] naming the first invalid field. */
fun DeductCheckRequest.validate() = native { deductCheckRequestValidate(checked()) }

/** The JSON text. */
fun DeductCheckRequest.toJson(): String = native { deductCheckRequestToJson(checked()) }

/** Reads a `deductCheck` request from JSON text (not validated). */
fun deductCheckRequestFromJson(json: String): DeductCheckRequest =
    fromJsonText(json) { nativeDeductCheckRequestFromJson(json) }

/** Kotlin: `DeductCheckRequest.fromJson(json)`. */
fun DeductCheckRequest.Companion.fromJson(json: String): DeductCheckRequest = deductCheckRequestFromJson(json)

/** Throws [ValidationException] naming the first invalid field. */
fun DeductCheckRecord.validate() = native { deductCheckRecordValidate(checked()) }

/** The JSON text (the deduction's fields plus `status` and `cancelTime`). */
fun DeductCheckRecord.toJson(): String = native { deductCheckRecordToJson(checked()) }

/** Reads a `deductCheck` record from JSON text (not validated). */
fun deductCheckRecordFromJson(json: String): DeductCheckRecord =
    fromJsonText(json) { nativeDeductCheckRecordFromJson(json) }

/** Kotlin: `DeductCheckRecord.fromJson(json)`. */
fun DeductCheckRecord.Companion.fromJson(json: String): DeductCheckRecord = deductCheckRecordFromJson(json)

/** The JSON text of a successful `deductCheck` answer holding [records]. */
fun successResponseJson(message: String, records: List<DeductCheckRecord>): String {
    requireField(message, "responseMessage")
    records.forEachIndexed { i, record -> requireWellFormed(record, "data[$i].") }
    return native { deductCheckResponseToJson(true, message, records) }
}

/** Kotlin: `DeductCheckRecord.successResponseJson(message, records)`. */
fun DeductCheckRecord.Companion.successResponseJson(message: String, records: List<DeductCheckRecord>): String =
    org.glorycard.successResponseJson(message, records)

/** The JSON text of a failed `deductCheck` answer. */
fun failureResponseJson(message: String): String {
    requireField(message, "responseMessage")
    return native { deductCheckResponseToJson(false, message, emptyList()) }
}

/** Kotlin: `DeductCheckRecord.failureResponseJson(message)`. */
fun DeductCheckRecord.Companion.failureResponseJson(message: String): String = org.glorycard.failureResponseJson(message)

/** Reads a `store/all` response body. */
fun rosterPageResponseFromJson(json: String): RosterPageResponse =
    fromJsonText(json) { nativeRosterPageResponseFromJson(json) }

/** Kotlin: `RosterPageResponse.fromJson(json)`. */
fun FfiRosterPageResponse.Companion.fromJson(json: String): RosterPageResponse = rosterPageResponseFromJson(json)

private fun <T : Any> T.checked(): T = also { requireWellFormed(it, "") }

/**
 * Every String field of a model (and of a model inside it, whose fields the wire flattens)
 * must have a UTF-8 form; the first that has none throws `invalid_field` with its wire
 * name. Reflection over the generated data class, so a field added in the core is checked
 * without a line here.
 */
internal fun requireWellFormed(model: Any, prefix: String) {
    for ((field, name) in modelFields.get(model.javaClass)) {
        when (val value = field.get(model)) {
            is String -> requireField(value, prefix + name)
            is Deduction -> requireWellFormed(value, prefix)
        }
    }
}

/**
 * Each model class's instance fields, made accessible, with the names errors give them: looked up
 * once per class, not on every validate() or toJson().
 */
private val modelFields = object : ClassValue<List<Pair<Field, String>>>() {
    override fun computeValue(type: Class<*>): List<Pair<Field, String>> =
        type.declaredFields
            .filter { !Modifier.isStatic(it.modifiers) }
            .map { field ->
                field.isAccessible = true
                field to errorName(field.name)
            }
}

/**
 * The name errors give a model property, as the core's errors do: the document's names in
 * camel case, its `ID` suffix spelt `Id`. A cancellation's time is named `cancelTime`, as
 * its getter is (its wire name is the document's `deductionTime`).
 */
private fun errorName(property: String): String = when {
    property.endsWith("Id") -> property.removeSuffix("Id") + "ID"
    else -> property
}
