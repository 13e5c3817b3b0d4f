//! How the process's memory allocator treats the engine's buffers. A download streams through
//! buffers of up to a few hundred KiB that are allocated on one thread and freed on another a
//! moment later; glibc's defaults hand such memory back to the kernel as soon as it is freed
//! (its trim threshold follows the largest buffer seen, about twice 400 KiB), so the next buffer
//! is faulted in page by page again. A 1 GiB download took about 100,000 page faults that way
//! (docs/performance.md, "The allocator"). [`tune`] raises both thresholds once at start-up.
//! It also caps the arenas at [`ARENAS_PER_CORE`] a core: glibc gives threads up to eight a
//! core, each keeping up to the trim threshold of freed memory, and the engine's finishing and
//! blocking threads took a dozen of them (the daemon's RSS after 2,000 small installs: 100 MB;
//! with two a core, four here, 78 MB, the installs as fast; 500 small downloads no slower).
//! Elsewhere (macOS, Windows, musl) there is nothing to tune.

/// Freed memory kept by each of glibc's arenas before it is given back to the kernel.
pub const TRIM_THRESHOLD: usize = 8 << 20;

/// Blocks at least this big get pages of their own from the kernel (and give them back when
/// freed); smaller ones come from the arenas. Above every streaming buffer the engine uses (a
/// held body is at most 1 MiB, one read at most about 400 KiB).
pub const MMAP_THRESHOLD: usize = 2 << 20;

/// Arenas of glibc's allocator per core, at most (its default is eight).
pub const ARENAS_PER_CORE: usize = 2;

/// Sets [`TRIM_THRESHOLD`], [`MMAP_THRESHOLD`] and the arena cap on glibc. Call once, first
/// thing in `main`, before other threads start. Returns whether all three were taken (always
/// false where there is nothing to tune): the defaults are safe, only slower, so a refusal is
/// not an error.
pub fn tune() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |param, value: usize| {
            let value = libc::c_int::try_from(value).unwrap_or(libc::c_int::MAX);
            // SAFETY: mallopt only changes glibc's allocator parameters; both are documented
            // settable at any time, and the values are in range.
            unsafe { libc::mallopt(param, value) == 1 }
        };
        let trim = set(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        let mmap = set(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let arenas = set(libc::M_ARENA_MAX, cores.saturating_mul(ARENAS_PER_CORE));
        trim && mmap && arenas
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

// Both fit glibc's `int`, and a held body is below the threshold (it comes from an arena).
const _: () = assert!(TRIM_THRESHOLD <= i32::MAX as usize);
const _: () = assert!(MMAP_THRESHOLD as u64 > crate::engine::held::SMALL);
const _: () = assert!(TRIM_THRESHOLD >= MMAP_THRESHOLD);

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn glibc_takes_the_thresholds_and_the_arena_cap() {
        assert!(super::tune());
    }
}
