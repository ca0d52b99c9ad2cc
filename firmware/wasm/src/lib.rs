//! signer-core as a WebAssembly module that imports nothing: `#![no_std]`, no allocator, built
//! for `wasm32-unknown-unknown`, so any WebAssembly host can load it with an empty import
//! object. `check.mjs` loads it in Node, checks that it has no imports, and signs and verifies
//! SPEC §7's request through it.
//!
//! The interface is plain memory: the host writes the inputs one after another into the input
//! buffer ([`ingo_input`], [`ingo_input_capacity`] bytes), calls [`ingo_sign`] or
//! [`ingo_verify`] with their lengths, and reads [`ingo_output_len`] bytes at [`ingo_output`].
#![no_std]

use core::cell::UnsafeCell;
use core::fmt::Write as _;

use ingo_signer_core::{HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier};

const INPUT_CAPACITY: usize = 16 * 1024;
const OUTPUT_CAPACITY: usize = 4 * 1024;
/// The most headers [`ingo_verify`] reads.
const MAX_HEADERS: usize = 32;

/// A buffer the host reads and writes through the module's memory.
struct Buffer<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: a wasm32-unknown-unknown instance runs one thread, and each export finishes with the
// buffers before it returns; the host touches them only between calls.
unsafe impl<const N: usize> Sync for Buffer<N> {}

static INPUT: Buffer<INPUT_CAPACITY> = Buffer(UnsafeCell::new([0; INPUT_CAPACITY]));
static OUTPUT: Buffer<OUTPUT_CAPACITY> = Buffer(UnsafeCell::new([0; OUTPUT_CAPACITY]));

/// The length of the last output.
struct Word(UnsafeCell<u32>);
// SAFETY: as for `Buffer`.
unsafe impl Sync for Word {}
static OUTPUT_LEN_WORD: Word = Word(UnsafeCell::new(0));

/// Where the host writes the inputs.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_input() -> *mut u8 {
    INPUT.0.get().cast()
}

/// How many bytes the input buffer holds.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_input_capacity() -> u32 {
    INPUT_CAPACITY as u32
}

/// Where the last call wrote its output.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_output() -> *const u8 {
    OUTPUT.0.get().cast()
}

/// How many bytes the last call wrote.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_output_len() -> u32 {
    // SAFETY: see `Buffer`.
    unsafe { *OUTPUT_LEN_WORD.0.get() }
}

/// Runs `f` with the input (read only) and an empty output; stores the output's length.
fn with_buffers<R>(f: impl FnOnce(&[u8], &mut heapless::String<OUTPUT_CAPACITY>) -> R) -> R {
    // SAFETY: see `Buffer`: no other reference to either buffer exists during an export.
    let input = unsafe { &*INPUT.0.get() };
    let mut text = heapless::String::new();
    let result = f(input, &mut text);
    // SAFETY: as above.
    let output = unsafe { &mut *OUTPUT.0.get() };
    output[..text.len()].copy_from_slice(text.as_bytes());
    // SAFETY: as above.
    unsafe { *OUTPUT_LEN_WORD.0.get() = text.len() as u32 };
    result
}

/// Splits the input into consecutive fields of the given lengths; `None` if they overrun it or
/// a text field is not UTF-8.
fn fields<'a, const N: usize>(input: &'a [u8], lens: [u32; N]) -> Option<[&'a [u8]; N]> {
    let mut rest = input;
    let mut out = [&[][..]; N];
    for (slot, len) in out.iter_mut().zip(lens) {
        let (field, tail) = rest.split_at_checked(usize::try_from(len).ok()?)?;
        *slot = field;
        rest = tail;
    }
    Some(out)
}

fn text(field: &[u8]) -> Option<&str> {
    core::str::from_utf8(field).ok()
}

/// Signs a JSON request. The input holds the username, the secret, the method, the target and
/// the body, in that order, of the given lengths; `now` is Unix seconds. The output is the five
/// headers to send, one `Name: value` per line (CRLF). Returns 0, or 1 when the input is
/// malformed, or 2 when signing refused it (the output then holds the error's kind).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_sign(
    username_len: u32,
    secret_len: u32,
    method_len: u32,
    target_len: u32,
    body_len: u32,
    now: u64,
) -> u32 {
    with_buffers(|input, out| {
        let Some([username, secret, method, target, body]) = fields(
            input,
            [username_len, secret_len, method_len, target_len, body_len],
        ) else {
            return 1;
        };
        let (Some(username), Some(method), Some(target)) =
            (text(username), text(method), text(target))
        else {
            return 1;
        };
        let key = match SigningKey::new(username, secret) {
            Ok(key) => key,
            Err(e) => {
                let _ = out.push_str(e.kind());
                return 2;
            }
        };
        match Signer::new(&key).sign(&Request::new(method, target, body), now) {
            Ok(signed) => {
                for (name, value) in signed.iter() {
                    let _ = write!(out, "{name}: {value}\r\n");
                }
                0
            }
            Err(e) => {
                let _ = out.push_str(e.kind());
                2
            }
        }
    })
}

/// Verifies a request. The input holds the username and secret of the one key the verifier
/// knows, the method, the target, the headers (`Name: value` lines, CRLF or LF) and the body,
/// in that order, of the given lengths; the policy is the default one and `now` is Unix
/// seconds. Returns 0 when it verifies (the output holds the username), 1 when the input is
/// malformed, otherwise the HTTP status to answer with (the output holds the error's kind).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_verify(
    username_len: u32,
    secret_len: u32,
    method_len: u32,
    target_len: u32,
    headers_len: u32,
    body_len: u32,
    now: u64,
) -> u32 {
    with_buffers(|input, out| {
        let Some([username, secret, method, target, headers, body]) = fields(
            input,
            [
                username_len,
                secret_len,
                method_len,
                target_len,
                headers_len,
                body_len,
            ],
        ) else {
            return 1;
        };
        let (Some(username), Some(method), Some(target), Some(headers)) =
            (text(username), text(method), text(target), text(headers))
        else {
            return 1;
        };
        let mut pairs = heapless::Vec::<(&str, &str), MAX_HEADERS>::new();
        for line in headers.lines().filter(|line| !line.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return 1;
            };
            if pairs.push((name, value)).is_err() {
                return 1;
            }
        }
        let Ok(key) = SigningKey::new(username, secret) else {
            return 1;
        };
        let head = RequestHead {
            method,
            target,
            version: HttpVersion::Http11,
            headers: &pairs[..],
        };
        match Verifier::new(&key, Policy::default()).verify(&head, body, now) {
            Ok(verified) => {
                let _ = out.push_str(verified.username());
                0
            }
            Err(e) => {
                let _ = out.push_str(e.kind());
                u32::from(e.http_status())
            }
        }
    })
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
