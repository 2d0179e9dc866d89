use linklens::cli;

// A run allocates some hundred thousand small headers and paths from
// several threads; glibc's malloc showed as a fifth of a warm check.
// Linux only: the release's macOS and Windows builds are cross-compiled
// (zig, MinGW) and have not been measured with it.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages: mimalloc asks for them, and a check's
/// ~90 MB of short-lived allocations then fault in 2 MB pages that the
/// kernel zeroes and, on a machine whose memory other programs have
/// fragmented, compacts first. k9s, run between `go list`s: 300 ms wall
/// with them, 156 ms without (scripts/bench-real.sh). Set by a constructor,
/// before the runtime's first allocation (std's thread info, before
/// `main`): set from `main`, it came after mimalloc's first arena had
/// faulted two huge pages (and could wait for their compaction). The
/// time of a run did not change measurably.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NO_THP: extern "C" fn() = {
    extern "C" fn no_thp() {
        // SAFETY: prctl with integer arguments reads and writes no memory
        // of this process; failing (an old kernel) changes nothing.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
    no_thp
};

fn main() {
    // Arguments are taken as text: one that is not UTF-8 is a usage error
    // (std::env::args would panic on it).
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect()
    {
        Ok(args) => args,
        Err(bad) => {
            eprintln!(
                "linklens: argument {:?} is not valid UTF-8",
                bad.to_string_lossy()
            );
            std::process::exit(2);
        }
    };
    if args.first().map(String::as_str) != Some("serve") {
        // LINKLENS_LOG=debug: the reasoning on stderr (stdout stays the output).
        linklens::log::init_cli();
    }
    let code = match args.first().map(String::as_str) {
        Some("check") => cli::check::run(&args[1..]),
        Some("inspect") => cli::inspect::run(&args[1..]),
        Some("serve")
            if args[1..]
                .iter()
                .any(|a| matches!(a.as_str(), "-h" | "-help" | "--help")) =>
        {
            println!(
                "usage: linklens serve\n\nServe runs the language server over standard input and output (LSP).\nSettings come from the client (initializationOptions, workspace/configuration)."
            );
            0
        }
        Some("serve") => linklens::lsp::run(),
        Some("-h" | "--help" | "help") => {
            println!("{}", cli::USAGE);
            0
        }
        Some("--version" | "version") => {
            println!("linklens {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some(other) => {
            eprintln!("linklens: unknown command {other:?}\n\n{}", cli::USAGE);
            2
        }
        None => {
            eprintln!("{}", cli::USAGE);
            2
        }
    };
    std::process::exit(code);
}
