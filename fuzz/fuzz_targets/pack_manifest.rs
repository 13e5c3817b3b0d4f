//! Fuzz target `pack_manifest`: see [`bgassets_fuzz::pack_manifest`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::pack_manifest(data);
});
