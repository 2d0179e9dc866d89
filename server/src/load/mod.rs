//! The package loader: which files of a directory build under a `Config`,
//! their imports and cgo use, and the import graph from each main package.
//! File headers are cached by content stamp, packages by (directory, tags),
//! and open editor buffers override the disk.

pub mod go_index;
pub mod graph;
pub mod header_index;
pub mod package;
pub mod patterns;
pub mod source;

pub use graph::{Graph, ImportChain};
pub use package::{Import, ImportRef, LoadError, Package, SourceFile};
pub use source::{Overlay, Sources};
