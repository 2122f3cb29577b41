//! Returning freed heap memory to the system. Rebuilding the table for thousands of clients
//! builds a large nft batch for a moment; glibc keeps the freed pages in its arenas, so the
//! daemon's RSS would stay at that peak for good. (apfree-wifidog users met the same growth,
//! `reference/gateway-anchors.md` #244.)

/// Malloc arenas the daemon uses. glibc gives busy threads arenas of their own (up to 8 per
/// core); each keeps its own free pages, so memory freed on one thread is not reused by the
/// next allocation on another. Measured with 10,000 clients: RSS median 57 MB with the
/// default, 40 MB with one arena, at no measurable CPU cost (a handful of threads, rarely
/// allocating at once).
const MALLOC_ARENAS: i32 = 1;

/// Allocations from this size on get pages of their own, returned when freed. glibc's
/// default threshold rises to the size of the last such block freed, after which argon2's
/// 19 MiB per password check came from the heap, was split by small allocations once freed,
/// and the next check took fresh pages: RSS grew 19 MiB a login (a flood of 60 checks,
/// two at a time: 17 → 1,070 MB; with this threshold it stays under 60 MB).
const MMAP_THRESHOLD: i32 = 4 << 20;

/// Sets the allocator up for a long-running daemon; call first thing in `main`, before any
/// other thread exists.
pub fn configure_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Asks the allocator to release free memory at the top of its heaps.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers and
    // is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
