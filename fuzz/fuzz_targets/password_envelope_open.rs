//! Password envelopes come from files and other JOSE libraries: any string
//! must be refused cleanly or opened, never panic. The real KDF is swapped for
//! one iteration so the fuzzer gets past it; every other check is the real one.
//! Seeds: the envelopes of tests/vectors/pbes2_hs512_a256kw.json.
#![no_main]
use blindvault::password_envelope::dangerous_open_with_cheap_kdf_for_fuzzing as open;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(jwe) = std::str::from_utf8(data) else { return };
    let _ = open(jwe, "password");
});
