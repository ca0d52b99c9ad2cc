//! A benchmark hook: the core's own signing call, timed inside the addon, so that a Node
//! benchmark can compare the package's call (conversions included) with the core's alone in the
//! same process and run. Not part of the package's interface (`index.js` does not export it).

use std::hint::black_box;
use std::time::Instant;

use ingo_signer_core::{Request, Signer};
use napi::Env;
use napi_derive::napi;

use crate::SigningKey;
use crate::error::{Failure, Throw};

/// Internal, unstable: signs `body` for `method` `target` at `now` with the core's own call,
/// `iterations` times, and returns the nanoseconds per call.
#[napi(js_name = "_benchCoreSign")]
pub fn bench_core_sign(
    env: Env,
    key: &SigningKey,
    method: String,
    target: String,
    body: &[u8],
    now: f64,
    iterations: u32,
) -> napi::Result<f64> {
    let now = crate::whole_number("now", now).or_throw(&env)?;
    let signer = Signer::new(&key.inner);
    let request = Request::new(&method, &target, body);
    let start = Instant::now();
    for _ in 0..iterations {
        let signed = signer
            .sign(black_box(&request), black_box(now))
            .map_err(Failure::from)
            .or_throw(&env)?;
        black_box(&signed);
    }
    let elapsed = start.elapsed().as_nanos() as f64;
    Ok(elapsed / f64::from(iterations.max(1)))
}
