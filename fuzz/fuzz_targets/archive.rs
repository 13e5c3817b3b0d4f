//! Fuzz target `archive`: see [`bgassets_fuzz::archive`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::archive(data);
});
