package org.glorycard

import org.glorycard.ffi.cancellationFromJson
import org.glorycard.ffi.cancellationToJson
import org.glorycard.ffi.cancellationValidate
import org.glorycard.ffi.deductCheckRecordFromJson
import org.glorycard.ffi.deductCheckRecordToJson
import org.glorycard.ffi.deductCheckRecordValidate
import org.glorycard.ffi.deductCheckRequestFromJson
import org.glorycard.ffi.deductCheckRequestToJson
import org.glorycard.ffi.deductCheckRequestValidate
import org.glorycard.ffi.deductCheckResponseToJson
import org.glorycard.ffi.deductionFromJson
import org.glorycard.ffi.deductionToJson
import org.glorycard.ffi.deductionValidate
import org.glorycard.ffi.rosterPageRequestFromJson
import org.glorycard.ffi.rosterPageRequestToJson
import org.glorycard.ffi.rosterPageRequestValidate
import org.glorycard.ffi.rosterPageResponseFromJson
import org.glorycard.ffi.rosterRecordFromJson
import org.glorycard.ffi.rosterRecordToJson
import org.glorycard.ffi.Cancellation as FfiCancellation
import org.glorycard.ffi.DeductCheckRecord as FfiDeductCheckRecord
import org.glorycard.ffi.DeductCheckRequest as FfiDeductCheckRequest
import org.glorycard.ffi.Deduction as FfiDeduction
import org.glorycard.ffi.RosterPageRequest as FfiRosterPageRequest
import org.glorycard.ffi.RosterRecord as FfiRosterRecord

// The platform's typed messages, with the document's wire names. Dictionary values are
// their wire codes (see the constants in CertType, GloryType, ...). validate() checks what
// the institution sends (the core's rules: money with two decimals, real date-times,
// dictionary codes, resident-ID check characters) and throws ValidationException naming
// the field. toJson() is the exact body to send and sign. toString() masks certNo and
// certName. A String field holding a lone UTF-16 surrogate (no UTF-8 form) throws
// ValidationException `invalid_field` naming it, from validate() and toJson(); fromJson()
// of such text throws `serialization`, as the core does for JSON that is not UTF-8.

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

/** `store/all` request: records with `dataID` greater than [dataId]. */
data class RosterPageRequest(val dataId: Long, val orgCode: String) {
    /** Throws [ValidationException] naming the first invalid field. */
    fun validate() = native { rosterPageRequestValidate(ffi()) }

    /** The JSON text to send and sign. */
    fun toJson(): String = native { rosterPageRequestToJson(ffi()) }

    internal fun ffi(): FfiRosterPageRequest {
        requireField(orgCode, "orgCode")
        return FfiRosterPageRequest(dataId, orgCode)
    }

    companion object {
        /** Reads one from JSON text (not validated). */
        @JvmStatic
        fun fromJson(json: String): RosterPageRequest =
            fromJsonText(json) { rosterPageRequestFromJson(json).let { RosterPageRequest(it.dataId, it.orgCode) } }
    }
}

/** One holder in a `store/all` page. `certNo` may arrive masked. */
data class RosterRecord(
    val certType: String,
    val certNo: String,
    val certName: String,
    val gloryType: String,
    val gloryId: Long,
    val dataId: Long,
) {
    /** The JSON text of the record. */
    fun toJson(): String = native { rosterRecordToJson(ffi()) }

    internal fun ffi(): FfiRosterRecord {
        requireField(certType, "certType")
        requireField(certNo, "certNo")
        requireField(certName, "certName")
        requireField(gloryType, "gloryType")
        return FfiRosterRecord(certType, CertNo(certNo), CertName(certName), gloryType, gloryId, dataId)
    }

    /** certNo and certName masked. */
    override fun toString(): String =
        "RosterRecord(certType=$certType, certNo=${Glorycard.maskCertNo(certNo)}, " +
            "certName=${Glorycard.maskCertName(certName)}, gloryType=$gloryType, gloryId=$gloryId, dataId=$dataId)"

    companion object {
        /** Reads one from JSON text. */
        @JvmStatic
        fun fromJson(json: String): RosterRecord = fromJsonText(json) { of(rosterRecordFromJson(json)) }

        internal fun of(r: FfiRosterRecord) =
            RosterRecord(r.certType, r.certNo.text, r.certName.text, r.gloryType, r.gloryId, r.dataId)
    }
}

/** `store/deduct` request: one deduction granted to a holder. */
data class Deduction @JvmOverloads constructor(
    val orgCode: String,
    val certType: String,
    val certNo: String,
    val certName: String,
    val deductionId: String,
    /** Yuan with exactly two decimals, `"10.00"`. */
    val totalFee: String,
    /** Yuan with exactly two decimals, at most [totalFee]. */
    val deductionFee: String,
    /** `yyyy-MM-dd HH:mm:ss`, UTC+8. */
    val deductionTime: String,
    val gloryType: String,
    val deductionType: String,
    val remarks: String? = null,
) {
    /** Throws [ValidationException] naming the first invalid field. */
    fun validate() = native { deductionValidate(ffi()) }

    /** The JSON text to send and sign. */
    fun toJson(): String = native { deductionToJson(ffi()) }

    internal fun ffi(prefix: String = ""): FfiDeduction {
        requireField(orgCode, prefix + "orgCode")
        requireField(certType, prefix + "certType")
        requireField(certNo, prefix + "certNo")
        requireField(certName, prefix + "certName")
        requireField(deductionId, prefix + "deductionID")
        requireField(totalFee, prefix + "totalFee")
        requireField(deductionFee, prefix + "deductionFee")
        requireField(deductionTime, prefix + "deductionTime")
        requireField(gloryType, prefix + "gloryType")
        requireField(deductionType, prefix + "deductionType")
        requireField(remarks, prefix + "remarks")
        return FfiDeduction(
            orgCode, certType, CertNo(certNo), CertName(certName), deductionId, totalFee, deductionFee,
            deductionTime, gloryType, deductionType, remarks,
        )
    }

    /** certNo and certName masked. */
    override fun toString(): String =
        "Deduction(orgCode=$orgCode, certType=$certType, certNo=${Glorycard.maskCertNo(certNo)}, " +
            "certName=${Glorycard.maskCertName(certName)}, deductionId=$deductionId, totalFee=$totalFee, " +
            "deductionFee=$deductionFee, deductionTime=$deductionTime, gloryType=$gloryType, " +
            "deductionType=$deductionType, remarks=$remarks)"

    companion object {
        /** Reads one from JSON text (not validated). */
        @JvmStatic
        fun fromJson(json: String): Deduction = fromJsonText(json) { of(deductionFromJson(json)) }

        internal fun of(d: FfiDeduction) = Deduction(
            d.orgCode, d.certType, d.certNo.text, d.certName.text, d.deductionId, d.totalFee, d.deductionFee,
            d.deductionTime, d.gloryType, d.deductionType, d.remarks,
        )
    }
}

/** `store/deductCancel` request. On the wire [cancelTime] is `deductionTime`. */
data class Cancellation(val orgCode: String, val deductionId: String, val cancelTime: String) {
    /** Throws [ValidationException] naming the first invalid field. */
    fun validate() = native { cancellationValidate(ffi()) }

    /** The JSON text to send and sign. */
    fun toJson(): String = native { cancellationToJson(ffi()) }

    internal fun ffi(): FfiCancellation {
        requireField(orgCode, "orgCode")
        requireField(deductionId, "deductionID")
        requireField(cancelTime, "deductionTime")
        return FfiCancellation(orgCode, deductionId, cancelTime)
    }

    companion object {
        /** Reads one from JSON text (not validated). */
        @JvmStatic
        fun fromJson(json: String): Cancellation =
            fromJsonText(json) { cancellationFromJson(json).let { Cancellation(it.orgCode, it.deductionId, it.cancelTime) } }
    }
}

/** `deductCheck` request, from the platform (`deductTimeStart`, `deductionTimeEnd`). */
data class DeductCheckRequest(val orgCode: String, val deductTimeStart: String, val deductionTimeEnd: String) {
    /** Throws [ValidationException] naming the first invalid field. */
    fun validate() = native { deductCheckRequestValidate(ffi()) }

    /** The JSON text. */
    fun toJson(): String = native { deductCheckRequestToJson(ffi()) }

    internal fun ffi(): FfiDeductCheckRequest {
        requireField(orgCode, "orgCode")
        requireField(deductTimeStart, "deductTimeStart")
        requireField(deductionTimeEnd, "deductionTimeEnd")
        return FfiDeductCheckRequest(orgCode, deductTimeStart, deductionTimeEnd)
    }

    companion object {
        /** Reads one from JSON text (not validated). */
        @JvmStatic
        fun fromJson(json: String): DeductCheckRequest = fromJsonText(json) {
            deductCheckRequestFromJson(json).let { DeductCheckRequest(it.orgCode, it.deductTimeStart, it.deductionTimeEnd) }
        }
    }
}

/** One record answered to `deductCheck`: the deduction, its [status] and [cancelTime]. */
data class DeductCheckRecord @JvmOverloads constructor(
    val deduction: Deduction,
    /** [DeductionStatus] code. */
    val status: String,
    /** Required when [status] is cancelled. */
    val cancelTime: String? = null,
) {
    /** Throws [ValidationException] naming the first invalid field. */
    fun validate() = native { deductCheckRecordValidate(ffi()) }

    /** The JSON text (the deduction's fields plus `status` and `cancelTime`). */
    fun toJson(): String = native { deductCheckRecordToJson(ffi()) }

    internal fun ffi(prefix: String = ""): FfiDeductCheckRecord {
        val ffiDeduction = deduction.ffi(prefix)
        requireField(status, prefix + "status")
        requireField(cancelTime, prefix + "cancelTime")
        return FfiDeductCheckRecord(ffiDeduction, status, cancelTime)
    }

    companion object {
        /** Reads one from JSON text (not validated). */
        @JvmStatic
        fun fromJson(json: String): DeductCheckRecord = fromJsonText(json) {
            deductCheckRecordFromJson(json).let { DeductCheckRecord(Deduction.of(it.deduction), it.status, it.cancelTime) }
        }

        /** The JSON text of a successful `deductCheck` answer holding [records]. */
        @JvmStatic
        fun successResponseJson(message: String, records: List<DeductCheckRecord>): String {
            requireField(message, "responseMessage")
            val ffi = records.mapIndexed { i, r -> r.ffi("data[$i].") }
            return native { deductCheckResponseToJson(true, message, ffi) }
        }

        /** The JSON text of a failed `deductCheck` answer. */
        @JvmStatic
        fun failureResponseJson(message: String): String {
            requireField(message, "responseMessage")
            return native { deductCheckResponseToJson(false, message, emptyList()) }
        }
    }
}

/** A `store/all` response: [responseFlag] `1` is success; [data] holds the page. */
data class RosterPageResponse(
    val responseFlag: String,
    val responseMessage: String,
    val data: List<RosterRecord>?,
) {
    /** True when [responseFlag] is `1`. */
    val isSuccess: Boolean get() = responseFlag == "1"

    /** Records masked; for a page, only their count and first/last `dataID`. */
    override fun toString(): String {
        val page = data?.let { "${it.size} records" + if (it.isEmpty()) "" else ", dataID ${it.first().dataId}..${it.last().dataId}" }
        return "RosterPageResponse(responseFlag=$responseFlag, responseMessage=$responseMessage, data=$page)"
    }

    companion object {
        /** Reads a `store/all` response body. */
        @JvmStatic
        fun fromJson(json: String): RosterPageResponse = fromJsonText(json) {
            rosterPageResponseFromJson(json).let { r ->
                RosterPageResponse(r.responseFlag, r.responseMessage, r.data?.map { RosterRecord.of(it) })
            }
        }
    }
}
