//! Declared recipes against independent vectors: tests/recipes/vectors.jsonl
//! was written by Python's hashlib (tests/recipes/make_vectors.py), never by
//! rehash. Nested and iterated digests, an application constant, upper-case
//! hex and base64 output.

use rehash::{DigestEncoding, Policy, Recipe, SaltLayout, Scheme, Stored};
use serde_json::Value;

fn recipe_of(v: &Value) -> Recipe {
    let encoding = match v["encoding"].as_str() {
        Some("base64") => DigestEncoding::Base64,
        _ => DigestEncoding::Hex,
    };
    let layout = match v["layout"].as_str().expect("layout") {
        "hash_colon_salt" => SaltLayout::HashColonSalt,
        "salt_dollar_hash" => SaltLayout::SaltDollarHash,
        "separate" => SaltLayout::Separate,
        _ => SaltLayout::None,
    };
    let mut r = Recipe::new(v["notation"].as_str().expect("notation"), encoding, layout).expect("recipe");
    if let Some(rounds) = v["rounds"].as_u64() {
        r = r.with_rounds(rounds as u32, v["raw_rounds"].as_bool().unwrap_or(false)).expect("rounds");
    }
    if let Some(c) = v["constant"].as_str() {
        r = r.with_constant(c.as_bytes());
    }
    r
}

#[test]
fn hashlib_vectors_verify_and_negatives_do_not() {
    let text = include_str!("recipes/vectors.jsonl");
    let mut n = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        let policy = Policy::builder().recipe(recipe_of(&v)).build().expect("policy");
        let hash = v["hash"].as_str().expect("hash");
        let mut stored = Stored::new(hash).with_scheme(Scheme::Recipe);
        if let Some(s) = v["salt"].as_str() {
            stored = stored.with_salt(s);
        }
        let pw = v["password"].as_str().expect("password");
        let ok = policy.verify(pw.as_bytes(), stored).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
        assert!(ok.is_valid(), "{} should verify", v["id"]);
        assert!(ok.needs_upgrade());
        let wrong = format!("{pw}x");
        assert!(!policy.verify(wrong.as_bytes(), stored).expect("verify").is_valid(), "{}", v["id"]);
        n += 1;
    }
    assert_eq!(n, 50);
}

#[test]
fn the_constant_is_redacted() {
    let r = Recipe::new("md5($const.$pass)", DigestEncoding::Hex, SaltLayout::None)
        .expect("recipe")
        .with_constant(b"TOPSECRETKEY");
    assert!(!format!("{r:?}").contains("TOPSECRET"));
}

// ---------------------------------------------------------------------------
// KDF and HMAC recipes (issue #19, item 3).

use std::time::{Duration, Instant};

use rehash::{Error, Verification};

/// A `[[legacy.recipe]]` table from a JSON object of its keys.
fn recipe_toml(recipe: &Value) -> String {
    let mut t = String::from("[[legacy.recipe]]\n");
    for (k, v) in recipe.as_object().expect("recipe object") {
        t.push_str(&format!("{k} = {}\n", serde_json::to_string(v).expect("json")));
    }
    t
}

fn stored_of(v: &Value) -> Stored<'_> {
    let mut s = Stored::new(v["hash"].as_str().expect("hash")).with_scheme(Scheme::Recipe);
    if let Some(salt) = v["salt"].as_str() {
        s = s.with_salt(salt);
    }
    if let Some(col) = v["params_col"].as_str() {
        s = s.with_params_col(col);
    }
    s
}

fn password_of(v: &Value) -> Vec<u8> {
    match v["password_hex"].as_str() {
        Some(h) => {
            (0..h.len() / 2).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex")).collect()
        }
        None => v["password"].as_str().expect("password").as_bytes().to_vec(),
    }
}

#[test]
fn kdf_and_hmac_vectors_from_python_verify_and_negatives_do_not() {
    let text = include_str!("recipes/kdf_vectors.jsonl");
    let mut n = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        let toml = recipe_toml(&v["recipe"]);
        let policy = Policy::from_toml(&toml).unwrap_or_else(|e| panic!("{}: {e}\n{toml}", v["id"]));
        let pw = password_of(&v);
        let ok = policy.verify(&pw, stored_of(&v)).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
        assert!(ok.is_valid() && ok.needs_upgrade(), "{} should verify", v["id"]);
        let mut wrong = pw.clone();
        wrong.push(b'x');
        assert!(!policy.verify(&wrong, stored_of(&v)).expect("verify").is_valid(), "{}", v["id"]);
        n += 1;
    }
    assert_eq!(n, 45);
}

/// The KDF recipe examples of the policy-file docs (src/config.rs), each for
/// one wave-3 family, tested on that family's real vectors.
const GRAFANA: &str = r#"
[[legacy.recipe]]            # Grafana: hex(PBKDF2-HMAC-SHA256(pw, salt column as text, 10000, 50))
kdf = "pbkdf2_sha256"
iterations = 10000
length = 50
"#;

const GITEA: &str = r#"
[[legacy.recipe]]            # Gitea / Forgejo / Gogs; the params column is passwd_hash_algo
kdf = "pbkdf2_sha256"
iterations_from = "params_col:1"   # `pbkdf2$50000$50` …
iterations = 10000                 # … or 10000 and 50 when it says only `pbkdf2`
length_from = "params_col:2"
length = 50
salt_encoding = "hex"              # hex salts, but…
text_salt_len = 10                 # …the old 10-character ones are used as text
"#;

const DISCOURSE: &str = r#"
[[legacy.recipe]]            # Discourse; the params column is password_algorithm
kdf = "pbkdf2_sha256"
iterations_from = "params_col:i"   # `$pbkdf2-sha256$i=600000,l=32$`
length_from = "params_col:l"
"#;

const BETTER_AUTH: &str = r#"
[[legacy.recipe]]            # Better Auth: hex(salt):hex(scrypt(NFKC(pw), salt hex text, 16384, 16, 1, 64))
kdf = "scrypt"
format = "{salt}:{hash}"
n = 16384
r = 16
p = 1
length = 64
normalize = "nfkc"
"#;

fn wave3(family: &str, file: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|v| v["family"] == family)
        .collect()
}

fn check_example(toml: &str, family: &str, expect_lines: usize) {
    let policy = Policy::from_toml(toml).unwrap_or_else(|e| panic!("{family}: {e}"));
    let lines = wave3(family, "wave3_valid_invalid.jsonl");
    assert_eq!(lines.len(), expect_lines, "{family}");
    for v in &lines {
        let got = policy.verify(&password_of(v), stored_of(v)).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
        match v["expect"].as_str() {
            Some("valid") => assert!(got.is_valid() && got.needs_upgrade(), "{} should verify", v["id"]),
            _ => assert!(!got.is_valid(), "{} must not verify", v["id"]),
        }
    }
    for v in wave3(family, "wave3_malformed.jsonl") {
        match policy.verify(&password_of(&v), stored_of(&v)) {
            Ok(Verification::Valid { .. }) => panic!("{} verified", v["id"]),
            Ok(_) => assert_eq!(v["expect"], "not_valid", "{}", v["id"]),
            Err(_) => {}
        }
    }
}

#[test]
fn documented_examples_verify_the_wave3_vectors() {
    check_example(GRAFANA, "grafana_pbkdf2", 8);
    check_example(GITEA, "gitea_pbkdf2", 10);
    check_example(DISCOURSE, "discourse_pbkdf2", 6);
    check_example(BETTER_AUTH, "better_auth_scrypt", 6);
}

#[test]
fn the_examples_are_the_documented_ones() {
    let docs = include_str!("../src/config.rs");
    for example in [GRAFANA, GITEA, DISCOURSE, BETTER_AUTH] {
        for line in example.lines().filter(|l| !l.trim().is_empty()) {
            assert!(docs.contains(&format!("//! {line}")), "not in src/config.rs's docs: {line}");
        }
    }
}

#[test]
fn wrapped_recipe_rows_verify_and_fit_128_characters() {
    for (toml, family) in [
        (GRAFANA, "grafana_pbkdf2"),
        (GITEA, "gitea_pbkdf2"),
        (DISCOURSE, "discourse_pbkdf2"),
        (BETTER_AUTH, "better_auth_scrypt"),
    ] {
        // The default target (Argon2id m=19456, t=2, p=1).
        let policy = Policy::from_toml(toml).expect("policy");
        for v in wave3(family, "wave3_valid_invalid.jsonl").iter().filter(|v| v["expect"] == "valid") {
            let w = policy.wrap(stored_of(v)).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
            assert!(w.len() <= 128, "{}: {} characters: {w}", v["id"], w.len());
            assert_eq!(w.len(), policy.wrap_len(stored_of(v)).expect("len"));
            assert!(!w.contains(v["hash"].as_str().expect("hash")), "{}", v["id"]);
            let mut row = serde_json::json!({ "hash": w });
            for k in ["salt", "params_col"] {
                row[k] = v[k].clone();
            }
            let pw = password_of(v);
            let ok = policy.verify(&pw, stored_of(&row)).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
            assert!(ok.is_valid() && ok.needs_upgrade(), "{}", v["id"]);
            let mut wrong = pw.clone();
            wrong.push(b'x');
            assert!(!policy.verify(&wrong, stored_of(&row)).expect("verify").is_valid(), "{}", v["id"]);
        }
    }
}

#[test]
fn a_wrap_names_its_recipe() {
    let v = &wave3("grafana_pbkdf2", "wave3_valid_invalid.jsonl")[0];
    let policy = Policy::from_toml(GRAFANA).expect("policy");
    let w = policy.wrap(stored_of(v)).expect("wrap");
    let other = Policy::from_toml(&GRAFANA.replace("10000", "10001")).expect("policy");
    let row = Stored::new(&w).with_salt(v["salt"].as_str().expect("salt"));
    assert!(matches!(other.verify(b"admin", row), Err(Error::InvalidConfig(_))));
    assert!(policy.verify(b"admin", row).expect("verify").is_valid());
}

#[test]
fn absurd_costs_from_a_row_are_refused_before_any_work() {
    let gitea = Policy::from_toml(GITEA).expect("policy");
    let hash = "452e9f292e5658b463b2acf29eae56d99b4f82a1d854275d0d259753c4e3d8dcbd3abe76ad3a9f9a66516e5e1d04b896ef92";
    let salt = "a609cb6f3dbf90d91531ebcf803c91e2";
    let t = Instant::now();
    for col in ["pbkdf2$4294967295$50", "pbkdf2$18446744073709551615$50", "pbkdf2$10000001$50"] {
        let row = Stored::new(hash).with_salt(salt).with_params_col(col).with_scheme(Scheme::Recipe);
        match gitea.verify(b"d9djpuzUSux", row) {
            Err(Error::ParameterOutOfRange { parameter: "iterations", .. }) => {}
            other => panic!("{col}: {other:?}"),
        }
    }
    let row = Stored::new(hash).with_salt(salt).with_params_col("pbkdf2$99999999999999999999999$50");
    assert!(matches!(gitea.verify(b"x", row.with_scheme(Scheme::Recipe)), Err(Error::Malformed { .. })));
    // 3·10^6 iterations over a 200-byte key (7 blocks of SHA-256) is over
    // the 10^7 ceiling: PBKDF2 runs the count once per block.
    let long = "00".repeat(200);
    let row =
        Stored::new(&long).with_salt(salt).with_params_col("pbkdf2$3000000$200").with_scheme(Scheme::Recipe);
    match gitea.verify(b"x", row) {
        Err(Error::ParameterOutOfRange {
            parameter: "iterations × key blocks", value: 21_000_000, ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // scrypt N = 2^40 from the column: memory over the ceiling.
    let scrypt =
        Policy::from_toml("[[legacy.recipe]]\nkdf = \"scrypt\"\nn_from = \"params_col:n\"\nr = 8\np = 1\n")
            .expect("policy");
    for col in ["n=1099511627776", "n=9223372036854775808"] {
        let row = Stored::new("00112233445566778899aabbccddeeff").with_salt("s").with_params_col(col);
        match scrypt.verify(b"x", row.with_scheme(Scheme::Recipe)) {
            Err(Error::ParameterOutOfRange { parameter: "memory_kib", .. }) => {}
            other => panic!("{col}: {other:?}"),
        }
    }
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn rows_missing_what_the_recipe_reads_are_errors() {
    let discourse = Policy::from_toml(DISCOURSE).expect("policy");
    let hash = "5db400fd63e3e8b5ff41c72af3d1e47e5c89eee35c72c331f849a2ced2ac6e27";
    let row = Stored::new(hash).with_salt("dbf16b56c2d47ba6da13a900690d3a20").with_scheme(Scheme::Recipe);
    assert!(matches!(discourse.verify(b"x", row), Err(Error::MissingInput { what: "params_col", .. })));
    let row = row.with_params_col("$pbkdf2-sha256$l=32$");
    assert!(matches!(discourse.verify(b"x", row), Err(Error::Malformed { .. })));
    let row = row.with_params_col("$pbkdf2-sha256$i=0600000,l=32$");
    assert!(matches!(discourse.verify(b"x", row), Err(Error::Malformed { .. })));
    let row = Stored::new(hash).with_params_col("$pbkdf2-sha256$i=1,l=32$").with_scheme(Scheme::Recipe);
    assert!(matches!(discourse.verify(b"x", row), Err(Error::MissingInput { what: "salt", .. })));
    // Gitea's salt is hex unless it has 10 characters.
    let gitea = Policy::from_toml(GITEA).expect("policy");
    let row = Stored::new(hash).with_salt("not hex!").with_params_col("pbkdf2").with_scheme(Scheme::Recipe);
    assert!(matches!(gitea.verify(b"x", row), Err(Error::Malformed { .. })));
}

#[test]
fn malformed_recipe_configs_name_the_key_at_fault() {
    let cases: &[(&str, &str)] = &[
        ("kdf = \"bcrypt\"\niterations = 1", "kdf `bcrypt`"),
        ("notation = \"md5($pass)\"\nkdf = \"scrypt\"", "not both"),
        ("encoding = \"hex\"", "give `notation`"),
        ("kdf = \"pbkdf2_sha1\"\niterations = 1\nlayout = \"separate\"", "`layout`"),
        ("notation = \"md5($pass)\"\niterations = 1000", "`iterations`"),
        ("kdf = \"pbkdf2_sha256\"", "`iterations`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 0", "`iterations` = 0"),
        ("kdf = \"pbkdf2_sha256\"\niterations_from = \"hash:1\"", "`iterations_from`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nlength = 5000", "`length`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nformat = \"{salt}:{digest}\"", "`format`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nformat = \"{salt}{hash}\"", "`format`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nformat = \"{iterations}:{hash}\"", "`iterations`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nsalt_encoding = \"b32\"", "salt_encoding"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nnormalize = \"nfd\"", "normalize"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\ntext_salt_len = 10", "`text_salt_len`"),
        ("kdf = \"pbkdf2_sha256\"\niterations = 5\nn = 1024", "`n`"),
        ("kdf = \"scrypt\"\nn = 1024\nr = 8", "`p`"),
        ("kdf = \"scrypt\"\nn = 1000\nr = 8\np = 1", "power of two"),
        ("kdf = \"scrypt\"\nlog_n = 10\nn = 1024\nr = 8\np = 1", "exactly one"),
        ("kdf = \"scrypt\"\nlog_n = 10\nr = 8\np = 1\niterations = 3", "`iterations`"),
        ("kdf = \"scrypt\"\nlog_n = 10\nr = 8\np = 1\nsalt = \"column\"", "salt"),
        ("notation = \"hmac_sha1($pass)\"", "HMAC"),
        ("notation = \"hmac_sha1($salt,$pass)\"\nlayout = \"separate\"\nrounds = 2", "HMAC"),
    ];
    for (body, want) in cases {
        let toml = format!("[legacy]\n[[legacy.recipe]]\n{body}\n");
        match Policy::from_toml(&toml) {
            Err(Error::InvalidConfig(m)) => {
                assert!(m.contains(want), "{body}: `{m}` lacks `{want}`");
                assert!(m.contains("legacy.recipe[0]") || m.starts_with("policy file"), "{body}: {m}");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn a_cost_may_come_from_the_installation_params() {
    let line = include_str!("recipes/kdf_vectors.jsonl").lines().nth(6).expect("k007");
    let v: Value = serde_json::from_str(line).expect("json");
    assert_eq!(v["recipe"]["iterations_from"], "params_col:hashIterations");
    let recipe =
        "[[legacy.recipe]]\nkdf = \"pbkdf2_sha256\"\niterations_from = \"params:rounds\"\nlength = 32\n";
    let row = Stored::new(v["hash"].as_str().expect("hash"))
        .with_salt(v["salt"].as_str().expect("salt"))
        .with_scheme(Scheme::Recipe);
    let with = Policy::from_toml(&format!("[params]\nrounds = 1500\n{recipe}")).expect("policy");
    assert!(with.verify(&password_of(&v), row).expect("verify").is_valid());
    let without = Policy::from_toml(recipe).expect("policy");
    assert!(matches!(without.verify(b"x", row), Err(Error::MissingInput { what: "params", .. })));
    let huge = Policy::from_toml(&format!("[params]\nrounds = 4294967295\n{recipe}")).expect("policy");
    assert!(matches!(huge.verify(b"x", row), Err(Error::ParameterOutOfRange { .. })));
}
