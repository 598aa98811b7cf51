//! The C ABI on stored strings nested thousands of wrappers deep (issue #18,
//! item 5), called through the cdylib (target/<profile>/librehash.so, loaded
//! with dlopen as a C caller would link it; `cargo build -p rehash-ffi` first,
//! as for tests/c_abi.rs) on a thread with a 256 KiB stack:
//! `rehash_verify` returns `REHASH_ERROR` with a message, never overflows
//! the stack.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;

const REHASH_VALID: c_int = 0;
const REHASH_VALID_NEEDS_UPGRADE: c_int = 1;
const REHASH_INVALID: c_int = 2;
const REHASH_ERROR: c_int = -1;
const RTLD_NOW: c_int = 2;

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}

type PolicyDefault = unsafe extern "C" fn(*mut *mut c_void) -> c_int;
type PolicyFree = unsafe extern "C" fn(*mut c_void);
type Verify = unsafe extern "C" fn(
    *const c_void,
    *const u8,
    usize,
    *const c_char,
    *const c_char,
    *const c_char,
    *const c_char,
    *mut *mut c_char,
) -> c_int;
type StringFree = unsafe extern "C" fn(*mut c_char);

/// target/<profile>, where cargo puts librehash.so for the tests.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

struct Lib {
    policy_default: PolicyDefault,
    policy_free: PolicyFree,
    verify: Verify,
    string_free: StringFree,
}

fn load() -> Lib {
    let so = lib_dir().join("librehash.so");
    // As for tests/c_abi.rs: the crate has no rlib, so `cargo build -p
    // rehash-ffi` (scripts/test does) puts the library there first.
    assert!(so.is_file(), "{} missing: run `cargo build -p rehash-ffi` first", so.display());
    let path = CString::new(so.to_str().expect("utf-8 path")).expect("path");
    // SAFETY: dlopen/dlsym/dlerror with NUL-terminated names; every symbol is
    // one of librehash's exported functions, cast to its documented signature.
    unsafe {
        let h = dlopen(path.as_ptr(), RTLD_NOW);
        assert!(!h.is_null(), "dlopen: {:?}", CStr::from_ptr(dlerror()));
        let sym = |name: &str| {
            let n = CString::new(name).expect("name");
            let p = dlsym(h, n.as_ptr());
            assert!(!p.is_null(), "{name} not exported");
            p
        };
        Lib {
            policy_default: std::mem::transmute::<*mut c_void, PolicyDefault>(sym("rehash_policy_default")),
            policy_free: std::mem::transmute::<*mut c_void, PolicyFree>(sym("rehash_policy_free")),
            verify: std::mem::transmute::<*mut c_void, Verify>(sym("rehash_verify")),
            string_free: std::mem::transmute::<*mut c_void, StringFree>(sym("rehash_string_free")),
        }
    }
}

/// `rehash_verify` of `stored` with password `foobarbaz`: the status and the message.
fn verify(lib: &Lib, policy: *const c_void, stored: &str) -> (c_int, Option<String>) {
    let stored = CString::new(stored).expect("no NUL");
    let pw = b"foobarbaz";
    let mut err: *mut c_char = ptr::null_mut();
    // SAFETY: a live policy handle, a readable password, a NUL-terminated
    // string, NULL optional columns and a writable `err`.
    let rc = unsafe {
        (lib.verify)(
            policy,
            pw.as_ptr(),
            pw.len(),
            stored.as_ptr(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
            &mut err,
        )
    };
    let msg = (!err.is_null()).then(|| {
        // SAFETY: `err` came from the library and is freed once, here.
        unsafe {
            let m = CStr::from_ptr(err).to_string_lossy().into_owned();
            (lib.string_free)(err);
            m
        }
    });
    (rc, msg)
}

#[test]
fn deeply_nested_strings_on_a_256_kib_stack() {
    const MD5_CRYPT: &str = "$1$########$BTXbxyZ1vI4TivVy61i3y.";
    let t = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let lib = load();
            let mut policy: *mut c_void = ptr::null_mut();
            // SAFETY: `policy` is writable.
            assert_eq!(unsafe { (lib.policy_default)(&mut policy) }, 0);
            // md5-crypt is legacy: the right password asks for an upgrade.
            assert_eq!(verify(&lib, policy, MD5_CRYPT).0, REHASH_VALID_NEEDS_UPGRADE);
            assert_ne!(REHASH_VALID, REHASH_VALID_NEEDS_UPGRADE);
            assert_eq!(verify(&lib, policy, &format!("*{{CRYPT}}{MD5_CRYPT}")).0, REHASH_INVALID);
            for n in [1000, 30_000] {
                for stored in [
                    format!("{}{MD5_CRYPT}", "*".repeat(n)),
                    format!("{}{MD5_CRYPT}", "{CRYPT}".repeat(n)),
                    format!("{}{MD5_CRYPT}", "*{CRYPT}".repeat(n / 2)),
                ] {
                    let (rc, msg) = verify(&lib, policy, &stored);
                    assert_eq!(rc, REHASH_ERROR, "{n}: {msg:?}");
                    assert!(msg.is_some_and(|m| m.contains("hash format") || m.contains("malformed")), "{n}");
                }
            }
            // SAFETY: the handle is freed once.
            unsafe { (lib.policy_free)(policy) };
        })
        .expect("spawn");
    t.join().expect("no stack overflow, no panic");
}
