//! `glorycard demo`: the whole job on an embedded sandbox, in one process and on loopback
//! only: sync the roster into a replica, look a holder up, enqueue deductions and a
//! cancellation into an outbox, drain them, and have the platform reconcile against the
//! outbox served as `/deductCheck`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use glorycard_client::institution::{InstitutionEndpoint, Server, ServerLimits, router};
use glorycard_client::{Client, RetryPolicy};
use glorycard_core::models::{Cancellation, CertType, Deduction, DeductionType, RosterRecord};
use glorycard_core::{Lang, SecretKey, Signer, Timestamp, Verifier};
use glorycard_durable::{DrainOptions, MatchKind, Outbox, OutboxEntry, Replica};
use glorycard_sandbox::{Sandbox, SandboxConfig, Transport, served_record};

use crate::shared::{
    Failure, client_failure, durable_failure, fail, grouped, lang, runtime, wait_for_shutdown,
};

/// Writes one line of the demo in `lang`, its English and its Chinese side by side (the
/// labels padded to 12 columns, a Chinese character taking two).
macro_rules! line {
    ($out:expr, $lang:expr, $english:literal, $chinese:literal $(, $arg:expr)* $(,)?) => {{
        // Formatting into a `String` cannot fail.
        let _ = match $lang {
            Lang::Chinese => writeln!($out, $chinese $(, $arg)*),
            _ => writeln!($out, $english $(, $arg)*),
        };
    }};
}

const SID: &str = "47258258201708031835123456";
const ORG: &str = "106607";
const SEED: u64 = 1;
/// Every tenth holder's number is served masked, as the platform may.
const MASKED_EVERY: u32 = 10;
/// Deductions enqueued; the first is then cancelled.
const DEDUCTIONS: i64 = 20;

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Keep the replica and the outbox in DIR (created if missing) instead of removing
    /// them at the end.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Holders in the sandbox's synthetic roster.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(i64).range(20..=10_000_000))]
    holders: i64,
}

/// The directory the demo writes its stores in: removed on drop unless it was asked for.
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    fn new(keep: Option<PathBuf>) -> Result<Self, Failure> {
        if let Some(path) = keep {
            std::fs::create_dir_all(&path)
                .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
            return Ok(Self { path, keep: true });
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("glorycard-demo-{}-{nanos:08x}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        // The stores hold (synthetic) ID numbers and names: owner only, as real ones must.
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder
            .create(&path)
            .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
        Ok(Self { path, keep: false })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A key for this run only: the sandbox and the client share it, and it is never shown.
fn run_key() -> SecretKey {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    SecretKey::new(format!("demo-{nanos:x}-{:x}", std::process::id()))
}

fn deduction(holder: &RosterRecord, n: i64, time: &str) -> Deduction {
    Deduction {
        org_code: ORG.into(),
        cert_type: holder.cert_type.clone(),
        cert_no: holder.cert_no.clone(),
        cert_name: holder.cert_name.clone(),
        deduction_id: format!("DEMO-{n:04}"),
        total_fee: "30.00".into(),
        deduction_fee: "30.00".into(),
        deduction_time: time.into(),
        glory_type: holder.glory_type.clone(),
        deduction_type: DeductionType::OutpatientConsultation,
        remarks: None,
    }
}

/// How long a drain started now waits before its first call: to the next wall-clock
/// second and 2 ms (see `glorycard_client::sleep_until_next_second`), left out of calls/s.
fn first_call_wait() -> Duration {
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or(0);
    Duration::from_millis(1000u64.saturating_sub(u64::from(into_second)) + 2)
}

fn micros(elapsed: Duration) -> String {
    format!("{:.0} µs", elapsed.as_secs_f64() * 1e6)
}

/// Looks `holder` up by its full number (and the name, for a number served masked).
fn lookup_line(
    replica: &Replica,
    holder: &RosterRecord,
    with_name: bool,
    lang: Lang,
) -> Result<(MatchKind, String), Failure> {
    let started = Instant::now();
    let found = replica
        .lookup(
            &CertType::ResidentId,
            holder.cert_no.as_str(),
            with_name.then_some(holder.cert_name.as_str()),
        )
        .map_err(durable_failure)?;
    let elapsed = started.elapsed();
    let hit = found
        .iter()
        .find(|m| m.record.glory_id == holder.glory_id)
        .ok_or_else(|| fail("demo: the holder was not found in the replica"))?;
    let (number, name, id, took) = (
        holder.cert_no.masked(),
        holder.cert_name.masked(),
        hit.record.glory_id,
        micros(elapsed),
    );
    let text = match lang {
        Lang::Chinese => format!("{number} {name} → gloryID {id}，用时 {took}"),
        _ => format!("{number} {name} → gloryID {id} in {took}"),
    };
    Ok((hit.kind, text))
}

// `let _ = writeln!(out, ...)` below: formatting into a `String` cannot fail.
pub(crate) fn demo(args: DemoArgs) -> Result<String, Failure> {
    let work = WorkDir::new(args.keep)?;
    let replica_path = work.path.join("replica.db");
    let outbox_path = work.path.join("outbox.db");
    let key = run_key();
    let runtime = runtime()?;
    let mut out = String::new();
    let lang = lang();
    line!(
        out,
        lang,
        "glorycard demo: the whole job on an embedded sandbox platform, loopback only",
        "glorycard demo：在内嵌的沙箱平台上走完整个流程，只用本机回环地址"
    );
    runtime.block_on(async {
        // The institution's /deductCheck, from the outbox, on the library's server. It
        // listens first: the sandbox is told its address when it starts.
        let outbox = Outbox::open(&outbox_path).map_err(durable_failure)?;
        let verifier = Verifier::builder()
            .key(SID, key.clone())
            .replay_cache(10_000)
            .build()?;
        let endpoint = InstitutionEndpoint::new(
            verifier,
            Signer::new(SID, key.clone()),
            ORG,
            Arc::new(outbox.clone()),
        )
        .map_err(client_failure)?;
        let server =
            Server::new(router(endpoint), None, ServerLimits::default()).map_err(client_failure)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| fail(format!("cannot listen on loopback: {e}")))?;
        let institution_url = format!(
            "http://{}",
            listener
                .local_addr()
                .map_err(|e| fail(format!("listener: {e}")))?
        );
        let (stop_institution, stopped) = tokio::sync::oneshot::channel::<()>();
        let institution = tokio::spawn(server.serve_with_shutdown(listener, async move {
            // Stops when asked, or on Ctrl-C like the other servers.
            tokio::select! {
                _ = stopped => {}
                () = wait_for_shutdown() => {}
            }
        }));

        // The platform: HTTPS with a CA made for this run.
        let mut config = SandboxConfig::new(SID, key.clone());
        config.holders = args.holders;
        config.seed = SEED;
        config.masked_every = MASKED_EVERY;
        config.transport = Transport::Https { ca_out: None };
        config.institution_url = Some(institution_url.clone());
        config.org_code = Some(ORG.into());
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| fail(format!("sandbox: {e}")))?;
        let ca = sandbox
            .ca_pem()
            .ok_or_else(|| fail("sandbox: no CA"))?
            .as_bytes()
            .to_vec();
        line!(
            out,
            lang,
            "sandbox     {} (a CA made for this run), {} synthetic holders, every {MASKED_EVERY}th number served masked",
            "沙箱        {}（为本次运行生成的 CA），{} 名合成持证人，每 {MASKED_EVERY} 个号码中有 1 个以掩码形式下发",
            sandbox.url(),
            grouped(args.holders as u64)
        );
        let client = Client::builder(sandbox.url())
            .sid(SID)
            .key(key.clone())
            .org_code(ORG)
            .add_root_certificate_pem(ca)
            .retry_policy(RetryPolicy::default())
            .build()
            .map_err(client_failure)?;

        // The roster into a replica.
        let replica = Replica::open(&replica_path).map_err(durable_failure)?;
        let synced = replica.sync(&client).await.map_err(durable_failure)?;
        line!(
            out,
            lang,
            "roster sync {} records · {} records/s · {} pages · checkpoint {} → {}",
            "名册同步    {} 条记录 · {} 条/秒 · {} 页 · 检查点 {} → {}",
            grouped(synced.records),
            grouped(synced.records_per_second() as u64),
            grouped(synced.pages),
            synced.checkpoint,
            replica_path.display()
        );

        // A holder served in full, found by number; one served masked, by number and name.
        let full = (1..=i64::from(MASKED_EVERY))
            .map(|id| served_record(SEED, MASKED_EVERY, id))
            .find(|record| !record.cert_no.as_str().contains('*'))
            .ok_or_else(|| fail("demo: no holder served in full"))?;
        let masked = glorycard_core::synthetic::roster_record(SEED, i64::from(MASKED_EVERY));
        let (exact_kind, exact) = lookup_line(&replica, &full, false, lang)?;
        let (partial_kind, partial) = lookup_line(&replica, &masked, true, lang)?;
        line!(
            out,
            lang,
            "lookup      {}: {exact}; {} (number served masked, matched with the name): {partial}",
            "查询        {}：{exact}；{}（号码以掩码形式下发，结合姓名匹配）：{partial}",
            exact_kind.as_str(),
            partial_kind.as_str()
        );

        // Deductions and a cancellation, committed before the platform is called.
        let now = Timestamp::now().to_datetime_string();
        let mut entries: Vec<OutboxEntry> = (1..=DEDUCTIONS)
            .map(|n| {
                let holder = glorycard_core::synthetic::roster_record(SEED, n);
                OutboxEntry::Deduction(deduction(&holder, n, &now))
            })
            .collect();
        entries.push(OutboxEntry::Cancellation(Cancellation {
            org_code: ORG.into(),
            deduction_id: "DEMO-0001".into(),
            cancel_time: now.clone(),
        }));
        let started = Instant::now();
        outbox.enqueue_all(&entries).map_err(durable_failure)?;
        line!(
            out,
            lang,
            "outbox      {DEDUCTIONS} deductions and 1 cancellation committed durably in {:.1} ms → {}",
            "发件箱      {DEDUCTIONS} 笔扣款和 1 笔撤销已持久提交，用时 {:.1} ms → {}",
            started.elapsed().as_secs_f64() * 1e3,
            outbox_path.display()
        );

        // Delivered: a deduction's cancellation only after its acknowledgement.
        let wait = first_call_wait();
        let started = Instant::now();
        let report = outbox
            .drain_with(&client, &DrainOptions::default(), |_| {})
            .await
            .map_err(durable_failure)?;
        let calls = report.acknowledged + report.rejected + report.failed_calls;
        let active = started.elapsed().saturating_sub(wait).max(Duration::from_micros(1));
        line!(
            out,
            lang,
            "drain       {} acknowledged · {} rejected · {} failed calls retried · {} pending · {} calls/s",
            "投递        {} 笔已确认 · {} 笔被拒绝 · {} 次失败调用已重试 · {} 笔待投递 · {} 次调用/秒",
            report.acknowledged,
            report.rejected,
            report.failed_calls,
            report.pending,
            grouped((calls as f64 / active.as_secs_f64()) as u64)
        );

        // The platform asks the institution for its records and compares.
        let started = Instant::now();
        let reconciliation = sandbox
            .reconcile(Some(ORG), None, None)
            .await
            .map_err(|e| fail(format!("sandbox: {e}")))?;
        line!(
            out,
            lang,
            "reconcile   /deductCheck answered from the outbox at {institution_url}: platform {} records, institution {}, {} differences in {:.1} ms",
            "对账        由发件箱在 {institution_url} 答复 /deductCheck：平台 {} 条记录，机构 {} 条，{} 处差异，用时 {:.1} ms",
            reconciliation.platform_count,
            reconciliation.institution_count,
            reconciliation.differences.len(),
            started.elapsed().as_secs_f64() * 1e3
        );

        sandbox.shutdown().await;
        let _ = stop_institution.send(());
        let _ = institution.await;
        if report.rejected > 0 || report.pending > 0 || !reconciliation.differences.is_empty() {
            let (rejected, pending, differences) = (
                report.rejected,
                report.pending,
                reconciliation.differences.len(),
            );
            let message = match lang {
                Lang::Chinese => format!(
                    "demo：平台与发件箱不一致（{rejected} 笔被拒绝，{pending} 笔待投递，{differences} 处差异）"
                ),
                _ => format!(
                    "demo: the platform and the outbox disagree ({rejected} rejected, {pending} pending, {differences} differences)"
                ),
            };
            return Err(Failure { message, status: 1 });
        }
        Ok::<(), Failure>(())
    })?;
    if work.keep {
        line!(
            out,
            lang,
            "kept        {}",
            "保留        {}",
            files(&work.path)
        );
    } else {
        // Removed here rather than on drop, so that a failure to remove is said.
        std::fs::remove_dir_all(&work.path)
            .map_err(|e| fail(format!("cannot remove {}: {e}", work.path.display())))?;
        line!(
            out,
            lang,
            "cleanup     removed {}",
            "清理        已删除 {}",
            work.path.display()
        );
    }
    Ok(out)
}

/// The files the demo leaves in a kept directory.
fn files(dir: &Path) -> String {
    [dir.join("replica.db"), dir.join("outbox.db")]
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
