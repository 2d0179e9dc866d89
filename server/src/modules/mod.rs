//! Where an import path lives: go.mod, go.work and vendor/modules.txt
//! parsing, replace directives, the module cache layout and GOROOT/src.
//! Knows nothing about predictions or the LSP.

pub mod gomod;
pub mod gowork;
pub mod modcache;
pub mod resolve;
pub mod semver;
mod syntax;
pub mod vendor;

pub use gomod::{GoMod, parse_go_mod};
pub use gowork::{GoWork, parse_go_work};
pub use resolve::{ModFlag, Resolution, Resolver, ResolverConfig};
pub use vendor::{VendorModules, parse_modules_txt};
