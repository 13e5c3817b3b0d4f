//! Fuzz target `socket_line`: see [`bgassets_fuzz::socket_line`] for what it calls and what it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgassets_fuzz::socket_line(data);
});
