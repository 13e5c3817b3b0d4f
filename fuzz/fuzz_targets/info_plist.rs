//! Fuzz target `info_plist`: see [`bgassets_fuzz::info_plist`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::info_plist(data);
});
