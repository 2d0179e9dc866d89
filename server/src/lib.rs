//! linklens: predicts whether `go build` will produce a statically or
//! dynamically linked binary, why, and how to change it.

pub mod gosrc;
pub mod inspect;
pub mod modules;
