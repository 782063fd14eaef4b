//! Fresh randomness (crypto.getRandomValues in workerd). Only ever called inside a request:
//! workerd forbids random values at global scope.

/// 128 random bits as 32 lowercase hex digits.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the platform provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
