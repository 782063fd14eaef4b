//! bbb-web's checksum check, re-implemented from its source (GetChecksum, ValidationService,
//! ParamsProcessorUtil.isChecksumSame), independently of bbb-edge's signer.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Why a request failed the check. bbb-web answers `checksumError` for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumFailure {
    Missing,
    Duplicated,
    UnsupportedLength,
    Mismatch,
}

/// Checks `raw_query` (exactly as received, still percent-encoded) for `call`:
/// 1. more than one `checksum` parameter is refused (bbb-web 3.0.37+);
/// 2. the first `checksum` value (decoded) is cut out of the raw query by plain string replacement;
/// 3. the hash is picked by the checksum's length, among `supported` algorithms;
/// 4. `hex(H(call + rest + secret))` is compared ignoring case.
pub fn verify(call: &str, raw_query: &str, secret: &str, supported: &[String]) -> Result<(), ChecksumFailure> {
    let values: Vec<String> = form_urlencoded::parse(raw_query.as_bytes())
        .filter(|(name, _)| name == "checksum")
        .map(|(_, value)| value.into_owned())
        .collect();
    let checksum = match values.as_slice() {
        [] => return Err(ChecksumFailure::Missing),
        [one] => one,
        _ => return Err(ChecksumFailure::Duplicated),
    };
    let rest = raw_query
        .replace(&format!("&checksum={checksum}"), "")
        .replace(&format!("checksum={checksum}&"), "")
        .replace(&format!("checksum={checksum}"), "");
    let data = format!("{call}{rest}{secret}");
    let allowed = |name: &str| supported.iter().any(|s| s == name);
    let expected = match checksum.len() {
        40 if allowed("sha1") => hex::encode(Sha1::digest(data.as_bytes())),
        64 if allowed("sha256") => hex::encode(Sha256::digest(data.as_bytes())),
        96 if allowed("sha384") => hex::encode(Sha384::digest(data.as_bytes())),
        128 if allowed("sha512") => hex::encode(Sha512::digest(data.as_bytes())),
        _ => return Err(ChecksumFailure::UnsupportedLength),
    };
    if expected.eq_ignore_ascii_case(checksum) {
        Ok(())
    } else {
        Err(ChecksumFailure::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<String> {
        ["sha1", "sha256", "sha384", "sha512"].map(String::from).to_vec()
    }

    #[test]
    fn published_vectors_pass_wherever_the_checksum_sits() {
        let secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
        let query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
        let sha1 = "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17";
        assert_eq!(verify("create", &format!("{query}&checksum={sha1}"), secret, &all()), Ok(()));
        assert_eq!(verify("create", &format!("checksum={sha1}&{query}"), secret, &all()), Ok(()));
        // bbb-web compares ignoring case since PR #16674.
        assert_eq!(verify("create", &format!("{query}&checksum={}", sha1.to_uppercase()), secret, &all()), Ok(()));
        let sha512 = "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4";
        assert_eq!(verify("create", &format!("{query}&checksum={sha512}"), secret, &all()), Ok(()));
        // Greenlight spec A5: checksum first.
        assert_eq!(
            verify("getUser", "checksum=14727e995e790f61f6f0be878d52efb248b00e92&name=bbb", "test", &all()),
            Ok(())
        );
    }

    #[test]
    fn failures() {
        let secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
        let query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
        let sha1 = "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17";
        assert_eq!(verify("create", query, secret, &all()), Err(ChecksumFailure::Missing));
        assert_eq!(verify("join", &format!("{query}&checksum={sha1}"), secret, &all()), Err(ChecksumFailure::Mismatch));
        // Re-encoding a space as %20 changes the hashed bytes.
        let reencoded = query.replace('+', "%20");
        assert_eq!(
            verify("create", &format!("{reencoded}&checksum={sha1}"), secret, &all()),
            Err(ChecksumFailure::Mismatch)
        );
        assert_eq!(
            verify("create", &format!("{query}&checksum={sha1}&checksum={sha1}"), secret, &all()),
            Err(ChecksumFailure::Duplicated)
        );
        assert_eq!(
            verify("create", &format!("{query}&checksum=abc"), secret, &all()),
            Err(ChecksumFailure::UnsupportedLength)
        );
        let only_256 = vec!["sha256".to_owned()];
        assert_eq!(
            verify("create", &format!("{query}&checksum={sha1}"), secret, &only_256),
            Err(ChecksumFailure::UnsupportedLength)
        );
    }
}
