//! Stored strings read as the reference implementations read them (issue #18,
//! item 10): what passlib/libpass, libxcrypt, glibc and crypt_blowfish verify
//! must verify, and what all of them refuse must be `Error::Malformed`, never a
//! verification.
//!
//! Strings made for these tests were checked by an independent implementation:
//! `crypt.crypt` of Python 3.11 (libxcrypt 4.4) and `openssl passwd` for the
//! crypt(3) salts, libxcrypt's `crypt()` (through ctypes) for `$3$$`, python
//! bcrypt for passlib's `bcrypt_sha256` version 1. The refused strings are real
//! vectors of ../shared/vectors with one field edited.

mod common;

use rehash::{Error, Policy, Scheme, Stored, Verification};

fn verify(hash: &str, password: &[u8]) -> rehash::Result<Verification> {
    Policy::default().verify(password, Stored::new(hash))
}

#[track_caller]
fn assert_valid(hash: &str, password: &[u8], scheme: Scheme) {
    match verify(hash, password) {
        Ok(Verification::Valid { identified, .. }) => assert_eq!(identified.scheme, scheme, "{hash}"),
        other => panic!("{hash} with {password:?}: expected valid, got {other:?}"),
    }
    let mut wrong = password.to_vec();
    match wrong.first_mut() {
        Some(b) => *b ^= 0x20,
        None => wrong.push(b'x'),
    }
    assert!(matches!(verify(hash, &wrong), Ok(Verification::Invalid { .. })), "{hash}: a wrong password");
}

#[track_caller]
fn assert_malformed(hash: &str, password: &[u8]) {
    let got = verify(hash, password);
    assert!(matches!(got, Err(Error::Malformed { .. })), "{hash}: expected Err(Malformed), got {got:?}");
    let id = rehash::identify(hash);
    assert!(matches!(id, Err(Error::Malformed { .. })), "{hash}: identify gave {id:?}");
}

/// The first valid vector of `family` (waves 1 and 2) whose hash has `marker`
/// followed by a non-zero digit; its hash with a `0` put after the marker.
fn padded(family: &str, marker: &str) -> Option<(common::Vector, String)> {
    let mut all = common::load("valid_invalid.jsonl")?;
    all.extend(common::load("more_valid_invalid.jsonl")?);
    let v = all
        .into_iter()
        .find(|v| {
            v.expect == "valid"
                && v.family.as_deref() == Some(family)
                && v.hash.find(marker).is_some_and(|i| {
                    v.hash.as_bytes().get(i + marker.len()).is_some_and(|c| (b'1'..=b'9').contains(c))
                })
        })
        .unwrap_or_else(|| panic!("no valid {family} vector with `{marker}` + a digit"));
    let at = v.hash.find(marker).expect("marker") + marker.len();
    let hash = format!("{}0{}", &v.hash[..at], &v.hash[at..]);
    Some((v, hash))
}

#[test]
fn decimal_fields_with_a_leading_zero_are_malformed() {
    let fields: &[(&str, &str)] = &[
        ("sha256_crypt", "$rounds="),
        ("sha512_crypt", "$rounds="),
        ("ldap_sha512_crypt", "$rounds="),
        ("pbkdf2_sha1_passlib", "$pbkdf2$"),
        ("pbkdf2_sha256_passlib", "$pbkdf2-sha256$"),
        ("pbkdf2_sha512_passlib", "$pbkdf2-sha512$"),
        ("django_pbkdf2_sha256", "pbkdf2_sha256$"),
        ("django_pbkdf2_sha1", "pbkdf2_sha1$"),
        ("bcrypt_sha256", ",r="),
        ("scrypt_passlib", "$ln="),
        ("scrypt_passlib", ",r="),
        ("scrypt_passlib", ",p="),
        ("argon2id", ",t="),
        ("argon2id", "$m="),
        ("argon2id", ",p="),
        ("argon2i", ",t="),
        ("argon2d", ",t="),
        ("django_argon2", ",t="),
        ("django_scrypt", "scrypt$"),
        ("werkzeug_pbkdf2", ":sha256:"),
        ("werkzeug_scrypt", "scrypt:"),
        ("sha1_crypt", "$sha1$"),
        ("sun_md5_crypt", ",rounds="),
        ("ldap_pbkdf2_sha1", "{PBKDF2}"),
        ("ldap_pbkdf2_sha256", "{PBKDF2-SHA256}"),
        ("grub_pbkdf2_sha512", "grub.pbkdf2.sha512."),
        ("postgres_scram_sha256", "SCRAM-SHA-256$"),
        ("fshp", "|"),
        ("cta_pbkdf2_sha1", "$p5k2$"),
    ];
    for (family, marker) in fields {
        let Some((v, bad)) = padded(family, marker) else { return };
        // The real vector verifies as it is…
        let row = Policy::default().verify(&v.password, common::stored(&v));
        assert!(matches!(row, Ok(Verification::Valid { .. })), "{}: {row:?}", v.id);
        let scheme = Scheme::from_name(family).expect("family");
        assert_valid(&v.hash, &v.password, scheme);
        // …and with the zero-padded field it is malformed.
        assert_malformed(&bad, &v.password);
    }
}

#[test]
fn the_strings_of_the_issue_are_malformed() {
    // The issue's own spellings (the rest of each string from a real vector).
    let Some((v, _)) = padded("sha256_crypt", "$rounds=") else { return };
    let tail = v.hash.split_once("$rounds=").and_then(|(_, r)| r.split_once('$')).expect("fields").1;
    assert_malformed(&format!("$5$rounds=010428${tail}"), &v.password);
    let Some((v, _)) = padded("sha512_crypt", "$rounds=") else { return };
    let tail = v.hash.split_once("$rounds=").and_then(|(_, r)| r.split_once('$')).expect("fields").1;
    assert_malformed(&format!("$6$rounds=011021${tail}"), &v.password);
    for (family, marker, bad) in [
        ("pbkdf2_sha1_passlib", "$pbkdf2$", "01212"),
        ("pbkdf2_sha256_passlib", "$pbkdf2-sha256$", "01212"),
        ("django_pbkdf2_sha256", "pbkdf2_sha256$", "010000"),
    ] {
        let Some((v, _)) = padded(family, marker) else { return };
        let rest = v.hash.split_once(marker).and_then(|(_, r)| r.split_once('$')).expect("fields").1;
        assert_malformed(&format!("{marker}{bad}${rest}"), &v.password);
    }
    let Some((v, _)) = padded("scrypt_passlib", "$ln=") else { return };
    let rest = v.hash.split_once(',').expect("fields").1;
    assert_malformed(&format!("$scrypt$ln=04,{rest}"), &v.password);
    let Some((v, _)) = padded("argon2id", ",t=") else { return };
    let (head, rest) = v.hash.split_once(",t=").expect("fields");
    let rest = rest.split_once(',').expect("fields").1;
    assert_malformed(&format!("{head},t=01,{rest}"), &v.password);
}

#[test]
fn bcrypt_costs_are_two_digits() {
    // A real `$2a$05$` (mkpasswd), Django's `bcrypt$$…` and LDAP's `{CRYPT}…`.
    let mut all = common::load("valid_invalid.jsonl").unwrap_or_default();
    all.extend(common::load("more_valid_invalid.jsonl").unwrap_or_default());
    if all.is_empty() {
        return;
    }
    for (family, prefix) in
        [("bcrypt", "$2a$0"), ("django_bcrypt", "bcrypt$$2b$0"), ("ldap_bcrypt", "{CRYPT}$2b$0")]
    {
        let v = all
            .iter()
            .find(|v| {
                v.expect == "valid" && v.family.as_deref() == Some(family) && v.hash.starts_with(prefix)
            })
            .unwrap_or_else(|| panic!("no {family} vector starting {prefix}"));
        assert_valid(&v.hash, &v.password, Scheme::from_name(family).expect("family"));
        let one_digit = format!("{}{}", &prefix[..prefix.len() - 1], &v.hash[prefix.len()..]);
        assert_malformed(&one_digit, &v.password);
        let three_digits = format!("{}0{}", prefix, &v.hash[prefix.len()..]);
        assert_malformed(&three_digits, &v.password);
    }
    // passlib's bcrypt_sha256 writes its cost in decimal: `2a,5` and `r=5`,
    // never `2a,05` / `r=05` (ZeroPaddedRoundsError). Version 1, made with
    // libpass 1.9.4 and checked with python bcrypt over base64(sha256(pw)):
    let v1 = "$bcrypt-sha256$2a,5$lCzUMrihxDlY2NkxhdhdrO$hXdxlO3xw9YFVjaIA/Eh1hVc8IRTh1u";
    assert_valid(v1, b"password", Scheme::BcryptSha256);
    assert_malformed(&v1.replace("2a,5$", "2a,05$"), b"password");
}

#[test]
fn django_1_0_des_crypt_salt_field_of_five_characters() {
    // passlib's django_des_crypt test vectors: only the first two characters
    // of the salt field are the crypt's salt.
    assert_valid("crypt$c2e86$c2M87q...WWcU", b"password", Scheme::DjangoDesCrypt);
    assert_valid("crypt$c2$c2M87q...WWcU", b"password", Scheme::DjangoDesCrypt);
    assert_valid("crypt$$c2M87q...WWcU", b"password", Scheme::DjangoDesCrypt);
    assert_valid("crypt$c2.AZ$c2M87q...WWcU", b"passwordignoreme", Scheme::DjangoDesCrypt);
    // The salt field must start with the crypt's salt.
    assert_malformed("crypt$c3e86$c2M87q...WWcU", b"password");
    assert_malformed("crypt$c$c2M87q...WWcU", b"password");
    assert_malformed("crypt$c2e8:$c2M87q...WWcU", b"password");
}

#[test]
fn bsd_nthash_widens_bytes_and_ntlm_stays_utf16() {
    // libxcrypt's own test table: `étude` as UTF-8 bytes, each widened to 16 bits.
    let etude = "étude".as_bytes();
    assert_valid("$3$$14afdf1514c72786089966de5e09b928", etude, Scheme::BsdNthash);
    // The UTF-16LE NT hash of the same text is not what FreeBSD stores…
    assert!(matches!(
        verify("$3$$e19b38155fff0f9aed5ad4b95b84f943", etude),
        Ok(Verification::Invalid { .. })
    ));
    // …but is what Windows (`ntlm`) stores (libpass nthash).
    let ntlm = Stored::new("e19b38155fff0f9aed5ad4b95b84f943").with_scheme(Scheme::Ntlm);
    assert!(matches!(Policy::default().verify(etude, ntlm), Ok(Verification::Valid { .. })));
    let ntlm = Stored::new("14afdf1514c72786089966de5e09b928").with_scheme(Scheme::Ntlm);
    assert!(matches!(Policy::default().verify(etude, ntlm), Ok(Verification::Invalid { .. })));
}

#[test]
fn crypt_salts_as_glibc_and_libxcrypt_read_them() {
    // libxcrypt's test table: md5-crypt with an empty salt.
    assert_valid("$1$$Nxrr.XTiS6AY.7S2ye3OA1", b"foobarbaz", Scheme::Md5Crypt);
    // Printable salt characters outside the crypt alphabet (libxcrypt's table;
    // the others made with Python 3.11's crypt and `openssl passwd`).
    assert_valid("$1$########$BTXbxyZ1vI4TivVy61i3y.", b"foobarbaz", Scheme::Md5Crypt);
    assert_valid("$1$#%&()+,$QiJuXtZJaTTqizAOh8VOm/", b"foobarbaz", Scheme::Md5Crypt);
    assert_valid("{CRYPT}$1$########$BTXbxyZ1vI4TivVy61i3y.", b"foobarbaz", Scheme::LdapMd5Crypt);
    assert_valid("$apr1$#%&()+,-$SLYRD3SS4idrCEO/Rb77d0", b"foobarbaz", Scheme::Apr1);
    assert_valid(
        "$5$########$Bcqd/1Qii3tckH98SjVean78KqGf4VvLxpO2fG232h.",
        b"foobarbaz",
        Scheme::Sha256Crypt,
    );
    assert_valid(
        "$6$rounds=1000$#%&()+,-=?@[]^_$vJN/WP4lMNI3u9aVj2Hz0iK7n5SXE7tCdsbw84qsFv6N4txtBPfb1g/wf8c15Z5K5fcOnpb1cKlRetJVHA5BR/",
        b"foobarbaz",
        Scheme::Sha512Crypt,
    );
    assert_valid(
        "$6$$t2FbUVbthAvIU7XM/8/NizHqHc/gcVkV6TK7SSXPCv.uHfMVKKmKs1ezXF8vtKC6ACvY0g/lmErEnI4Jy8WY9/",
        b"foobarbaz",
        Scheme::Sha512Crypt,
    );
    // libxcrypt refuses `!`, `*`, `:`, `;`, `\` and white space in a setting.
    for salt in ["ab:cd", "ab;cd", "ab!cd", "ab*cd", "ab\\cd", "ab cd"] {
        assert_malformed(&format!("$1${salt}$BTXbxyZ1vI4TivVy61i3y."), b"foobarbaz");
        assert_malformed(&format!("$5${salt}$Bcqd/1Qii3tckH98SjVean78KqGf4VvLxpO2fG232h."), b"foobarbaz");
    }
    // Longer salts than the families write stay malformed.
    assert_malformed("$1$123456789$BTXbxyZ1vI4TivVy61i3y.", b"foobarbaz");
}

#[test]
fn bcrypt_2a_safety_measure_of_crypt_blowfish() {
    // Made by libxcrypt 4.4's crypt() (crypt_blowfish's code), salt
    // `/OK.fbVrR/bpIqNJ5ianF.`. For these keys crypt_blowfish's `$2a$` flips
    // bit 16 of the first subkey; its `$2b$` (and OpenBSD's, python bcrypt's
    // `$2a$`) does not.
    let flipped: &[(&[u8], &str, &str)] = &[
        (b"\xff\xff\xa3", "nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.", "CE5elHaaO4EbggVDjb8P19RukzXSM3e"),
        (b"\xff\xa3\x34", "iJVJLWKULe.Gy8T1T4n8KsLCGFMvz36", "9MMbTRbD6MOVSABwI3R2/m8QFHuWpAe"),
        (b"\xff\xff\xff", "fz0PAsxs8/N1WDMGjhe9pSv1M3EaHle", "J/g/3vmHprg.qPkSbeCv3LYtSJZhaqi"),
        (&[0xff; 72], "GmmOxYeRFWNTnTfxPop5mcx4jk02NZ2", "2ZyrebQBfOTVxYb9iEIwvYR6kvG2WG2"),
    ];
    let salt = "/OK.fbVrR/bpIqNJ5ianF.";
    for (pw, a, b) in flipped {
        assert_valid(&format!("$2a$05${salt}{a}"), pw, Scheme::Bcrypt);
        assert_valid(&format!("$2b$05${salt}{b}"), pw, Scheme::Bcrypt);
        assert_valid(&format!("$2y$05${salt}{b}"), pw, Scheme::Bcrypt);
        assert_valid(&format!("{{CRYPT}}$2a$05${salt}{a}"), pw, Scheme::LdapBcrypt);
        // The unflipped checksum under `$2a$` is not crypt_blowfish's answer.
        assert!(matches!(verify(&format!("$2a$05${salt}{b}"), pw), Ok(Verification::Invalid { .. })));
    }
    // A byte >= 0x80 whose sign extension would change the key: no flip, `$2a$` = `$2b$`.
    assert_valid(&format!("$2a$05${salt}Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"), b"\xa3", Scheme::Bcrypt);
    assert_valid(&format!("$2b$05${salt}Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"), b"\xa3", Scheme::Bcrypt);
}

#[test]
fn bcrypt_2x_as_crypt_blowfish_before_1_1() {
    // `$2x$`: crypt_blowfish < 1.1 (PHP < 5.3.7) read key bytes as signed
    // `char`; libxcrypt still verifies such rows. crypt_blowfish's own test
    // vectors, each confirmed by libxcrypt 4.4.33's crypt().
    let salt = "/OK.fbVrR/bpIqNJ5ianF.";
    // The flag: whether the correct reading (`$2b$`) differs. For
    // `\xff\xff\xa3` the two readings agree (the case `$2a$`'s flip exists
    // for); in `\xa3ab` the high byte opens its word, where sign extension
    // only fills bits shifted out.
    let x: &[(&[u8], &str, bool)] = &[
        (b"\xa3", "CE5elHaaO4EbggVDjb8P19RukzXSM3e", true),
        (b"\xff\xff\xa3", "CE5elHaaO4EbggVDjb8P19RukzXSM3e", false),
        (b"1\xa3345", "o./n25XVfn6oAPaUvHe.Csk4zRfsYPi", true),
        (b"\xff\xa3345", "o./n25XVfn6oAPaUvHe.Csk4zRfsYPi", true),
        (b"\xa3ab", "6IflQkJytoRVc1yuaNtHfiuq.FRlSIS", false),
    ];
    for &(pw, sum, differs) in x {
        // (`assert_valid`'s wrong password flips bit 5 of the first byte,
        // which the bug may erase: `\xdf\xff\xa3` is `\xff\xff\xa3` under
        // `$2x$`, the weakness that made it a variant of its own.)
        let hash = format!("$2x$05${salt}{sum}");
        assert!(matches!(verify(&hash, pw), Ok(Verification::Valid { .. })), "{hash} {pw:?}");
        let mut wrong = pw.to_vec();
        wrong.push(b'!');
        assert!(matches!(verify(&hash, &wrong), Ok(Verification::Invalid { .. })), "{hash} {wrong:?}");
        // Under `$2b$` the same checksum is the password's only where the
        // readings agree.
        let b = verify(&format!("$2b$05${salt}{sum}"), pw);
        assert_eq!(matches!(b, Ok(Verification::Invalid { .. })), differs, "{pw:?}");
    }
    // On ASCII the bug changes nothing: `$2x$` verifies like `$2b$`.
    assert_valid("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", b"U*U", Scheme::Bcrypt);
}

#[test]
fn strings_read_anew_wrap_and_verify() {
    // The wrapped form keeps what the legacy string needs: an empty or
    // non-crypt64 salt, a Django 1.0 salt field, a `$3$$` of a UTF-8 password.
    let policy = Policy::default();
    for (hash, pw) in [
        ("$1$$Nxrr.XTiS6AY.7S2ye3OA1", &b"foobarbaz"[..]),
        ("$1$########$BTXbxyZ1vI4TivVy61i3y.", b"foobarbaz"),
        ("$5$########$Bcqd/1Qii3tckH98SjVean78KqGf4VvLxpO2fG232h.", b"foobarbaz"),
        ("crypt$c2e86$c2M87q...WWcU", b"password"),
        ("$3$$14afdf1514c72786089966de5e09b928", "étude".as_bytes()),
    ] {
        let wrapped = policy.wrap(Stored::new(hash)).unwrap_or_else(|e| panic!("{hash}: {e}"));
        let got = policy.verify(pw, Stored::new(&wrapped));
        assert!(matches!(got, Ok(Verification::Valid { .. })), "{hash} → {wrapped}: {got:?}");
        let got = policy.verify(b"wrong", Stored::new(&wrapped));
        assert!(matches!(got, Ok(Verification::Invalid { .. })), "{hash} → {wrapped}: {got:?}");
    }
}
