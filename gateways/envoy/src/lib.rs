//! An Envoy proxy-wasm filter that verifies Ingo Payments HMAC-signed requests.
//!
//! Glue only: every protocol decision is `ingo-signer-core`'s. This crate reads the plugin's
//! configuration ([`config`]), turns Envoy's view of a request into the core's and its verdict
//! into a response ([`filter`]), and talks to Envoy through one narrow interface ([`host`]).
//!
//! Built for `wasm32-wasip1` as `ingo_signer_envoy.wasm` and loaded by Envoy's
//! `envoy.filters.http.wasm` (V8) with `allow_on_headers_stop_iteration: true`; see README.md
//! and `envoy.yaml`.
//!
//! Bad configuration makes `on_configure` return `false` (Envoy refuses the listener) and logs
//! the error's kind; no input makes the filter panic, and a panic would still be logged (the
//! hook below) before the VM traps and Envoy fails the request closed.

pub mod config;
pub mod filter;
pub mod host;
pub mod replay;

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{ContextType, LogLevel};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::filter::RequestFilter;
use crate::host::ProxyHost;

/// The module's entry point (`_initialize`): the panic hook, then the root context.
#[cfg(target_family = "wasm")]
#[allow(missing_docs)]
mod entry {
    use proxy_wasm::traits::RootContext;
    use proxy_wasm::types::LogLevel;

    use crate::Plugin;

    proxy_wasm::main! {{
        proxy_wasm::set_log_level(LogLevel::Info);
        std::panic::set_hook(Box::new(|info| {
            let _ = proxy_wasm::hostcalls::log(LogLevel::Critical, &format!("panic: {info}"));
        }));
        proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Plugin::default()) });
    }}
}

/// The plugin: one per plugin configuration in each Envoy worker's VM.
#[derive(Debug, Default)]
pub struct Plugin {
    config: Option<Rc<Config>>,
}

impl Plugin {
    /// Applies a configuration; on error the previous one (if any) stays, and the error is
    /// returned for the log.
    ///
    /// # Errors
    /// The configuration's [`config::ConfigError`].
    pub fn configure(
        &mut self,
        bytes: &[u8],
        env: &dyn Fn(&str) -> Option<Zeroizing<String>>,
    ) -> Result<&Config, config::ConfigError> {
        let config = Rc::new(Config::from_json(bytes, env)?);
        Ok(&**self.config.insert(config))
    }

    /// The configuration in force, shared with the requests that start now.
    pub fn current(&self) -> Option<Rc<Config>> {
        self.config.clone()
    }
}

/// The VM's environment (Envoy's `vm_config.environment_variables`).
fn vm_env(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name).ok().map(Zeroizing::new)
}

impl Context for Plugin {}

impl RootContext for Plugin {
    fn on_configure(&mut self, _plugin_configuration_size: usize) -> bool {
        let bytes = Zeroizing::new(
            proxy_wasm::hostcalls::get_buffer(
                proxy_wasm::types::BufferType::PluginConfiguration,
                0,
                usize::MAX,
            )
            .ok()
            .flatten()
            .unwrap_or_default(),
        );
        let log = |level, message: &str| {
            let _ = proxy_wasm::hostcalls::log(level, message);
        };
        match self.configure(&bytes, &vm_env) {
            Ok(config) => {
                log(
                    LogLevel::Info,
                    &format!(
                        "configured: {} keys for {} usernames, max_skew {} s, max_body {} bytes, required headers {:?}",
                        config.keys().len(),
                        config.usernames(),
                        config.max_skew(),
                        config.max_body(),
                        config.required_headers(),
                    ),
                );
                match config.replay() {
                    Some(limits) => log(
                        LogLevel::Info,
                        &format!(
                            "replay guard: {} buckets of {} keys in shared data",
                            limits.buckets, limits.entries_per_bucket
                        ),
                    ),
                    None => log(
                        LogLevel::Warn,
                        "replay guard off (\"replay\": false): a captured request can be sent again until its X-Date is too old",
                    ),
                }
                if let Some(now) = config.fixed_clock() {
                    log(
                        LogLevel::Warn,
                        &format!(
                            "fixed_clock is set ({now}): the host's clock is ignored; for tests only"
                        ),
                    );
                }
                true
            }
            Err(e) => {
                log(
                    LogLevel::Error,
                    &format!("bad configuration ({}): {e}", e.kind()),
                );
                false
            }
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(RequestFilter::new(ProxyHost, self.current())))
    }
}
