//! `uniffi-bindgen`, built from the same uniffi version as the binding it generates for.

fn main() {
    uniffi::uniffi_bindgen_main()
}
