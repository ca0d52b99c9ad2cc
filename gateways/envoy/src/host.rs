//! [`Host`] over proxy-wasm's host calls: the only code that talks to Envoy.
//!
//! The SDK's host calls return `Err` for a status the caller may meet and panic on one that
//! breaks the ABI's contract; a panic traps the VM, and Envoy fails the request closed.

use std::time::UNIX_EPOCH;

use proxy_wasm::hostcalls;
use proxy_wasm::types::{BufferType, LogLevel, MapType};

use crate::filter::{Host, OUTCOME_PROPERTY};
use crate::replay::{SharedData, StoreError};

/// The running Envoy.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProxyHost;

impl Host for ProxyHost {
    fn now(&self) -> u64 {
        hostcalls::get_current_time()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    }

    fn request_headers(&self) -> Vec<(String, Vec<u8>)> {
        hostcalls::get_map_bytes(MapType::HttpRequestHeaders).unwrap_or_default()
    }

    fn request_protocol(&self) -> Option<Vec<u8>> {
        hostcalls::get_property(vec!["request", "protocol"])
            .ok()
            .flatten()
    }

    fn request_body(&self, start: usize, len: usize) -> Option<Vec<u8>> {
        match hostcalls::get_buffer(BufferType::HttpRequestBody, start, len) {
            Ok(Some(bytes)) if bytes.len() == len => Some(bytes),
            Ok(None) if len == 0 => Some(Vec::new()),
            _ => None,
        }
    }

    fn set_request_header(&self, name: &str, value: &str) {
        // Remove every value a client sent, then add ours.
        let _ = hostcalls::set_map_value(MapType::HttpRequestHeaders, name, None);
        let _ = hostcalls::add_map_value(MapType::HttpRequestHeaders, name, value);
    }

    fn clear_request_trailers(&self) {
        let _ = hostcalls::set_map(MapType::HttpRequestTrailers, Vec::new());
    }

    fn send_response(&self, status: u32, headers: Vec<(&str, &str)>, body: &[u8]) {
        let _ = hostcalls::send_http_response(status, headers, Some(body));
    }

    fn record_outcome(&self, outcome: &str) {
        let _ = hostcalls::set_property(vec![OUTCOME_PROPERTY], Some(outcome.as_bytes()));
    }

    fn log(&self, level: LogLevel, message: &str) {
        let _ = hostcalls::log(level, message);
    }
}

impl SharedData for ProxyHost {
    fn get_shared(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
        hostcalls::get_shared_data(key).map_err(|_| StoreError::Unavailable)
    }

    fn set_shared(&self, key: &str, value: &[u8], cas: u32) -> Result<(), StoreError> {
        match hostcalls::set_shared_data(key, Some(value), Some(cas)) {
            Ok(()) => Ok(()),
            Err(proxy_wasm::types::Status::CasMismatch) => Err(StoreError::CasMismatch),
            Err(_) => Err(StoreError::Unavailable),
        }
    }
}
