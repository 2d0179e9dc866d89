//! vendor/modules.txt parsing.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorModules {
    pub modules: Vec<VendoredModule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendoredModule {
    pub path: String,
    pub version: String,
    /// `## explicit` annotation.
    pub explicit: bool,
    /// Packages listed under the module.
    pub packages: Vec<String>,
}

pub fn parse_modules_txt(src: &str) -> VendorModules {
    let _ = src;
    todo!("modules helper implements this")
}
