//! NULL for every pointer argument of every entry point: a required one is
//! `REHASH_ERR_NULL_POINTER` with a message naming it (in `*err` and the last
//! error) and every out-pointer reset; an optional one is accepted. The C
//! side of the same contract is in tests/c/test_vectors.c (under valgrind).

use std::ffi::{c_char, CStr};
use std::ptr::{self, NonNull};

use super::*;

const MD5CRYPT: &CStr = c"$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"; // "password"
const PW: &[u8] = b"password";

/// A pointer no entry point may leave in an out-argument (never read).
fn stale<T>() -> *mut T {
    NonNull::dangling().as_ptr()
}

fn policy() -> *mut rehash_policy {
    let mut p = ptr::null_mut();
    let toml = c"[legacy]\ndeclare = [\"md5_hex\"]\n[timing]\nequal_time_failures = false\n";
    // SAFETY: a C string literal and a valid local.
    assert_eq!(unsafe { rehash_policy_from_toml(toml.as_ptr(), &mut p, ptr::null_mut()) }, REHASH_OK);
    assert!(!p.is_null());
    p
}

/// The message in `err` (freed) and the last error, which must agree.
fn message(err: *mut c_char) -> String {
    assert!(!err.is_null(), "err is set on failure");
    // SAFETY: set by the library to a string of its own.
    let msg = unsafe { CStr::from_ptr(err) }.to_str().expect("UTF-8").to_owned();
    // SAFETY: returned by the library, freed once.
    unsafe { rehash_string_free(err) };
    assert_eq!(last_error().as_deref(), Some(msg.as_str()));
    msg
}

fn last_error() -> Option<String> {
    let p = rehash_last_error();
    // SAFETY: NULL or the library's thread-local C string.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().expect("UTF-8").to_owned())
}

/// A required argument was NULL: the code, and a message naming it.
fn assert_null(rc: c_int, err: *mut c_char, arg: &str) {
    assert_eq!(rc, REHASH_ERR_NULL_POINTER, "{arg}");
    assert_eq!(message(err), format!("{arg} is NULL"));
}

/// The same without `err`: the last error names it.
fn assert_null_no_err(rc: c_int, arg: &str) {
    assert_eq!(rc, REHASH_ERR_NULL_POINTER, "{arg}");
    assert_eq!(last_error(), Some(format!("{arg} is NULL")));
}

#[test]
fn policy_from_toml() {
    let mut out = stale();
    let mut err = stale();
    // SAFETY: valid locals and C string literals; NULL where tested.
    unsafe {
        let rc = rehash_policy_from_toml(ptr::null(), &mut out, &mut err);
        assert!(out.is_null(), "out reset");
        assert_null(rc, err, "toml");
        err = stale();
        assert_null(rehash_policy_from_toml(c"".as_ptr(), ptr::null_mut(), &mut err), err, "out");
        // Both NULL: still a code, never a crash.
        let rc = rehash_policy_from_toml(ptr::null(), ptr::null_mut(), ptr::null_mut());
        assert_eq!(rc, REHASH_ERR_NULL_POINTER);
        // `err` may be NULL, on success and on failure.
        assert_eq!(rehash_policy_from_toml(c"".as_ptr(), &mut out, ptr::null_mut()), REHASH_OK);
        assert!(!out.is_null());
        rehash_policy_free(out);
        let rc = rehash_policy_from_toml(c"[target]\nscheme = \"md5\"\n".as_ptr(), &mut out, ptr::null_mut());
        assert_eq!(rc, REHASH_ERROR);
        assert!(out.is_null() && last_error().is_some());
        // A success sets `*err` to NULL.
        err = stale();
        assert_eq!(rehash_policy_from_toml(c"".as_ptr(), &mut out, &mut err), REHASH_OK);
        assert!(err.is_null() && last_error().is_none());
        rehash_policy_free(out);
    }
}

#[test]
fn policy_default_and_free() {
    // SAFETY: NULL where tested, else a valid local.
    unsafe {
        assert_null_no_err(rehash_policy_default(ptr::null_mut()), "out");
        let mut out = stale();
        assert_eq!(rehash_policy_default(&mut out), REHASH_OK);
        assert!(!out.is_null() && last_error().is_none());
        rehash_policy_free(out);
        rehash_policy_free(ptr::null_mut());
        rehash_string_free(ptr::null_mut());
    }
}

#[test]
fn verify_and_upgrade() {
    let p = policy();
    let call = |policy: *const rehash_policy,
                pw: *const u8,
                pw_len: usize,
                stored: *const c_char,
                out: *mut *mut c_char,
                err: *mut *mut c_char| {
        // SAFETY: each pointer is NULL or valid for the call.
        unsafe {
            rehash_verify_and_upgrade(
                policy,
                pw,
                pw_len,
                stored,
                ptr::null(),
                ptr::null(),
                ptr::null(),
                out,
                err,
            )
        }
    };
    let (mut out, mut err) = (stale(), stale());
    let rc = call(ptr::null(), PW.as_ptr(), PW.len(), MD5CRYPT.as_ptr(), &mut out, &mut err);
    assert!(out.is_null(), "new_hash_out reset");
    assert_null(rc, err, "policy");
    let rc = call(p, ptr::null(), PW.len(), MD5CRYPT.as_ptr(), &mut out, &mut err);
    assert_null(rc, err, "pw");
    let rc = call(p, PW.as_ptr(), PW.len(), ptr::null(), &mut out, &mut err);
    assert_null(rc, err, "stored");
    let rc = call(p, PW.as_ptr(), PW.len(), MD5CRYPT.as_ptr(), ptr::null_mut(), &mut err);
    assert_null(rc, err, "new_hash_out");
    // Everything NULL: the first required argument is named.
    let rc = call(ptr::null(), ptr::null(), 1, ptr::null(), ptr::null_mut(), ptr::null_mut());
    assert_null_no_err(rc, "new_hash_out");
    // NULL password of length 0: the empty password (wrong here).
    assert_eq!(call(p, ptr::null(), 0, MD5CRYPT.as_ptr(), &mut out, &mut err), REHASH_INVALID);
    assert!(out.is_null() && err.is_null());
    // salt, user, scheme_hint and err NULL: accepted.
    out = stale();
    let rc = call(p, PW.as_ptr(), PW.len(), MD5CRYPT.as_ptr(), &mut out, ptr::null_mut());
    assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
    assert!(!out.is_null());
    // SAFETY: a string of the library, freed once; the handle, freed once.
    unsafe {
        rehash_string_free(out);
        rehash_policy_free(p);
    }
}

#[test]
fn verify() {
    let p = policy();
    let call = |policy: *const rehash_policy,
                pw: *const u8,
                pw_len: usize,
                stored: *const c_char,
                err: *mut *mut c_char| {
        // SAFETY: each pointer is NULL or valid for the call.
        unsafe { rehash_verify(policy, pw, pw_len, stored, ptr::null(), ptr::null(), ptr::null(), err) }
    };
    let mut err = stale();
    assert_null(call(ptr::null(), PW.as_ptr(), PW.len(), MD5CRYPT.as_ptr(), &mut err), err, "policy");
    assert_null(call(p, ptr::null(), PW.len(), MD5CRYPT.as_ptr(), &mut err), err, "pw");
    assert_null(call(p, PW.as_ptr(), PW.len(), ptr::null(), &mut err), err, "stored");
    assert_null_no_err(call(ptr::null(), ptr::null(), 3, ptr::null(), ptr::null_mut()), "policy");
    assert_eq!(call(p, ptr::null(), 0, MD5CRYPT.as_ptr(), &mut err), REHASH_INVALID);
    assert!(err.is_null());
    let rc = call(p, PW.as_ptr(), PW.len(), MD5CRYPT.as_ptr(), ptr::null_mut());
    assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
    // A declared unsalted scheme through the hint; salt and user NULL.
    // SAFETY: C string literals and a live handle.
    let rc = unsafe {
        rehash_verify(
            p,
            PW.as_ptr(),
            PW.len(),
            c"5f4dcc3b5aa765d61d8327deb882cf99".as_ptr(),
            ptr::null(),
            ptr::null(),
            c"md5_hex".as_ptr(),
            ptr::null_mut(),
        )
    };
    assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
    // SAFETY: the handle, freed once.
    unsafe { rehash_policy_free(p) };
}

#[test]
fn verify_dummy() {
    let p = policy();
    // SAFETY: NULL where tested, else a live handle and a valid buffer.
    unsafe {
        assert_null_no_err(rehash_verify_dummy(ptr::null(), PW.as_ptr(), PW.len()), "policy");
        assert_null_no_err(rehash_verify_dummy(p, ptr::null(), PW.len()), "pw");
        assert_eq!(rehash_verify_dummy(p, ptr::null(), 0), REHASH_INVALID);
        assert!(last_error().is_none());
        rehash_policy_free(p);
    }
}

#[test]
fn hash() {
    let p = policy();
    let (mut out, mut err) = (stale(), stale());
    // SAFETY: NULL where tested, else a live handle and valid locals.
    unsafe {
        let rc = rehash_hash(ptr::null(), PW.as_ptr(), PW.len(), &mut out, &mut err);
        assert!(out.is_null(), "hash_out reset");
        assert_null(rc, err, "policy");
        assert_null(rehash_hash(p, ptr::null(), PW.len(), &mut out, &mut err), err, "pw");
        assert_null(rehash_hash(p, PW.as_ptr(), PW.len(), ptr::null_mut(), &mut err), err, "hash_out");
        assert_null_no_err(
            rehash_hash(p, PW.as_ptr(), PW.len(), ptr::null_mut(), ptr::null_mut()),
            "hash_out",
        );
        // The empty password (NULL, 0) hashes; `err` may be NULL.
        assert_eq!(rehash_hash(p, ptr::null(), 0, &mut out, ptr::null_mut()), REHASH_OK);
        assert!(CStr::from_ptr(out).to_str().expect("UTF-8").starts_with("$argon2id$"));
        rehash_string_free(out);
        rehash_policy_free(p);
    }
}

#[test]
fn hash_into() {
    let p = policy();
    let mut buf = [0x55 as c_char; 128];
    let (mut needed, mut err) = (usize::MAX, stale());
    // SAFETY: NULL where tested, else a live handle and valid locals.
    unsafe {
        let rc = rehash_hash_into(
            ptr::null(),
            PW.as_ptr(),
            PW.len(),
            buf.as_mut_ptr(),
            128,
            &mut needed,
            &mut err,
        );
        assert_eq!(needed, 0, "needed reset");
        assert_null(rc, err, "policy");
        needed = usize::MAX;
        let rc = rehash_hash_into(p, ptr::null(), PW.len(), buf.as_mut_ptr(), 128, &mut needed, &mut err);
        assert_eq!(needed, 0, "needed reset");
        assert_null(rc, err, "pw");
        needed = usize::MAX;
        let rc = rehash_hash_into(p, PW.as_ptr(), PW.len(), ptr::null_mut(), 128, &mut needed, &mut err);
        assert_eq!(needed, 0, "needed reset");
        assert_null(rc, err, "buf");
        let rc = rehash_hash_into(
            ptr::null(),
            ptr::null(),
            1,
            ptr::null_mut(),
            1,
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(rc, REHASH_ERR_NULL_POINTER);
        // NULL buf of length 0: the size query.
        let rc = rehash_hash_into(p, PW.as_ptr(), PW.len(), ptr::null_mut(), 0, &mut needed, &mut err);
        assert_eq!(rc, REHASH_ERR_BUFFER_TOO_SMALL);
        assert!(needed > 1 && needed <= 128);
        let _ = message(err);
        // needed and err NULL: accepted.
        let rc = rehash_hash_into(
            p,
            PW.as_ptr(),
            PW.len(),
            buf.as_mut_ptr(),
            128,
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(rc, REHASH_OK);
        assert!(CStr::from_ptr(buf.as_ptr()).to_str().expect("UTF-8").starts_with("$argon2id$"));
        // The empty password (NULL, 0).
        let rc = rehash_hash_into(p, ptr::null(), 0, buf.as_mut_ptr(), 128, ptr::null_mut(), ptr::null_mut());
        assert_eq!(rc, REHASH_OK);
        rehash_policy_free(p);
    }
}

/// `rehash_identify`, `rehash_wrap` (out-pointer) and `rehash_needs_upgrade`
/// (none): policy, stored, the optional texts and err.
#[test]
fn identify_needs_upgrade_and_wrap() {
    type WithOut = unsafe extern "C" fn(
        *const rehash_policy,
        *const c_char,
        *const c_char,
        *const c_char,
        *const c_char,
        *mut *mut c_char,
        *mut *mut c_char,
    ) -> c_int;
    let p = policy();
    let n: *const c_char = ptr::null();
    for (f, out_name) in [(rehash_identify as WithOut, "scheme_out"), (rehash_wrap as WithOut, "wrapped_out")]
    {
        let (mut out, mut err) = (stale(), stale());
        // SAFETY: NULL where tested, else a live handle, literals and locals.
        unsafe {
            let rc = f(ptr::null(), MD5CRYPT.as_ptr(), n, n, n, &mut out, &mut err);
            assert!(out.is_null(), "{out_name} reset");
            assert_null(rc, err, "policy");
            assert_null(f(p, ptr::null(), n, n, n, &mut out, &mut err), err, "stored");
            assert_null(f(p, MD5CRYPT.as_ptr(), n, n, n, ptr::null_mut(), &mut err), err, out_name);
            assert_null_no_err(f(ptr::null(), n, n, n, n, ptr::null_mut(), ptr::null_mut()), out_name);
            // salt, user, scheme_hint and err NULL: accepted.
            assert_eq!(f(p, MD5CRYPT.as_ptr(), n, n, n, &mut out, ptr::null_mut()), REHASH_OK, "{out_name}");
            assert!(!out.is_null());
            rehash_string_free(out);
        }
    }
    let mut err = stale();
    // SAFETY: as above.
    unsafe {
        assert_null(rehash_needs_upgrade(ptr::null(), MD5CRYPT.as_ptr(), n, n, n, &mut err), err, "policy");
        assert_null(rehash_needs_upgrade(p, ptr::null(), n, n, n, &mut err), err, "stored");
        assert_null_no_err(rehash_needs_upgrade(ptr::null(), n, n, n, n, ptr::null_mut()), "policy");
        let rc = rehash_needs_upgrade(p, MD5CRYPT.as_ptr(), n, n, n, ptr::null_mut());
        assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
        rehash_policy_free(p);
    }
}

/// The `_with_params` entry points: the same required arguments as the
/// functions they extend (named the same way), `params` and `params_col`
/// optional.
#[test]
fn with_params_entry_points() {
    let p = policy();
    let n: *const c_char = ptr::null();
    let (params, col) = (c"{\"rounds\": 8}".as_ptr(), c"pbkdf2$50000$50".as_ptr());
    let (mut out, mut err) = (stale(), stale());
    // SAFETY: NULL where tested, else a live handle, literals and locals.
    unsafe {
        let vu = |policy, pw, stored, out, err, params, col| {
            rehash_verify_and_upgrade_with_params(
                policy,
                pw,
                PW.len(),
                stored,
                n,
                n,
                n,
                params,
                col,
                out,
                err,
            )
        };
        let rc = vu(ptr::null(), PW.as_ptr(), MD5CRYPT.as_ptr(), &mut out, &mut err, params, col);
        assert!(out.is_null(), "new_hash_out reset");
        assert_null(rc, err, "policy");
        assert_null(vu(p, ptr::null(), MD5CRYPT.as_ptr(), &mut out, &mut err, params, col), err, "pw");
        assert_null(vu(p, PW.as_ptr(), n, &mut out, &mut err, params, col), err, "stored");
        let rc = vu(p, PW.as_ptr(), MD5CRYPT.as_ptr(), ptr::null_mut(), &mut err, params, col);
        assert_null(rc, err, "new_hash_out");
        for (pa, co) in [(n, n), (params, n), (n, col), (params, col)] {
            let rc = vu(p, PW.as_ptr(), MD5CRYPT.as_ptr(), &mut out, ptr::null_mut(), pa, co);
            assert_eq!(rc, REHASH_VALID_NEEDS_UPGRADE);
            rehash_string_free(out);

            let v = |policy, pw, stored, err| {
                rehash_verify_with_params(policy, pw, PW.len(), stored, n, n, n, pa, co, err)
            };
            assert_null(v(ptr::null(), PW.as_ptr(), MD5CRYPT.as_ptr(), &mut err), err, "policy");
            assert_null(v(p, ptr::null(), MD5CRYPT.as_ptr(), &mut err), err, "pw");
            assert_null(v(p, PW.as_ptr(), n, &mut err), err, "stored");
            assert_eq!(v(p, PW.as_ptr(), MD5CRYPT.as_ptr(), ptr::null_mut()), REHASH_VALID_NEEDS_UPGRADE);

            type WithOut = unsafe extern "C" fn(
                *const rehash_policy,
                *const c_char,
                *const c_char,
                *const c_char,
                *const c_char,
                *const c_char,
                *const c_char,
                *mut *mut c_char,
                *mut *mut c_char,
            ) -> c_int;
            for (f, out_name) in [
                (rehash_identify_with_params as WithOut, "scheme_out"),
                (rehash_wrap_with_params as WithOut, "wrapped_out"),
            ] {
                let rc = f(ptr::null(), MD5CRYPT.as_ptr(), n, n, n, pa, co, &mut out, &mut err);
                assert!(out.is_null(), "{out_name} reset");
                assert_null(rc, err, "policy");
                assert_null(f(p, n, n, n, n, pa, co, &mut out, &mut err), err, "stored");
                assert_null(
                    f(p, MD5CRYPT.as_ptr(), n, n, n, pa, co, ptr::null_mut(), &mut err),
                    err,
                    out_name,
                );
                assert_eq!(f(p, MD5CRYPT.as_ptr(), n, n, n, pa, co, &mut out, ptr::null_mut()), REHASH_OK);
                assert!(!out.is_null());
                rehash_string_free(out);
            }
            let nu = rehash_needs_upgrade_with_params;
            assert_null(nu(ptr::null(), MD5CRYPT.as_ptr(), n, n, n, pa, co, &mut err), err, "policy");
            assert_null(nu(p, n, n, n, n, pa, co, &mut err), err, "stored");
            assert_null_no_err(nu(ptr::null(), n, n, n, n, pa, co, ptr::null_mut()), "policy");
            assert_eq!(
                nu(p, MD5CRYPT.as_ptr(), n, n, n, pa, co, ptr::null_mut()),
                REHASH_VALID_NEEDS_UPGRADE
            );
        }
        rehash_policy_free(p);
    }
}

#[test]
fn version_and_last_error() {
    assert!(!rehash_version().is_null());
    let p = policy();
    assert!(rehash_last_error().is_null(), "a success clears the last error");
    // SAFETY: the handle, freed once.
    unsafe { rehash_policy_free(p) };
}
