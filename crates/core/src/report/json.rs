//! The public diagnosis JSON: one object per response, one per line.

use crate::decode::Diagnosis;

/// One JSON object per diagnosis, each on its own line.
pub fn render(diagnoses: &[Diagnosis]) -> String {
    let mut out = String::new();
    for d in diagnoses {
        // Serialising plain data with string keys cannot fail.
        out.push_str(&super::sanitize_json(
            &serde_json::to_string(d).unwrap_or_else(|_| "{}".into()),
        ));
        out.push('\n');
    }
    out
}
