//! Fuzz target `range`: see [`bgassets_fuzz::range`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::range(data);
});
