//! Forwards what glorycard logs (through `tracing`) to a host's own logging: a Java
//! binding's SLF4J, Python's `logging`. One line per event: its message, its fields, and
//! the fields of the spans it happened in (`path`, `attempt` of a platform call).
//!
//! glorycard never logs a key, a `certNo` or a `certName`; what reaches the sink is what
//! the crates log, nothing more. Events of glorycard's own crates are forwarded from
//! `DEBUG` up, those of its dependencies (hyper, rustls, ...) from `WARN` up.

use std::fmt::Write as _;
use std::sync::Arc;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// One log event for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
    pub level: Level,
    /// The Rust module that logged (`glorycard_client::client`).
    pub target: String,
    /// The message with its fields and its spans' fields: `call finished path=/store/deduct
    /// attempt=1 latency_ms=12.3 outcome="ok"`.
    pub message: String,
}

/// Where [`LogRecord`]s go. Called on the thread that logged: keep it quick.
pub trait LogSink: Send + Sync + 'static {
    /// Receives one event.
    fn log(&self, record: LogRecord);
}

/// Installs a process-wide `tracing` subscriber that hands each event to `sink`. False
/// when a subscriber is already installed (by this function or by the host): the first
/// one stays.
pub fn forward_logs_to(sink: Arc<dyn LogSink>) -> bool {
    let subscriber = tracing_subscriber::registry().with(Forwarder { sink });
    tracing::subscriber::set_global_default(subscriber).is_ok()
}

struct Forwarder {
    sink: Arc<dyn LogSink>,
}

/// A span's fields, formatted once when it opens.
struct SpanFields(String);

fn forwarded(level: &Level, target: &str) -> bool {
    if target.starts_with("glorycard") {
        *level <= Level::DEBUG
    } else {
        *level <= Level::WARN
    }
}

impl<S> tracing_subscriber::Layer<S> for Forwarder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        forwarded(metadata.level(), metadata.target())
    }

    fn on_new_span(
        &self,
        attributes: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        context: Context<'_, S>,
    ) {
        let mut fields = FieldText::default();
        attributes.record(&mut fields);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(SpanFields(fields.text));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let metadata = event.metadata();
        let mut fields = FieldText::default();
        event.record(&mut fields);
        let mut message = fields.message.unwrap_or_default();
        message.push_str(&fields.text);
        if let Some(scope) = context.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(text)) = span.extensions().get::<SpanFields>() {
                    message.push_str(text);
                }
            }
        }
        self.sink.log(LogRecord {
            level: *metadata.level(),
            target: metadata.target().to_owned(),
            message,
        });
    }
}

/// ` name=value` for each field; the `message` field apart.
#[derive(Default)]
struct FieldText {
    message: Option<String>,
    text: String,
}

impl Visit for FieldText {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            let _ = write!(self.text, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        } else {
            let _ = write!(self.text, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collected(Mutex<Vec<LogRecord>>);

    impl LogSink for Collected {
        fn log(&self, record: LogRecord) {
            if let Ok(mut records) = self.0.lock() {
                records.push(record);
            }
        }
    }

    #[test]
    fn events_carry_their_fields_and_spans_and_dependencies_only_warnings() {
        let sink = Arc::new(Collected::default());
        let subscriber = tracing_subscriber::registry().with(Forwarder {
            sink: Arc::clone(&sink) as Arc<dyn LogSink>,
        });
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(target: "glorycard_client::client", "glorycard.call", path = "/store/deduct", attempt = 2);
            span.in_scope(|| {
                tracing::warn!(target: "glorycard_client::client", latency_ms = 1.5, outcome = "timeout", "attempt failed");
            });
            tracing::info!(target: "hyper::proto", "not forwarded: a dependency's info");
            tracing::warn!(target: "rustls::conn", "forwarded: a dependency's warning");
            tracing::trace!(target: "glorycard_client::client", "not forwarded: trace");
        });
        let records = sink.0.lock().map(|r| r.clone()).unwrap_or_default();
        assert_eq!(
            records,
            vec![
                LogRecord {
                    level: Level::WARN,
                    target: "glorycard_client::client".into(),
                    message: "attempt failed latency_ms=1.5 outcome=\"timeout\" path=\"/store/deduct\" attempt=2".into(),
                },
                LogRecord {
                    level: Level::WARN,
                    target: "rustls::conn".into(),
                    message: "forwarded: a dependency's warning".into(),
                },
            ]
        );
    }
}
