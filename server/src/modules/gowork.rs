//! go.work parsing.

use super::gomod::{ModError, Replace};
use crate::gosrc::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoWork {
    pub go_version: Option<String>,
    /// `use` directory paths as written, with spans.
    pub uses: Vec<(String, Span)>,
    pub replaces: Vec<Replace>,
    pub errors: Vec<ModError>,
}

pub fn parse_go_work(src: &str) -> GoWork {
    let _ = src;
    todo!("modules helper implements this")
}
