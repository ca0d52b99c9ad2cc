//! Replay guards: the memory a gateway keeps of the requests it accepted (feature `tower`).
//!
//! A signed request verifies again every time it is sent until its `X-Date` is `max_skew`
//! seconds old (see [`ingo_signer_core::replay`]). A [`ReplayGuard`] closes that window: once a
//! request's head is authenticated, the gateway asks the guard to record the request's
//! [`ReplayKey`] until [`expires_at`](ingo_signer_core::replay::expires_at); a key already
//! recorded is a replay ([`VerifyError::Replayed`], 401), and a guard that cannot answer
//! refuses the request ([`VerifyError::ReplayCheckUnavailable`], 503) rather than let it
//! through unchecked.
//!
//! - [`MemoryReplayGuard`]: one process, bounded memory (quick_cache; about 11,000 entries per
//!   MB, see docs/benchmarks.md).
//! - `RedisReplayGuard` (feature `redis`): a fleet of gateways sharing one Redis, with
//!   `SET key 1 NX PXAT ...` as the atomic check.
//!
//! ```
//! use ingo_signer::replay::{MemoryReplayGuard, ReplayGuard};
//! use ingo_signer_core::{ReplayKey, VerifyError};
//! # futures_lite_block_on(async {
//! let guard = MemoryReplayGuard::new(10_000);
//! let key = ReplayKey::from_bytes([7; 32]);
//! assert!(guard.check(key, 1_000_301, 1_000_000).await.is_ok());
//! let again = guard.check(key, 1_000_301, 1_000_000).await.unwrap_err();
//! assert_eq!(again.verify_error(), VerifyError::Replayed);
//! # });
//! # fn futures_lite_block_on(f: impl std::future::Future<Output = ()>) {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     assert!(f.as_mut().poll(&mut cx).is_ready()); // the memory guard never waits
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use ingo_signer_core::{ReplayKey, VerifyError};
use quick_cache::sync::{Cache, GuardResult};
use quick_cache::{DefaultHashBuilder, Lifecycle, OptionsBuilder, UnitWeighter};

/// Why a guard did not let a request through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// The key was already recorded: the request is a replay.
    Replayed,
    /// The guard could not tell (its store is unreachable, timed out or full). The text says
    /// why, for logs only: a client is told [`VerifyError::ReplayCheckUnavailable`]'s message.
    Unavailable(String),
}

impl ReplayError {
    /// The core's verdict: [`VerifyError::Replayed`] or [`VerifyError::ReplayCheckUnavailable`].
    pub fn verify_error(&self) -> VerifyError {
        match self {
            ReplayError::Replayed => VerifyError::Replayed,
            ReplayError::Unavailable(_) => VerifyError::ReplayCheckUnavailable,
        }
    }

    /// The stable kind: `verify.replayed` or `verify.replay_unavailable`.
    pub fn kind(&self) -> &'static str {
        self.verify_error().kind()
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Replayed => fmt::Display::fmt(&VerifyError::Replayed, f),
            ReplayError::Unavailable(why) => write!(f, "the replay store cannot answer: {why}"),
        }
    }
}

impl std::error::Error for ReplayError {}

/// The answer of [`ReplayGuard::check`]: a future, ready at once for a guard in memory, waiting
/// on the network for one over Redis.
pub struct ReplayCheck {
    state: CheckState,
}

enum CheckState {
    Ready(Option<Result<(), ReplayError>>),
    Waiting(Pin<Box<dyn Future<Output = Result<(), ReplayError>> + Send>>),
}

impl ReplayCheck {
    /// An answer known now (no allocation).
    pub fn ready(result: Result<(), ReplayError>) -> Self {
        ReplayCheck {
            state: CheckState::Ready(Some(result)),
        }
    }

    /// The answer if it is known now, or the check to await.
    ///
    /// # Errors
    /// `self`, when the answer must be awaited.
    pub fn into_ready(self) -> Result<Result<(), ReplayError>, ReplayCheck> {
        match self.state {
            CheckState::Ready(Some(result)) => Ok(result),
            state => Err(ReplayCheck { state }),
        }
    }

    /// An answer that comes later.
    pub fn waiting(future: impl Future<Output = Result<(), ReplayError>> + Send + 'static) -> Self {
        ReplayCheck {
            state: CheckState::Waiting(Box::pin(future)),
        }
    }
}

impl fmt::Debug for ReplayCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            CheckState::Ready(result) => f.debug_tuple("Ready").field(result).finish(),
            CheckState::Waiting(_) => f.write_str("Waiting"),
        }
    }
}

impl Future for ReplayCheck {
    type Output = Result<(), ReplayError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            CheckState::Ready(result) => Poll::Ready(result.take().unwrap_or_else(|| {
                Err(ReplayError::Unavailable(
                    "the check was polled after it ended".into(),
                ))
            })),
            CheckState::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

/// A store of accepted requests. [`check`](Self::check) is one atomic *insert if absent*: of
/// two requests with the same key checked at the same moment, exactly one gets `Ok`.
pub trait ReplayGuard: Send + Sync + 'static {
    /// Records `key` until `expires_at` (Unix seconds, from
    /// [`expires_at`](ingo_signer_core::replay::expires_at)), unless it is recorded already.
    /// `now` is the gateway's clock, as given to the verifier.
    ///
    /// # Errors
    /// [`ReplayError::Replayed`] when the key is recorded and has not expired;
    /// [`ReplayError::Unavailable`] when the guard cannot tell.
    fn check(&self, key: ReplayKey, expires_at: u64, now: u64) -> ReplayCheck;
}

impl<G: ReplayGuard + ?Sized> ReplayGuard for Arc<G> {
    fn check(&self, key: ReplayKey, expires_at: u64, now: u64) -> ReplayCheck {
        (**self).check(key, expires_at, now)
    }
}

/// A replay guard in this process's memory, bounded to `capacity` entries.
///
/// Built on [`quick_cache`] (chosen over moka and mini-moka by measurement: the fastest and the
/// smallest, about 80–90 heap bytes per entry; docs/benchmarks.md). An entry holds its expiry;
/// an entry that has not expired is *pinned*: the cache may evict only expired entries. When
/// every entry is live and a new one does not fit, the new request is refused with
/// [`ReplayError::Unavailable`] (503): forgetting a live entry would let its request be
/// replayed. Size the capacity for the peak rate times the window: requests per second ×
/// (`max_skew` + 1) for clients whose clocks are right, up to × (2 × `max_skew` + 1).
///
/// The guard keeps one process's memory: behind a load balancer with several gateways, use a
/// shared store (`RedisReplayGuard`).
pub struct MemoryReplayGuard {
    cache: Cache<ReplayKey, u64, UnitWeighter, DefaultHashBuilder, Pins>,
    capacity: usize,
    /// How far past `capacity` the cache may hold entries before a newcomer is refused.
    limit: usize,
    pins: Pins,
}

/// What the cache asks before evicting: an entry whose expiry is after the latest `now` seen is
/// pinned. Counts the entries held, so that a full cache of live entries is noticed.
#[derive(Clone)]
struct Pins {
    now: Arc<AtomicU64>,
    held: Arc<AtomicUsize>,
}

impl Lifecycle<ReplayKey, u64> for Pins {
    type RequestState = ();

    fn is_pinned(&self, _key: &ReplayKey, expires_at: &u64) -> bool {
        *expires_at > self.now.load(Ordering::Relaxed)
    }

    fn begin_request(&self) -> Self::RequestState {}

    fn on_evict(&self, _state: &mut Self::RequestState, _key: ReplayKey, _expires_at: u64) {
        self.held.fetch_sub(1, Ordering::Relaxed);
    }
}

impl MemoryReplayGuard {
    /// The default capacity: 262,144 entries, about 24 MB when full; enough for 870 requests
    /// per second sustained under a 300 s skew limit.
    pub const DEFAULT_CAPACITY: usize = 1 << 18;

    /// A guard for `capacity` entries (at least 1).
    ///
    /// The cache is split in shards, each evicting its own expired entries; one shard can fill
    /// with live entries while another still holds expired ones. So the guard refuses a
    /// newcomer only past `capacity` plus a quarter: up to that, the entries past `capacity`
    /// are live ones waiting for their shard's expired ones to go.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let pins = Pins {
            now: Arc::new(AtomicU64::new(0)),
            held: Arc::new(AtomicUsize::new(0)),
        };
        // At least 1,024 entries per shard, so that no shard is small enough to fill by chance.
        let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
        let shards = (parallelism * 4).min(capacity / 1024).max(1);
        let options = OptionsBuilder::new()
            .shards(shards)
            .estimated_items_capacity(capacity)
            .weight_capacity(u64::try_from(capacity).unwrap_or(u64::MAX))
            .build();
        let cache = match options {
            Ok(options) => Cache::with_options(
                options,
                UnitWeighter,
                DefaultHashBuilder::default(),
                pins.clone(),
            ),
            // Only a zero capacity is refused by the builder, and `capacity` is at least 1.
            Err(_) => Cache::with(
                capacity,
                u64::try_from(capacity).unwrap_or(u64::MAX),
                UnitWeighter,
                DefaultHashBuilder::default(),
                pins.clone(),
            ),
        };
        MemoryReplayGuard {
            cache,
            capacity,
            limit: capacity.saturating_add(capacity / 4),
            pins,
        }
    }

    /// The entries it is sized for (it holds up to a quarter more, see [`new`](Self::new)).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The entries it holds now, live or expired (expired ones leave as new ones need room).
    pub fn len(&self) -> usize {
        self.pins.held.load(Ordering::Relaxed)
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn forget(&self, key: &ReplayKey) {
        if self.cache.remove(key).is_some() {
            self.pins.held.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn check_now(&self, key: ReplayKey, expires_at: u64, now: u64) -> Result<(), ReplayError> {
        self.pins.now.fetch_max(now, Ordering::Relaxed);
        loop {
            match self.cache.get_value_or_guard(&key, None) {
                GuardResult::Value(until) if until > now => return Err(ReplayError::Replayed),
                // Expired (seen only when clocks disagree: the date check refuses such a
                // request first). Remove it if it is still expired, and try again.
                GuardResult::Value(_) => {
                    if self.cache.remove_if(&key, |until| *until <= now).is_some() {
                        self.pins.held.fetch_sub(1, Ordering::Relaxed);
                    }
                }
                GuardResult::Guard(placeholder) => {
                    self.pins.held.fetch_add(1, Ordering::Relaxed);
                    if placeholder.insert(expires_at).is_err() {
                        self.pins.held.fetch_sub(1, Ordering::Relaxed);
                        return Err(ReplayError::Unavailable(
                            "the in-memory replay cache dropped an entry being inserted".into(),
                        ));
                    }
                    // Every entry pinned and no room: the cache grew past its capacity rather
                    // than forget a live entry. Take the new one back out and refuse.
                    if self.pins.held.load(Ordering::Relaxed) > self.limit {
                        self.forget(&key);
                        return Err(ReplayError::Unavailable(format!(
                            "the in-memory replay cache is full of live entries (capacity {})",
                            self.capacity
                        )));
                    }
                    return Ok(());
                }
                GuardResult::Timeout => {
                    return Err(ReplayError::Unavailable(
                        "the in-memory replay cache timed out".into(),
                    ));
                }
            }
        }
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        MemoryReplayGuard::new(Self::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayGuard")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check(&self, key: ReplayKey, expires_at: u64, now: u64) -> ReplayCheck {
        ReplayCheck::ready(self.check_now(key, expires_at, now))
    }
}

#[cfg(feature = "redis")]
pub use redis_guard::RedisReplayGuard;

#[cfg(feature = "redis")]
mod redis_guard {
    use std::time::Duration;

    use redis::aio::{ConnectionManager, ConnectionManagerConfig};

    use super::{ReplayCheck, ReplayError, ReplayGuard, ReplayKey};

    /// A replay guard in Redis (feature `redis`), shared by every gateway that points at the same
    /// server: `SET <prefix><hex key> 1 NX PXAT <expires_at × 1000>`, one atomic command. A
    /// reply of `OK` lets the request through, a nil reply is a replay, and anything else (no
    /// connection, a timeout, an error reply) refuses the request with
    /// [`ReplayError::Unavailable`] (503): the guard fails closed.
    ///
    /// Connecting and each command are bounded by timeouts (500 ms and 250 ms by default), so a
    /// Redis that is down costs a request a fraction of a second, not a hang. The connection is
    /// re-established in the background when Redis comes back.
    ///
    /// `PXAT` is read on Redis's clock: keep the gateways and Redis on NTP. A Redis clock that
    /// runs ahead of a gateway's by `d` seconds forgets an entry `d` seconds early.
    #[derive(Clone)]
    pub struct RedisReplayGuard {
        connection: ConnectionManager,
        prefix: String,
    }

    impl std::fmt::Debug for RedisReplayGuard {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisReplayGuard")
                .field("prefix", &self.prefix)
                .finish_non_exhaustive()
        }
    }

    impl RedisReplayGuard {
        /// The prefix of every key the guard sets.
        pub const DEFAULT_PREFIX: &'static str = "ingo-signer:replay:";

        /// Connects to `url` (`redis://HOST:PORT`) with the default timeouts.
        ///
        /// # Errors
        /// The URL does not parse, or Redis cannot be reached within the connect timeout.
        pub async fn connect(url: &str) -> Result<Self, redis::RedisError> {
            Self::connect_with(url, Duration::from_millis(500), Duration::from_millis(250)).await
        }

        /// Connects to `url`, each connection attempt bounded by `connect_timeout` and each
        /// command by `response_timeout`.
        ///
        /// # Errors
        /// The URL does not parse, or Redis cannot be reached within the connect timeout.
        pub async fn connect_with(
            url: &str,
            connect_timeout: Duration,
            response_timeout: Duration,
        ) -> Result<Self, redis::RedisError> {
            let client = redis::Client::open(url)?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(connect_timeout))
                .set_response_timeout(Some(response_timeout))
                // One quick retry per failure; the request is refused meanwhile, never queued.
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_millis(100));
            let connection = ConnectionManager::new_with_config(client, config).await?;
            Ok(RedisReplayGuard {
                connection,
                prefix: Self::DEFAULT_PREFIX.to_owned(),
            })
        }

        /// The same guard with another key prefix (to share one Redis between deployments).
        pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
            self.prefix = prefix.into();
            self
        }
    }

    impl ReplayGuard for RedisReplayGuard {
        fn check(&self, key: ReplayKey, expires_at: u64, _now: u64) -> ReplayCheck {
            let mut connection = self.connection.clone();
            let name = format!("{}{}", self.prefix, key.to_hex());
            let at_ms = expires_at.saturating_mul(1000);
            ReplayCheck::waiting(async move {
                let reply: Result<Option<String>, redis::RedisError> = redis::cmd("SET")
                    .arg(&name)
                    .arg(1)
                    .arg("NX")
                    .arg("PXAT")
                    .arg(at_ms)
                    .query_async(&mut connection)
                    .await;
                match reply {
                    Ok(Some(ok)) if ok == "OK" => Ok(()),
                    Ok(None) => Err(ReplayError::Replayed),
                    Ok(Some(other)) => Err(ReplayError::Unavailable(format!(
                        "Redis answered SET NX with {other:?}"
                    ))),
                    Err(e) => Err(ReplayError::Unavailable(format!("Redis: {e}"))),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::task::Waker;

    fn now_or_never(check: ReplayCheck) -> Result<(), ReplayError> {
        let mut check = pin!(check);
        match check.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => panic!("the memory guard waited"),
        }
    }

    fn key(i: u32) -> ReplayKey {
        let mut bytes = [0; 32];
        bytes[..4].copy_from_slice(&i.to_be_bytes());
        ReplayKey::from_bytes(bytes)
    }

    #[test]
    fn a_key_passes_once_until_it_expires() {
        let guard = MemoryReplayGuard::new(16);
        assert_eq!(now_or_never(guard.check(key(1), 1_301, 1_000)), Ok(()));
        assert_eq!(
            now_or_never(guard.check(key(1), 1_301, 1_000)),
            Err(ReplayError::Replayed)
        );
        assert_eq!(
            now_or_never(guard.check(key(1), 1_301, 1_300)),
            Err(ReplayError::Replayed)
        );
        // At its expiry the entry is gone (the date check refuses such a copy anyway).
        assert_eq!(now_or_never(guard.check(key(1), 1_601, 1_301)), Ok(()));
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn full_of_live_entries_it_refuses_rather_than_forgets() {
        let capacity = 4096;
        let guard = MemoryReplayGuard::new(capacity);
        let n = u32::try_from(capacity + capacity / 4).unwrap();
        for i in 0..n {
            assert_eq!(
                now_or_never(guard.check(key(i), 2_000, 1_000)),
                Ok(()),
                "{i}"
            );
        }
        // No room, and nothing may go: refused with 503, and the newcomer is not kept.
        let refused = now_or_never(guard.check(key(n), 2_000, 1_000)).unwrap_err();
        assert_eq!(refused.verify_error(), VerifyError::ReplayCheckUnavailable);
        assert!(refused.to_string().contains("capacity"), "{refused}");
        assert!(guard.len() <= capacity + capacity / 4);
        // Every live entry is still there: each replay is caught.
        for i in 0..n {
            assert_eq!(
                now_or_never(guard.check(key(i), 2_000, 1_000)),
                Err(ReplayError::Replayed),
                "{i}"
            );
        }
        // Once they have expired, they make room for as many new ones.
        for i in n..2 * n {
            assert_eq!(
                now_or_never(guard.check(key(i), 3_000, 2_000)),
                Ok(()),
                "{i}"
            );
        }
        assert!(guard.len() <= capacity + capacity / 4);
    }

    #[test]
    fn of_many_threads_checking_one_key_exactly_one_passes() {
        let guard = MemoryReplayGuard::new(1024);
        for round in 0..50 {
            let passed = AtomicUsize::new(0);
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        if now_or_never(guard.check(key(round), 2_000, 1_000)).is_ok() {
                            passed.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(passed.load(Ordering::Relaxed), 1, "round {round}");
        }
    }
}
