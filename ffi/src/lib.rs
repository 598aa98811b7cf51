//! # librehash: the C ABI of rehash
//!
//! A stable C interface (prefix `rehash_`) over the [`rehash_core`] library, for
//! C, Python (ctypes) and PHP (FFI) callers. The header `include/rehash.h` is
//! generated from this file by cbindgen; `docs/ffi.md` is the user guide.
//!
//! ## Why this crate contains `unsafe`
//!
//! This is the **only** crate of the workspace allowed `unsafe` code (the
//! library itself is `#![forbid(unsafe_code)]`). It needs it for exactly these
//! things, all at the boundary with the caller:
//!
//! * reading the caller's NUL-terminated strings (`CStr::from_ptr`) and password
//!   buffer (`slice::from_raw_parts`);
//! * writing results through the caller's out-pointers and into the caller's
//!   buffer (`rehash_hash_into`);
//! * taking back ownership of what this library handed out
//!   (`Box::from_raw` for a policy, `CString::from_raw` for a string).
//!
//! Every `unsafe` block carries a `// SAFETY:` comment naming the caller's
//! obligation it relies on, and every exported function is an `unsafe extern
//! "C" fn` whose `# Safety` section states those obligations.
//!
//! ## The rules every entry point follows
//!
//! * The body runs inside [`std::panic::catch_unwind`]: a panic becomes
//!   [`REHASH_ERR_PANIC`], never an unwind across the C boundary.
//! * A NULL where a value is required is [`REHASH_ERR_NULL_POINTER`], text
//!   that is not UTF-8 is [`REHASH_ERR_NOT_UTF8`], an output that cannot be a C
//!   string is [`REHASH_ERR_EMBEDDED_NUL`], a caller buffer that is too small is
//!   [`REHASH_ERR_BUFFER_TOO_SMALL`]; the library's own errors are
//!   [`REHASH_ERROR`].
//! * On failure the message is stored as the thread's last error
//!   ([`rehash_last_error`]) and, when the caller passed a non-NULL `err`,
//!   also returned as a new string in `*err`. Messages name the argument or
//!   the rule that failed; they never contain a password, a salt or any part of
//!   a stored hash.
//! * Out-pointers are set to NULL on entry (`rehash_hash_into`'s `*needed`
//!   to 0), so after any failure they hold nothing to free.
//! * Every pointer argument is checked for NULL before it is used: a NULL is
//!   either allowed (each function's "NULL" paragraph names those: an absent
//!   optional text, an `err` or `needed` the caller does not want, a password
//!   or buffer of length 0, the argument of a `*_free`) or
//!   [`REHASH_ERR_NULL_POINTER`] with a message naming the argument. A NULL is
//!   never undefined behaviour.
//!
//! ## Thread safety
//!
//! A [`rehash_policy`] is immutable once built and is `Send + Sync`: one handle
//! may be used from any number of threads at once, without locking, until it is
//! freed (freeing it while another thread uses it is the caller's bug). The last
//! error is thread-local.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use rehash_core::{Policy, Scheme, SiteParams, Stored, Upgrade, Verification};

/// Success of a call that returns no verdict (same value as `REHASH_VALID`).
pub const REHASH_OK: c_int = 0;
/// The password matches and the stored hash is at the policy's target.
pub const REHASH_VALID: c_int = 0;
/// The password matches and the stored hash is below the policy: store the
/// new hash (with compare-and-swap). Also the "yes" of `rehash_needs_upgrade`.
pub const REHASH_VALID_NEEDS_UPGRADE: c_int = 1;
/// The password does not match (or the account is locked). Not an error.
pub const REHASH_INVALID: c_int = 2;
/// The library refused the input: a malformed or ambiguous stored string, a
/// parameter over the policy's ceilings, a password over the limit, a bad
/// policy file, an unknown scheme label, … The message says which.
pub const REHASH_ERROR: c_int = -1;
/// A required pointer argument was NULL.
pub const REHASH_ERR_NULL_POINTER: c_int = -2;
/// A text argument was not valid UTF-8.
pub const REHASH_ERR_NOT_UTF8: c_int = -3;
/// A string contained a NUL byte where a C string cannot hold one (an output
/// string; bindings also report their own text arguments with this code).
pub const REHASH_ERR_EMBEDDED_NUL: c_int = -4;
/// The caller's buffer is too small; `*needed` says how many bytes are needed.
pub const REHASH_ERR_BUFFER_TOO_SMALL: c_int = -5;
/// A panic inside the library was caught at the boundary (a bug in rehash).
pub const REHASH_ERR_PANIC: c_int = -6;

/// An immutable policy: the target scheme, declared legacy schemes and
/// recipes, ceilings, password limit and peppers.
///
/// Opaque to C. Made by `rehash_policy_from_toml` or `rehash_policy_default`,
/// released by `rehash_policy_free`. Safe to share between threads.
#[allow(non_camel_case_types)]
pub struct rehash_policy {
    policy: Policy,
}

// A policy handle is used from several threads at once: keep it Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<rehash_policy>();
};

/// A failure on its way to the caller: a status code and a message that holds
/// no secret.
struct Fail {
    code: c_int,
    msg: String,
}

impl Fail {
    fn new(code: c_int, msg: impl Into<String>) -> Self {
        Fail { code, msg: msg.into() }
    }

    fn null(what: &str) -> Self {
        Fail::new(REHASH_ERR_NULL_POINTER, format!("{what} is NULL"))
    }
}

impl From<rehash_core::Error> for Fail {
    fn from(e: rehash_core::Error) -> Self {
        // The library's messages never contain passwords or hash bytes.
        Fail::new(REHASH_ERROR, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn c_message(msg: &str) -> CString {
    // Our own messages hold no NUL; replace one rather than lose the message.
    CString::new(msg.replace('\0', "?")).unwrap_or_default()
}

fn set_last_error(msg: Option<&str>) {
    let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = msg.map(c_message));
}

/// Run the body of an entry point: clear the last error, and catch any panic.
fn run(body: impl FnOnce() -> Result<c_int, Fail>) -> Result<c_int, Fail> {
    set_last_error(None);
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(_) => Err(Fail::new(REHASH_ERR_PANIC, "internal error: a panic was caught at the C boundary")),
    }
}

/// Report the outcome of [`run`]: the status code, and on failure the message
/// as the thread's last error and, when `err` is not NULL, in `*err`.
///
/// # Safety
/// `err` is NULL or valid for writing one pointer.
unsafe fn finish(err: *mut *mut c_char, r: Result<c_int, Fail>) -> c_int {
    let fail = match r {
        Ok(code) => {
            if !err.is_null() {
                // SAFETY: the caller guarantees a non-NULL `err` is valid for writes.
                unsafe { *err = ptr::null_mut() };
            }
            return code;
        }
        Err(fail) => fail,
    };
    set_last_error(Some(&fail.msg));
    if !err.is_null() {
        // SAFETY: as above; the string is the caller's from now on, released
        // with rehash_string_free.
        unsafe { *err = c_message(&fail.msg).into_raw() };
    }
    fail.code
}

/// A required NUL-terminated UTF-8 argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| Fail::new(REHASH_ERR_NOT_UTF8, format!("{what} is not valid UTF-8")))
}

/// An optional NUL-terminated UTF-8 argument (NULL means absent).
///
/// # Safety
/// As [`text`].
unsafe fn opt_text<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { text(p, what) }.map(Some)
    }
}

/// The password bytes: NULL is allowed only with length 0.
///
/// # Safety
/// `p` is NULL or valid for reading `len` bytes for `'a`.
unsafe fn password<'a>(p: *const u8, len: usize) -> Result<&'a [u8], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Fail::null("pw"));
    }
    if len > isize::MAX as usize {
        return Err(Fail::new(REHASH_ERROR, "pw_len is larger than any buffer can be"));
    }
    // SAFETY: non-NULL, `len` fits an allocation, and the caller guarantees
    // `len` readable bytes that do not change during the call.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// The policy behind a handle.
///
/// # Safety
/// `p` is NULL or a live handle from `rehash_policy_*`.
unsafe fn policy_ref<'a>(p: *const rehash_policy) -> Result<&'a Policy, Fail> {
    // SAFETY: a non-NULL handle is a live Box<rehash_policy> we handed out;
    // it is only read.
    unsafe { p.as_ref() }.map(|h| &h.policy).ok_or_else(|| Fail::null("policy"))
}

/// A row's inputs, read from the caller's arguments: the stored string, and
/// where given the salt, user, scheme label, the installation's settings
/// (`params`, parsed from JSON) and the params column.
struct RowArgs<'a> {
    hash: &'a str,
    salt: Option<&'a str>,
    user: Option<&'a str>,
    scheme: Option<Scheme>,
    params: Option<SiteParams>,
    params_col: Option<&'a str>,
}

impl RowArgs<'_> {
    /// The row as the library takes it.
    fn stored(&self) -> Stored<'_> {
        let mut row = Stored::new(self.hash);
        if let Some(s) = self.salt {
            row = row.with_salt(s);
        }
        if let Some(u) = self.user {
            row = row.with_user(u);
        }
        if let Some(k) = self.scheme {
            row = row.with_scheme(k);
        }
        if let Some(p) = &self.params {
            row = row.with_params(p);
        }
        if let Some(c) = self.params_col {
            row = row.with_params_col(c);
        }
        row
    }
}

/// The row: stored string, optional salt, user, scheme label, params (a JSON
/// object of strings, integers and booleans) and params column.
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string valid for `'a`.
unsafe fn row_of<'a>(
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
) -> Result<RowArgs<'a>, Fail> {
    // SAFETY: forwarded from the caller (see above).
    let (hash, salt, user, hint, params, params_col) = unsafe {
        (
            text(stored, "stored")?,
            opt_text(salt, "salt")?,
            opt_text(user, "user")?,
            opt_text(scheme_hint, "scheme_hint")?,
            opt_text(params, "params")?,
            opt_text(params_col, "params_col")?,
        )
    };
    // The label is not echoed: a caller who mixed up arguments could be
    // passing a hash here.
    let scheme = hint
        .map(|h| {
            Scheme::from_name(h)
                .ok_or_else(|| Fail::new(REHASH_ERROR, "scheme_hint is not a known scheme label"))
        })
        .transpose()?;
    // SiteParams' messages name the rule or the key, never a value.
    let params =
        params.map(SiteParams::from_json).transpose().map_err(|e| Fail::new(REHASH_ERROR, e.to_string()))?;
    Ok(RowArgs { hash, salt, user, scheme, params, params_col })
}

/// A Rust string as a new C string owned by the caller.
fn to_c(s: String, what: &str) -> Result<*mut c_char, Fail> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| Fail::new(REHASH_ERR_EMBEDDED_NUL, format!("{what} contains a NUL byte")))
}

/// Check a required out-pointer and set `*out` to NULL.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
unsafe fn reset_out<T>(out: *mut *mut T, what: &str) -> Result<(), Fail> {
    if out.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL and, by the caller's contract, valid for writes.
    unsafe { *out = ptr::null_mut() };
    Ok(())
}

/// Load a policy from its TOML text (the format of `rehash::config`: target,
/// declared legacy schemes, recipes, ceilings, password limit, normalization,
/// timing and peppers, whose secrets come from the environment or files).
///
/// On success returns `REHASH_OK` and stores a new handle in `*out`, to be
/// released with `rehash_policy_free`. On failure `*out` is NULL and the
/// message is in `*err` (when `err` is not NULL) and `rehash_last_error()`.
///
/// NULL: `toml` and `out` are required (`REHASH_ERR_NULL_POINTER`); `err` may
/// be NULL.
///
/// # Safety
/// `toml` is NULL or a NUL-terminated string; `out` is NULL or writable; `err`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_policy_from_toml(
    toml: *const c_char,
    out: *mut *mut rehash_policy,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let text = unsafe {
            reset_out(out, "out")?;
            text(toml, "toml")?
        };
        let policy = Policy::from_toml(text)?;
        // SAFETY: `out` was checked non-NULL and is writable.
        unsafe { *out = Box::into_raw(Box::new(rehash_policy { policy })) };
        Ok(REHASH_OK)
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// The default policy: Argon2id m=19456 KiB, t=2, p=1 (the OWASP floor), no
/// declared legacy schemes, default ceilings, 4 KiB password limit.
///
/// Returns `REHASH_OK` and a new handle in `*out` (release with
/// `rehash_policy_free`), or `REHASH_ERR_NULL_POINTER` when `out` is NULL
/// (the message is in `rehash_last_error()`).
///
/// NULL: `out` is required (`REHASH_ERR_NULL_POINTER`).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_policy_default(out: *mut *mut rehash_policy) -> c_int {
    let r = run(|| {
        // SAFETY: `out` is NULL or writable.
        unsafe { reset_out(out, "out")? };
        let h = Box::into_raw(Box::new(rehash_policy { policy: Policy::default() }));
        // SAFETY: checked non-NULL above.
        unsafe { *out = h };
        Ok(REHASH_OK)
    });
    // SAFETY: a NULL `err` is never written.
    unsafe { finish(ptr::null_mut(), r) }
}

/// Release a policy handle. NULL is ignored. The handle must not be in use by
/// any other thread, and must not be used afterwards.
///
/// NULL: `policy` may be NULL (nothing happens).
///
/// # Safety
/// `policy` is NULL or a handle from `rehash_policy_from_toml` /
/// `rehash_policy_default` that has not been freed yet.
#[no_mangle]
pub unsafe extern "C" fn rehash_policy_free(policy: *mut rehash_policy) {
    if policy.is_null() {
        return;
    }
    let _ = catch_unwind(|| {
        // SAFETY: the handle came from Box::into_raw and is freed once.
        drop(unsafe { Box::from_raw(policy) });
    });
}

/// Map a verification to the status codes.
fn verdict(v: &Verification) -> c_int {
    match v {
        Verification::Valid { needs_upgrade: true, .. } => REHASH_VALID_NEEDS_UPGRADE,
        Verification::Valid { needs_upgrade: false, .. } => REHASH_VALID,
        Verification::Invalid { .. } => REHASH_INVALID,
    }
}

/// The login call. Verifies `pw` (`pw_len` bytes, any bytes, NUL included)
/// against the stored string in constant time and, when the stored hash is
/// below the policy, makes exactly one new target hash.
///
/// `salt` (a separate salt column), `user` (PostgreSQL md5's salt) and
/// `scheme_hint` (a scheme label such as `"md5_hex"`, used only for strings
/// that are not self-describing) may be NULL. The same as
/// `rehash_verify_and_upgrade_with_params` with `params` and `params_col`
/// NULL.
///
/// Returns:
/// - `REHASH_VALID`: right password, hash current; `*new_hash_out` is NULL.
/// - `REHASH_VALID_NEEDS_UPGRADE`: right password; `*new_hash_out` is the new
///   hash (free with `rehash_string_free`). Store it with compare-and-swap
///   (`UPDATE … SET hash = :new WHERE id = :id AND hash = :old`); a lost swap
///   or failed write must not fail the login.
/// - `REHASH_INVALID`: wrong password or locked account.
/// - a negative code: see the `REHASH_ERR*` constants; message in `*err`.
///
/// NULL: `policy`, `stored` and `new_hash_out` are required
/// (`REHASH_ERR_NULL_POINTER`), and `pw` unless `pw_len` is 0; `salt`,
/// `user`, `scheme_hint` and `err` may be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; `pw` is NULL (only with `pw_len` 0) or
/// readable for `pw_len` bytes; each string is NULL or NUL-terminated;
/// `new_hash_out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_verify_and_upgrade(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    new_hash_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    // SAFETY: the same contract; the two added strings are NULL.
    unsafe {
        rehash_verify_and_upgrade_with_params(
            policy,
            pw,
            pw_len,
            stored,
            salt,
            user,
            scheme_hint,
            ptr::null(),
            ptr::null(),
            new_hash_out,
            err,
        )
    }
}

/// `rehash_verify_and_upgrade` for families that need more of the row:
/// `params`, the installation's settings as a JSON object of strings,
/// integers and booleans (Firebase's project hash config
/// `{"base64_signer_key": …, "base64_salt_separator": …, "rounds": 8,
/// "mem_cost": 14}`, a Devise `pepper`; when NULL, the policy's `[params]`
/// are used), and `params_col`, the verbatim text of the row's column that
/// says how it was hashed (Keycloak's `credential_data` JSON, Gitea's
/// `passwd_hash_algo`). `params` that is not such an object (not JSON,
/// nested values, fractions, more than 64 entries) is `REHASH_ERROR`, with a
/// message that names the rule or the key, never a value.
///
/// Returns and out-pointers as `rehash_verify_and_upgrade`.
///
/// NULL: `policy`, `stored` and `new_hash_out` are required
/// (`REHASH_ERR_NULL_POINTER`), and `pw` unless `pw_len` is 0; `salt`,
/// `user`, `scheme_hint`, `params`, `params_col` and `err` may be NULL.
///
/// # Safety
/// As `rehash_verify_and_upgrade`.
#[no_mangle]
pub unsafe extern "C" fn rehash_verify_and_upgrade_with_params(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
    new_hash_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, pw, row) = unsafe {
            reset_out(new_hash_out, "new_hash_out")?;
            (
                policy_ref(policy)?,
                password(pw, pw_len)?,
                row_of(stored, salt, user, scheme_hint, params, params_col)?,
            )
        };
        match policy.verify_and_upgrade(pw, row.stored())? {
            Upgrade::Invalid => Ok(REHASH_INVALID),
            Upgrade::Valid { new_hash: None } => Ok(REHASH_VALID),
            Upgrade::Valid { new_hash: Some(h) } => {
                let h = to_c(h, "the new hash")?;
                // SAFETY: checked non-NULL by reset_out.
                unsafe { *new_hash_out = h };
                Ok(REHASH_VALID_NEEDS_UPGRADE)
            }
        }
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// Verify only: as `rehash_verify_and_upgrade` but never makes a new hash and
/// never pads a failure. Returns `REHASH_VALID`, `REHASH_VALID_NEEDS_UPGRADE`
/// (right password, hash below policy), `REHASH_INVALID` or a negative code.
/// The same as `rehash_verify_with_params` with `params` and `params_col`
/// NULL.
///
/// NULL: `policy` and `stored` are required (`REHASH_ERR_NULL_POINTER`), and
/// `pw` unless `pw_len` is 0; `salt`, `user`, `scheme_hint` and `err` may be
/// NULL.
///
/// # Safety
/// As `rehash_verify_and_upgrade`.
#[no_mangle]
pub unsafe extern "C" fn rehash_verify(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    err: *mut *mut c_char,
) -> c_int {
    // SAFETY: the same contract; the two added strings are NULL.
    unsafe {
        rehash_verify_with_params(
            policy,
            pw,
            pw_len,
            stored,
            salt,
            user,
            scheme_hint,
            ptr::null(),
            ptr::null(),
            err,
        )
    }
}

/// `rehash_verify` with the row's `params` (a JSON object, or NULL for the
/// policy's `[params]`) and `params_col`, as
/// `rehash_verify_and_upgrade_with_params` takes them.
///
/// NULL: `policy` and `stored` are required (`REHASH_ERR_NULL_POINTER`), and
/// `pw` unless `pw_len` is 0; `salt`, `user`, `scheme_hint`, `params`,
/// `params_col` and `err` may be NULL.
///
/// # Safety
/// As `rehash_verify_and_upgrade`.
#[no_mangle]
pub unsafe extern "C" fn rehash_verify_with_params(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, pw, row) = unsafe {
            (
                policy_ref(policy)?,
                password(pw, pw_len)?,
                row_of(stored, salt, user, scheme_hint, params, params_col)?,
            )
        };
        Ok(verdict(&policy.verify(pw, row.stored())?))
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// For a login whose user does not exist: does the work of a verify under the
/// policy's target and returns `REHASH_INVALID`, so an unknown user costs what
/// a wrong password costs. Negative codes only for bad arguments (the
/// message is in `rehash_last_error()`).
///
/// NULL: `policy` is required (`REHASH_ERR_NULL_POINTER`), and `pw` unless
/// `pw_len` is 0.
///
/// # Safety
/// `policy` is NULL or a live handle; `pw` is NULL (only with `pw_len` 0) or
/// readable for `pw_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rehash_verify_dummy(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, pw) = unsafe { (policy_ref(policy)?, password(pw, pw_len)?) };
        let _ = policy.verify_dummy(pw);
        Ok(REHASH_INVALID)
    });
    // SAFETY: a NULL `err` is never written.
    unsafe { finish(ptr::null_mut(), r) }
}

/// A new hash of `pw` under the policy's target (fresh random salt, current
/// pepper, normalization). Returns `REHASH_OK` with the hash in `*hash_out`
/// (free with `rehash_string_free`), or a negative code.
///
/// NULL: `policy` and `hash_out` are required (`REHASH_ERR_NULL_POINTER`),
/// and `pw` unless `pw_len` is 0; `err` may be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; `pw` is NULL (only with `pw_len` 0) or
/// readable for `pw_len` bytes; `hash_out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_hash(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    hash_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, pw) = unsafe {
            reset_out(hash_out, "hash_out")?;
            (policy_ref(policy)?, password(pw, pw_len)?)
        };
        let h = to_c(policy.hash(pw)?, "the new hash")?;
        // SAFETY: checked non-NULL by reset_out.
        unsafe { *hash_out = h };
        Ok(REHASH_OK)
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// As `rehash_hash`, writing the NUL-terminated hash into the caller's buffer
/// `buf` of `buf_len` bytes instead of allocating.
///
/// `*needed` (when `needed` is not NULL) receives the size the hash needs,
/// terminating NUL included. When `buf_len` is smaller, returns
/// `REHASH_ERR_BUFFER_TOO_SMALL`, writes nothing but an empty string (when
/// `buf_len` > 0) and the hash is discarded: call again with a larger buffer
/// (128 bytes hold any Argon2id hash of the default target).
///
/// NULL: `policy` is required (`REHASH_ERR_NULL_POINTER`), `pw` unless
/// `pw_len` is 0 and `buf` unless `buf_len` is 0 (a NULL `buf` with
/// `buf_len` 0 asks for the size: `REHASH_ERR_BUFFER_TOO_SMALL` and
/// `*needed`); `needed` and `err` may be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; `pw` is NULL (only with `pw_len` 0) or
/// readable for `pw_len` bytes; `buf` is NULL or writable for `buf_len` bytes;
/// `needed` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_hash_into(
    policy: *const rehash_policy,
    pw: *const u8,
    pw_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // Reset first: after any failure `*needed` holds no stale size.
        if !needed.is_null() {
            // SAFETY: non-NULL, writable by contract.
            unsafe { *needed = 0 };
        }
        if buf.is_null() && buf_len > 0 {
            return Err(Fail::null("buf"));
        }
        // SAFETY: pointer contracts as documented above.
        let (policy, pw) = unsafe { (policy_ref(policy)?, password(pw, pw_len)?) };
        let hash = CString::new(policy.hash(pw)?)
            .map_err(|_| Fail::new(REHASH_ERR_EMBEDDED_NUL, "the new hash contains a NUL byte"))?;
        let bytes = hash.as_bytes_with_nul();
        if !needed.is_null() {
            // SAFETY: non-NULL, writable by contract.
            unsafe { *needed = bytes.len() };
        }
        if buf_len < bytes.len() {
            if buf_len > 0 {
                // SAFETY: buf is non-NULL (checked) and writable for buf_len > 0 bytes.
                unsafe { *buf = 0 };
            }
            return Err(Fail::new(
                REHASH_ERR_BUFFER_TOO_SMALL,
                format!("buf of {buf_len} bytes is too small: {} needed", bytes.len()),
            ));
        }
        // SAFETY: buf is writable for buf_len >= bytes.len() bytes and
        // cannot overlap our freshly allocated string.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, bytes.len()) };
        Ok(REHASH_OK)
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// The scheme label of a stored string (e.g. `"md5_crypt"`, `"argon2id"`),
/// resolving strings that are not self-describing through `scheme_hint` and
/// the policy's declared schemes; parameters over the ceilings are an error.
/// Returns `REHASH_OK` with the label in `*scheme_out` (free with
/// `rehash_string_free`), or a negative code.
///
/// The same as `rehash_identify_with_params` with `params` and `params_col`
/// NULL.
///
/// NULL: `policy`, `stored` and `scheme_out` are required
/// (`REHASH_ERR_NULL_POINTER`); `salt`, `user`, `scheme_hint` and `err` may
/// be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; each string is NULL or NUL-terminated;
/// `scheme_out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_identify(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    scheme_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    // SAFETY: the same contract; the two added strings are NULL.
    unsafe {
        rehash_identify_with_params(
            policy,
            stored,
            salt,
            user,
            scheme_hint,
            ptr::null(),
            ptr::null(),
            scheme_out,
            err,
        )
    }
}

/// `rehash_identify` with the row's `params` (a JSON object, or NULL for the
/// policy's `[params]`) and `params_col`, as
/// `rehash_verify_and_upgrade_with_params` takes them (a family that reads
/// its parameters from them is identified, and its parameters checked, only
/// with them).
///
/// NULL: `policy`, `stored` and `scheme_out` are required
/// (`REHASH_ERR_NULL_POINTER`); `salt`, `user`, `scheme_hint`, `params`,
/// `params_col` and `err` may be NULL.
///
/// # Safety
/// As `rehash_identify`.
#[no_mangle]
pub unsafe extern "C" fn rehash_identify_with_params(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
    scheme_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, row) = unsafe {
            reset_out(scheme_out, "scheme_out")?;
            (policy_ref(policy)?, row_of(stored, salt, user, scheme_hint, params, params_col)?)
        };
        let label = to_c(policy.identify(row.stored())?.scheme.name().to_owned(), "the label")?;
        // SAFETY: checked non-NULL by reset_out.
        unsafe { *scheme_out = label };
        Ok(REHASH_OK)
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// Whether a stored string is below the policy's target, judged from its
/// scheme and parameters alone (no password): returns
/// `REHASH_VALID_NEEDS_UPGRADE` (1) when it is, `REHASH_OK` (0) when it is
/// current, or a negative code. A retired pepper or normalization shows only
/// at verify time.
///
/// The same as `rehash_needs_upgrade_with_params` with `params` and
/// `params_col` NULL.
///
/// NULL: `policy` and `stored` are required (`REHASH_ERR_NULL_POINTER`);
/// `salt`, `user`, `scheme_hint` and `err` may be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; each string is NULL or NUL-terminated;
/// `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_needs_upgrade(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    err: *mut *mut c_char,
) -> c_int {
    // SAFETY: the same contract; the two added strings are NULL.
    unsafe {
        rehash_needs_upgrade_with_params(
            policy,
            stored,
            salt,
            user,
            scheme_hint,
            ptr::null(),
            ptr::null(),
            err,
        )
    }
}

/// `rehash_needs_upgrade` with the row's `params` (a JSON object, or NULL for
/// the policy's `[params]`) and `params_col`, as
/// `rehash_verify_and_upgrade_with_params` takes them.
///
/// NULL: `policy` and `stored` are required (`REHASH_ERR_NULL_POINTER`);
/// `salt`, `user`, `scheme_hint`, `params`, `params_col` and `err` may be
/// NULL.
///
/// # Safety
/// As `rehash_needs_upgrade`.
#[no_mangle]
pub unsafe extern "C" fn rehash_needs_upgrade_with_params(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, row) =
            unsafe { (policy_ref(policy)?, row_of(stored, salt, user, scheme_hint, params, params_col)?) };
        let id = policy.identify(row.stored())?;
        Ok(if policy.needs_upgrade(&id) { REHASH_VALID_NEEDS_UPGRADE } else { REHASH_OK })
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// Wrap a legacy hash without its password: Argon2id over the legacy digest,
/// the weak digest removed (`docs/wrap.md`). The wrapped string verifies with
/// the same password and upgrades on the next login. Returns `REHASH_OK` with
/// the wrapped string in `*wrapped_out` (free with `rehash_string_free`), or a
/// negative code (locked accounts, already wrapped strings and non-Argon2id
/// targets are refused).
///
/// The same as `rehash_wrap_with_params` with `params` and `params_col`
/// NULL.
///
/// NULL: `policy`, `stored` and `wrapped_out` are required
/// (`REHASH_ERR_NULL_POINTER`); `salt`, `user`, `scheme_hint` and `err` may
/// be NULL.
///
/// # Safety
/// `policy` is NULL or a live handle; each string is NULL or NUL-terminated;
/// `wrapped_out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rehash_wrap(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    wrapped_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    // SAFETY: the same contract; the two added strings are NULL.
    unsafe {
        rehash_wrap_with_params(
            policy,
            stored,
            salt,
            user,
            scheme_hint,
            ptr::null(),
            ptr::null(),
            wrapped_out,
            err,
        )
    }
}

/// `rehash_wrap` with the row's `params` (a JSON object, or NULL for the
/// policy's `[params]`) and `params_col`, as
/// `rehash_verify_and_upgrade_with_params` takes them. The wrapped string
/// records neither: it verifies with the same `params` and `params_col` the
/// legacy hash needed.
///
/// NULL: `policy`, `stored` and `wrapped_out` are required
/// (`REHASH_ERR_NULL_POINTER`); `salt`, `user`, `scheme_hint`, `params`,
/// `params_col` and `err` may be NULL.
///
/// # Safety
/// As `rehash_wrap`.
#[no_mangle]
pub unsafe extern "C" fn rehash_wrap_with_params(
    policy: *const rehash_policy,
    stored: *const c_char,
    salt: *const c_char,
    user: *const c_char,
    scheme_hint: *const c_char,
    params: *const c_char,
    params_col: *const c_char,
    wrapped_out: *mut *mut c_char,
    err: *mut *mut c_char,
) -> c_int {
    let r = run(|| {
        // SAFETY: pointer contracts as documented above.
        let (policy, row) = unsafe {
            reset_out(wrapped_out, "wrapped_out")?;
            (policy_ref(policy)?, row_of(stored, salt, user, scheme_hint, params, params_col)?)
        };
        let w = to_c(policy.wrap(row.stored())?, "the wrapped hash")?;
        // SAFETY: checked non-NULL by reset_out.
        unsafe { *wrapped_out = w };
        Ok(REHASH_OK)
    });
    // SAFETY: `err` is NULL or writable (caller's contract).
    unsafe { finish(err, r) }
}

/// The library's version, e.g. `"0.1.0"`: a static string, never freed.
#[no_mangle]
pub extern "C" fn rehash_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The message of the last failed `rehash_` call on this thread, or NULL when
/// that call succeeded (`rehash_version`, `rehash_last_error` and the two
/// `*_free` functions leave it as it is). Owned by the library: do not free
/// it; it stays valid until the next `rehash_` call on the same thread.
#[no_mangle]
pub extern "C" fn rehash_last_error() -> *const c_char {
    LAST_ERROR.try_with(|l| l.borrow().as_ref().map_or(ptr::null(), |s| s.as_ptr())).unwrap_or(ptr::null())
}

/// Release a string returned by this library (`*new_hash_out`, `*hash_out`,
/// `*scheme_out`, `*wrapped_out`, `*err`). NULL is ignored. Never pass
/// `rehash_version()` or `rehash_last_error()`, nor a string from elsewhere.
///
/// NULL: `s` may be NULL (nothing happens).
///
/// # Safety
/// `s` is NULL or a string returned by this library that has not been freed.
#[no_mangle]
pub unsafe extern "C" fn rehash_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(|| {
        // SAFETY: `s` came from CString::into_raw in this library and is freed once.
        drop(unsafe { CString::from_raw(s) });
    });
}

#[cfg(test)]
mod null_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_code() {
        let mut err: *mut c_char = ptr::null_mut();
        // SAFETY: `err` is a valid local.
        let rc = unsafe { finish(&mut err, run(|| panic!("boom"))) };
        assert_eq!(rc, REHASH_ERR_PANIC);
        assert!(!err.is_null());
        // SAFETY: set by finish to a string of ours.
        let msg = unsafe { CStr::from_ptr(err) }.to_str().unwrap().to_owned();
        assert!(msg.contains("panic"));
        // SAFETY: returned by finish, freed once.
        unsafe { rehash_string_free(err) };
        assert!(!rehash_last_error().is_null());
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(rehash_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    /// `params` must be a JSON object of strings, integers and booleans;
    /// anything else, and text that is not UTF-8 in `params` or
    /// `params_col`, is refused with a code and a message that quotes no
    /// value. Given, they reach the row (a family that ignores them verifies
    /// as before).
    #[test]
    fn params_and_params_col_are_checked_at_the_boundary() {
        let mut p: *mut rehash_policy = ptr::null_mut();
        let n: *const c_char = ptr::null();
        let md5crypt = c"$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";
        let msg = |err: *mut c_char| {
            // SAFETY: set by the library on failure, freed once.
            let m = unsafe { CStr::from_ptr(err) }.to_str().expect("UTF-8").to_owned();
            // SAFETY: as above.
            unsafe { rehash_string_free(err) };
            m
        };
        // SAFETY: valid locals and C string literals.
        unsafe {
            assert_eq!(rehash_policy_default(&mut p), REHASH_OK);
            let verify = |params: *const c_char, col: *const c_char, err: *mut *mut c_char| {
                rehash_verify_with_params(
                    p,
                    b"password".as_ptr(),
                    8,
                    md5crypt.as_ptr(),
                    n,
                    n,
                    n,
                    params,
                    col,
                    err,
                )
            };
            for (params, why) in [
                (c"{\"signer\": \"s3cretkey\"".as_ptr(), "not JSON"),
                (c"[\"s3cretkey\"]".as_ptr(), "expected a JSON object"),
                (c"\"s3cretkey\"".as_ptr(), "expected a JSON object"),
                (
                    c"{\"rounds\": 1.5, \"key\": \"s3cretkey\"}".as_ptr(),
                    "must be a string, an integer or a boolean",
                ),
                (
                    c"{\"k\": {\"nested\": \"s3cretkey\"}}".as_ptr(),
                    "must be a string, an integer or a boolean",
                ),
                (c"{\"bad key\": \"s3cretkey\"}".as_ptr(), "bad key"),
            ] {
                let mut err = ptr::null_mut();
                assert_eq!(verify(params, n, &mut err), REHASH_ERROR);
                let m = msg(err);
                assert!(m.contains(why) && !m.contains("s3cret"), "{m}");
            }
            let mut err = ptr::null_mut();
            assert_eq!(verify(c"{\"k\": \"\xff\"}".as_ptr(), n, &mut err), REHASH_ERR_NOT_UTF8);
            assert_eq!(msg(err), "params is not valid UTF-8");
            assert_eq!(verify(n, c"\xfe".as_ptr(), &mut err), REHASH_ERR_NOT_UTF8);
            assert_eq!(msg(err), "params_col is not valid UTF-8");
            // A well-formed object and column: md5_crypt ignores them.
            let good = c"{\"base64_signer_key\": \"a2V5\", \"rounds\": 8, \"legacy\": true}";
            assert_eq!(
                verify(good.as_ptr(), c"pbkdf2$50000$50".as_ptr(), &mut err),
                REHASH_VALID_NEEDS_UPGRADE
            );
            assert!(err.is_null());
            assert_eq!(verify(c"{}".as_ptr(), c"".as_ptr(), &mut err), REHASH_VALID_NEEDS_UPGRADE);
            rehash_policy_free(p);
        }
    }

    /// Rows that need them: Firebase's published example with its project
    /// config as `params`, a Keycloak row with its credential_data as
    /// `params_col`; each verifies, wraps and verifies wrapped only with
    /// them.
    #[test]
    fn firebase_and_keycloak_rows_through_the_abi() {
        let n: *const c_char = ptr::null();
        let mut p: *mut rehash_policy = ptr::null_mut();
        let firebase = (
            c"lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
            c"42xEC+ixf3L2lw==",
            c"{\"base64_signer_key\": \"jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==\", \"base64_salt_separator\": \"Bw==\", \"rounds\": 8, \"mem_cost\": 14}",
            b"user1password".as_slice(),
        );
        let keycloak = (
            c"{\"value\":\"84cjgpXsACQGQn2PGT6xu6puxCtJDaiOqRLlwTznon/WAXuMXUsIBwpHYRN5w+Wp+0vnM54AE+NJ92CeFHfXpg==\",\"salt\":\"4P8vLvL6Xj23Uu+YHth1+g==\",\"additionalParameters\":{}}",
            c"{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}",
            b"Vhb70JRTh".as_slice(),
        );
        // SAFETY: valid locals and C string literals; strings of the library freed once.
        unsafe {
            assert_eq!(
                rehash_policy_from_toml(
                    c"[timing]\nequal_time_failures = false\n".as_ptr(),
                    &mut p,
                    ptr::null_mut()
                ),
                REHASH_OK
            );
            let (hash, salt, params, pw) = firebase;
            let hint = c"firebase_scrypt".as_ptr();
            let verify = |stored: *const c_char, params: *const c_char, pw: &[u8]| {
                rehash_verify_with_params(
                    p,
                    pw.as_ptr(),
                    pw.len(),
                    stored,
                    salt.as_ptr(),
                    n,
                    hint,
                    params,
                    n,
                    ptr::null_mut(),
                )
            };
            assert_eq!(verify(hash.as_ptr(), params.as_ptr(), pw), REHASH_VALID_NEEDS_UPGRADE);
            assert_eq!(verify(hash.as_ptr(), params.as_ptr(), b"user1passwore"), REHASH_INVALID);
            assert_eq!(verify(hash.as_ptr(), n, pw), REHASH_ERROR, "no project config, no verify");
            let mut wrapped = ptr::null_mut();
            let rc = rehash_wrap_with_params(
                p,
                hash.as_ptr(),
                salt.as_ptr(),
                n,
                hint,
                params.as_ptr(),
                n,
                &mut wrapped,
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_OK);
            assert_eq!(verify(wrapped, params.as_ptr(), pw), REHASH_VALID_NEEDS_UPGRADE);
            assert_eq!(verify(wrapped, params.as_ptr(), b"user1passwore"), REHASH_INVALID);
            rehash_string_free(wrapped);

            let (hash, col, pw) = keycloak;
            let hint = c"keycloak_pbkdf2".as_ptr();
            let mut label = ptr::null_mut();
            let rc = rehash_identify_with_params(
                p,
                hash.as_ptr(),
                n,
                n,
                hint,
                n,
                col.as_ptr(),
                &mut label,
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_OK);
            assert_eq!(CStr::from_ptr(label).to_str().expect("UTF-8"), "keycloak_pbkdf2");
            rehash_string_free(label);
            assert_eq!(
                rehash_needs_upgrade_with_params(
                    p,
                    hash.as_ptr(),
                    n,
                    n,
                    hint,
                    n,
                    col.as_ptr(),
                    ptr::null_mut()
                ),
                REHASH_VALID_NEEDS_UPGRADE
            );
            let mut new_hash = ptr::null_mut();
            let rc = rehash_verify_and_upgrade_with_params(
                p,
                pw.as_ptr(),
                pw.len(),
                hash.as_ptr(),
                n,
                n,
                hint,
                n,
                col.as_ptr(),
                &mut new_hash,
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
            assert!(CStr::from_ptr(new_hash).to_str().expect("UTF-8").starts_with("$argon2id$"));
            rehash_string_free(new_hash);
            let rc = rehash_verify_with_params(
                p,
                pw.as_ptr(),
                pw.len(),
                hash.as_ptr(),
                n,
                n,
                hint,
                n,
                n,
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_ERROR, "without credential_data the row cannot be read");
            rehash_policy_free(p);
        }
    }

    #[test]
    fn round_trip_from_rust() {
        let mut p: *mut rehash_policy = ptr::null_mut();
        let toml = c"[legacy]\ndeclare = [\"md5_hex\"]\n[timing]\nequal_time_failures = false\n";
        // SAFETY: valid locals and a C string literal.
        unsafe {
            assert_eq!(rehash_policy_from_toml(toml.as_ptr(), &mut p, ptr::null_mut()), REHASH_OK);
            let mut new_hash: *mut c_char = ptr::null_mut();
            let rc = rehash_verify_and_upgrade(
                p,
                b"password".as_ptr(),
                8,
                c"5f4dcc3b5aa765d61d8327deb882cf99".as_ptr(),
                ptr::null(),
                ptr::null(),
                ptr::null(),
                &mut new_hash,
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
            assert!(CStr::from_ptr(new_hash).to_str().unwrap().starts_with("$argon2id$"));
            let rc = rehash_verify(
                p,
                b"password".as_ptr(),
                8,
                new_hash,
                ptr::null(),
                ptr::null(),
                ptr::null(),
                ptr::null_mut(),
            );
            assert_eq!(rc, REHASH_VALID);
            rehash_string_free(new_hash);
            rehash_policy_free(p);
        }
    }
}
