//! Returning freed heap memory to the system. Rebuilding the table for thousands of clients
//! builds a large nft batch for a moment; glibc keeps the freed pages in its arenas, so the
//! daemon's RSS would stay at that peak for good. (apfree-wifidog users met the same growth,
//! `reference/gateway-anchors.md` #244.)

/// Asks the allocator to release free memory at the top of its heaps.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers and
    // is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
