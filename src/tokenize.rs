mod embedded {
    lindera_dictionary::embedded_dictionary!("/ipadic", IpadicLoader);
}
pub fn load() -> lindera_dictionary::dictionary::Dictionary { embedded::load().unwrap() }
