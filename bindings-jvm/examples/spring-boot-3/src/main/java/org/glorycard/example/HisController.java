package org.glorycard.example;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.glorycard.Deduction;
import org.glorycard.DeductionType;
import org.glorycard.Glorycard;
import org.glorycard.GlorycardClient;
import org.glorycard.Outbox;
import org.glorycard.Replica;
import org.glorycard.durable.Enqueued;
import org.glorycard.durable.HolderMatch;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The HIS's own endpoints. Personal data travels in request bodies, never in URLs (access
 * logs), and is not echoed back.
 */
@RestController
public class HisController {
    /** The platform's times are China time, whatever the server's zone. */

    private final GlorycardClient client;
    private final Outbox outbox;
    private final Replica replica;

    public HisController(GlorycardClient client, Outbox outbox, Replica replica) {
        this.client = client;
        this.outbox = outbox;
        this.replica = replica;
    }

    /** A holder's details as the front desk sends them. */
    public static class Holder {
        public String certType = "0";
        public String certNo;
        public String certName;
        public String gloryType;
    }

    /**
     * A consultation of a holder: recorded in the outbox, in the same transaction as the
     * HIS's own records would be; the starter's scheduled drain uploads it.
     */
    @PostMapping("/visits/{visitId}/deduction")
    public Map<String, Object> deduct(@PathVariable String visitId, @RequestBody Holder holder) {
        String now = Glorycard.chinaTimeNow(); // UTC+8 whatever the server's zone
        Enqueued enqueued = outbox.enqueue(new Deduction(client.getOrgCode(), holder.certType, holder.certNo,
                holder.certName, "VISIT-" + visitId, "6.00", "6.00", now, holder.gloryType,
                DeductionType.OUTPATIENT_CONSULTATION, null));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("deductionID", "VISIT-" + visitId);
        answer.put("seq", enqueued.getSeq());
        answer.put("newlyAdded", enqueued.getNewlyAdded());
        return answer;
    }

    /** Is this person a holder? Answered from the local replica, without the network. */
    @PostMapping("/holders/lookup")
    public Map<String, Object> lookup(@RequestBody Holder holder) {
        List<String> kinds = new ArrayList<>();
        List<String> gloryTypes = new ArrayList<>();
        for (HolderMatch match : replica.lookup(holder.certType, holder.certNo, holder.certName)) {
            kinds.add(match.getKind().name());
            gloryTypes.add(match.getRecord().getGloryType());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("matches", kinds.size());
        answer.put("kinds", kinds);
        answer.put("gloryTypes", gloryTypes);
        return answer;
    }
}
