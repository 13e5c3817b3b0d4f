//! Fuzz target `server_manifest`: see [`bgassets_fuzz::server_manifest`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::server_manifest(data);
});
