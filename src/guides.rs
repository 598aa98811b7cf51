//! The migration guides under `docs/migrate/`, compiled and run as doctests.
//!
//! Each guide shows its policy file in a `toml` block and embeds the same text,
//! as hidden `# ` lines, in a Rust snippet that loads it with
//! [`Policy::from_toml`](crate::Policy::from_toml). This check keeps the two
//! identical:
//!
//! ```
//! // firebase.md reads its signer key from the environment, as production does.
//! std::env::set_var("FIREBASE_SIGNER_KEY", "a2V5");
//! for name in [
//!     "django", "wordpress-phpass", "flask-werkzeug", "ldap-ssha", "raw-digests", "dovecot", "spring",
//!     "gitea-grafana", "firebase", "keycloak",
//! ] {
//!     let path = format!("{}/docs/migrate/{name}.md", env!("CARGO_MANIFEST_DIR"));
//!     let text = std::fs::read_to_string(&path).expect("guide");
//!     let shown = text.split("```toml\n").nth(1).and_then(|t| t.split("```").next()).expect("toml block");
//!     let embedded: String = text
//!         .split("# const POLICY: &str = r#\"\n")
//!         .nth(1)
//!         .and_then(|t| t.split("# \"#;").next())
//!         .expect("embedded policy")
//!         .lines()
//!         .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#'))))
//!         .collect();
//!     assert_eq!(shown, embedded, "{name}: the toml block and the embedded policy differ");
//!     rehash::Policy::from_toml(&embedded).expect("policy parses");
//! }
//! ```

/// `docs/migrate/django.md`
#[doc = include_str!("../docs/migrate/django.md")]
pub struct DjangoGuide;

/// `docs/migrate/wordpress-phpass.md`
#[doc = include_str!("../docs/migrate/wordpress-phpass.md")]
pub struct WordpressPhpassGuide;

/// `docs/migrate/flask-werkzeug.md`
#[doc = include_str!("../docs/migrate/flask-werkzeug.md")]
pub struct FlaskWerkzeugGuide;

/// `docs/migrate/ldap-ssha.md`
#[doc = include_str!("../docs/migrate/ldap-ssha.md")]
pub struct LdapSshaGuide;

/// `docs/migrate/raw-digests.md`
#[doc = include_str!("../docs/migrate/raw-digests.md")]
pub struct RawDigestsGuide;

/// `docs/migrate/dovecot.md`
#[doc = include_str!("../docs/migrate/dovecot.md")]
pub struct DovecotGuide;
/// `docs/migrate/spring.md`
#[doc = include_str!("../docs/migrate/spring.md")]
pub struct SpringGuide;
/// `docs/migrate/gitea-grafana.md`
#[doc = include_str!("../docs/migrate/gitea-grafana.md")]
pub struct GiteaGrafanaGuide;

/// `docs/migrate/firebase.md`
#[doc = include_str!("../docs/migrate/firebase.md")]
pub struct FirebaseGuide;

/// `docs/migrate/keycloak.md`
#[doc = include_str!("../docs/migrate/keycloak.md")]
pub struct KeycloakGuide;
