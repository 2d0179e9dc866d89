//! `linklens inspect FILE...`: what built binaries really are.

use crate::inspect::{BinaryInfo, inspect_path, render_human};
use std::path::Path;

const USAGE: &str = "\
usage: linklens inspect [--json] FILE...

Inspect reads built binaries (ELF, PE, Mach-O) without running them and
reports what each really is: format, machine, interpreter, the libraries it
needs (DT_NEEDED, imported DLLs, dylibs), RPATH/RUNPATH, static, static-pie
or dynamic, the glibc version it needs, and the Go build information.

	--json
		print the facts as JSON.";

pub fn run(args: &[String]) -> i32 {
    if args
        .iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--help"))
    {
        println!("{USAGE}");
        return 0;
    }
    let json = args.iter().any(|a| a == "--json" || a == "-json");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if files.is_empty() {
        eprintln!("{USAGE}");
        return 2;
    }
    let mut infos: Vec<BinaryInfo> = Vec::new();
    let mut code = 0;
    for f in files {
        match inspect_path(Path::new(f)) {
            Ok(info) => infos.push(info),
            Err(e) => {
                eprintln!("linklens inspect: {f}: {e}");
                code = 2;
            }
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&infos).unwrap_or_else(|_| "[]".into())
        );
    } else {
        for (i, info) in infos.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{}", render_human(info));
        }
    }
    code
}
