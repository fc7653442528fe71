//! Identity stored where a telemetry SDK sends it with every event: a value under a telemetry
//! attribute key (`Resource.create({"host.name": socket.gethostname()})`,
//! `span.set_attribute("user.id", account_id)`). The sending call is inside the SDK, out of
//! sight; the key is the evidence. Only what the value reads itself counts (these keys are
//! common words, and data that arrived through variables is too loose a link), except where
//! the key says what the value is (`user.email`, `user.id`), wherever it came from.

use crate::{span_of, Analyzer};
use ruff_text_size::Ranged;
use telltale_facts::{FlowFact, SinkKind, SourceFact, Step};
use telltale_knowledge::telemetry_attributes;

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let mut flows = Vec::new();
    let mut sources = Vec::new();
    for &(value, key, at, scope) in &an.telemetry_attributes {
        let atoms = an.atoms(value, scope);
        let mut carried = atoms.kinds.identity();
        let named = telemetry_attributes::names(key);
        if let Some(kind) = named {
            carried.insert(kind);
        }
        if carried.is_empty() {
            continue;
        }
        let mut steps = an.steps_for(&atoms, carried);
        if let Some(kind) = named.filter(|_| steps.is_empty()) {
            let api = format!("the user's {} (stored as {key})", kind.describe());
            sources.push(SourceFact {
                kind,
                api: api.to_string(),
                span: span_of(value.range()),
            });
            steps.push(Step {
                span: span_of(value.range()),
                what: format!("reads {api}: {}", an.snippet(value.range())),
            });
        }
        steps.push(Step {
            span: span_of(at),
            what: format!("set as telemetry attribute {key}: {}", an.snippet(at)),
        });
        flows.push(FlowFact {
            kinds: carried,
            sink: SinkKind::TelemetryAttribute,
            sink_api: format!("telemetry attribute {key}"),
            span: span_of(at),
            endpoints: vec![],
            steps,
            gated_by: vec![],
            sent_before_check: false,
            to_telemetry: false,
        });
    }
    an.facts.sources.extend(sources);
    an.facts.flows.extend(flows);
}
