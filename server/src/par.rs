//! Running independent pieces of work on every core (package loads,
//! predictions, directory listings): scoped threads, results in order.

use std::sync::Mutex;

/// How many threads parallel work uses: the cores, up to 8.
pub fn threads() -> usize {
    // available_parallelism reads cgroup files on every call: ask once.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8)
    })
}

/// Runs `worker` on `threads()` threads at once and waits for them all.
pub fn run(worker: impl Fn() + Sync) {
    std::thread::scope(|scope| {
        for _ in 1..threads() {
            scope.spawn(&worker);
        }
        worker();
    });
}

/// `f` over `items` on up to 8 threads, results in input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = threads().min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut out) = results.lock() {
                        out.push((i, r));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}
