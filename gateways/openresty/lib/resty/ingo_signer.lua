-- resty.ingo_signer: verify Ingo HMAC-signed requests inside nginx (OpenResty, Kong, APISIX,
-- Debian's nginx with the Lua module) through libingo_signer.so and LuaJIT's FFI.
--
-- This module converts types, reads the clock, loads keys and answers refusals. It makes no
-- protocol decision: every verdict, kind and status comes from the C library (signer-core).
--
--   -- init_by_lua*: once per configuration (a configuration error stops nginx from starting)
--   local verifier = assert(require("resty.ingo_signer").new({
--       keys_file = "/run/secrets/ingo-keys.json",
--   }))
--   -- access_by_lua*: per request
--   verifier:access()
--
-- Every function returns a value, or nil, kind, message (and, for a refusal, the HTTP status
-- and the message a client is told). Nothing here calls error() in a request phase.

local ffi = require("ffi")
local cdefs = require("resty.ingo_signer.cdefs")
local cjson = require("cjson.safe")

local ngx = ngx
local ngx_req = ngx.req
local ngx_var = ngx.var
local ngx_log = ngx.log
local ngx_time = ngx.time
local ngx_exit = ngx.exit
local ngx_print = ngx.print
local ngx_header = ngx.header

local ffi_new = ffi.new
local ffi_gc = ffi.gc
local ffi_string = ffi.string
local ffi_typeof = ffi.typeof
local ffi_sizeof = ffi.sizeof
local ffi_alignof = ffi.alignof

local type = type
local pairs = pairs
local ipairs = ipairs
local pcall = pcall
local tonumber = tonumber
local tostring = tostring
local setmetatable = setmetatable
local str_find = string.find
local str_sub = string.sub
local str_match = string.match
local str_gsub = string.gsub
local math_min = math.min
local math_floor = math.floor
local io_open = io.open
local os_getenv = os.getenv

local clib = cdefs.clib
local key_free = cdefs.key_free
local pending_discard = cdefs.pending_discard

-- The C functions, cached once.
local ingo_abi_version = clib.ingo_abi_version
local ingo_version = clib.ingo_version
local ingo_error_kind = clib.ingo_error_kind
local ingo_error_http_status = clib.ingo_error_http_status
local ingo_last_error_message = clib.ingo_last_error_message
local ingo_last_error_client_message = clib.ingo_last_error_client_message
local ingo_error_for_client = clib.ingo_error_for_client
local ingo_policy_default = clib.ingo_policy_default
local ingo_key_new = clib.ingo_key_new
local ingo_verify_head = clib.ingo_verify_head
local ingo_pending_update = clib.ingo_pending_update
local ingo_pending_finish = clib.ingo_pending_finish
local ingo_pending_discard = clib.ingo_pending_discard
local ingo_pending_content_length = clib.ingo_pending_content_length
local ingo_pending_x_date = clib.ingo_pending_x_date
local ingo_pending_replay_key = clib.ingo_pending_replay_key
local ingo_replay_expires_at = clib.ingo_replay_expires_at
local ingo_error_message = clib.ingo_error_message

local INGO_OK = clib.INGO_OK
local INGO_MAX_REQUIRED_HEADERS = clib.INGO_MAX_REQUIRED_HEADERS
local INGO_PENDING_WORDS = clib.INGO_PENDING_WORDS
local INGO_HTTP_2 = clib.INGO_HTTP_2
local INGO_REPLAY_KEY_LEN = clib.INGO_REPLAY_KEY_LEN
local INGO_E_VERIFY_REPLAYED = clib.INGO_E_VERIFY_REPLAYED
local INGO_E_VERIFY_REPLAY_UNAVAILABLE = clib.INGO_E_VERIFY_REPLAY_UNAVAILABLE

local pending_t = ffi_typeof("IngoPending")
local verified_t = ffi_typeof("IngoVerified")
local head_t = ffi_typeof("IngoRequestHead")
local headers_t = ffi_typeof("IngoHeader[?]")
local strs_t = ffi_typeof("IngoStr[?]")
local keys_t = ffi_typeof("IngoKey *[?]")
local key_out_t = ffi_typeof("IngoKey *[1]")
local u64_box_t = ffi_typeof("uint64_t[1]")
local replay_key_t = ffi_typeof("IngoReplayKey")

-- The library and these declarations must agree, or nothing below is sound: refuse to load
-- (at configuration time) otherwise.
if ingo_abi_version() ~= clib.INGO_ABI_VERSION then
    error("libingo_signer.so has ABI version " .. tostring(ingo_abi_version())
          .. " but resty.ingo_signer.cdefs declares " .. tostring(clib.INGO_ABI_VERSION)
          .. ": install the library and the Lua module from the same release", 2)
end
if ffi_sizeof(pending_t) ~= 8 * INGO_PENDING_WORDS or ffi_alignof(pending_t) ~= 16 then
    error("IngoPending is " .. ffi_sizeof(pending_t) .. " bytes aligned to "
          .. ffi_alignof(pending_t) .. "; the header says " .. 8 * INGO_PENDING_WORDS
          .. " aligned to 16", 2)
end


local _M = {
    _VERSION = "0.1.0",
    -- The version of the C library this module runs on.
    library_version = ffi_string(ingo_version()),
}
local _MT = { __index = _M }


-- Shared scratch space. Each is filled and read without a yield in between, so the requests a
-- worker interleaves never see each other's contents.
local ERRBUF_LEN = 1024
local errbuf = ffi_new("char[?]", ERRBUF_LEN)
local head = ffi_new(head_t)
local verified = ffi_new(verified_t)
local u64_box = ffi_new(u64_box_t)
local replay_key = ffi_new(replay_key_t)
local header_cap = 64
local header_buf = ffi_new(headers_t, header_cap)
-- The Lua strings header_buf points into, kept reachable until the C call returns (written,
-- never read: that is the point).
local anchors = {} -- luacheck: ignore 241
local anchors_n = 0

local VERSIONS = { [1.0] = clib.INGO_HTTP_1_0, [1.1] = clib.INGO_HTTP_1_1,
                   [2.0] = clib.INGO_HTTP_2 }
local ALGORITHMS = { [clib.INGO_HMAC_SHA512] = "hmac-sha512",
                     [clib.INGO_HMAC_SHA256] = "hmac-sha256" }
local INTERNAL_MESSAGE = "the gateway could not verify the request"


-- The core's full message for the calling thread's last failed call.
local function last_error_message()
    local n = tonumber(ingo_last_error_message(errbuf, ERRBUF_LEN))
    return ffi_string(errbuf, math_min(n, ERRBUF_LEN - 1))
end


-- The same error as a client is told it (the core's for_client: an unknown username reads as
-- a signature mismatch, so answers do not reveal which usernames exist).
local function last_error_client_message()
    local n = tonumber(ingo_last_error_client_message(errbuf, ERRBUF_LEN))
    return ffi_string(errbuf, math_min(n, ERRBUF_LEN - 1))
end


-- nil, kind, message, status, client_message for a failed call's code: the kind and message
-- are the error's own (for the log), the status and client message what the core tells a
-- client. A code that is not a verdict on the request (ffi.*: a bug or a misconfiguration)
-- fails closed with 500.
local function refusal(code)
    local kind = ffi_string(ingo_error_kind(code))
    local message = last_error_message()
    local status = tonumber(ingo_error_http_status(ingo_error_for_client(code)))
    if status == 0 then
        return nil, kind, message, 500, INTERNAL_MESSAGE
    end
    return nil, kind, message, status, last_error_client_message()
end


-- nil, kind, message, status, client_message for a verdict this module reaches itself (the
-- replay check's), in the library's words; `detail` goes to the log only.
local function verdict(code, detail)
    local message = ffi_string(ingo_error_message(code))
    local logged = detail and (message .. " (" .. detail .. ")") or message
    return nil, ffi_string(ingo_error_kind(code)), logged,
        tonumber(ingo_error_http_status(code)), message
end


local function config_error(message)
    return nil, "config.invalid", message
end


---------------------------------------------------------------------------------------------
-- Keys. The secret strings are dropped once the handles are made (Lua strings cannot be
-- wiped; the handle keeps only keyed HMAC states). No message here ever includes a secret.
---------------------------------------------------------------------------------------------

-- A secret file as signer-std reads one: its bytes, less one trailing "\n" or "\r\n".
local function read_secret_file(path)
    local f, err = io_open(path, "rb")
    if not f then
        return nil, "cannot read secret file " .. path .. ": " .. tostring(err)
    end
    local secret = f:read("*a")
    f:close()
    if str_sub(secret, 1, 3) == "\239\187\191" then
        return nil, "secret file " .. path .. " starts with a UTF-8 byte order mark, which would "
            .. "become part of the key: save it without one"
    end
    if str_sub(secret, -2) == "\r\n" then
        secret = str_sub(secret, 1, -3)
    elseif str_sub(secret, -1) == "\n" then
        secret = str_sub(secret, 1, -2)
    end
    return secret
end


-- signer-std's key file: {"keys": [{"username": "...", "secret": "..."}, ...]}.
local function read_keys_file(path, out)
    local f, err = io_open(path, "rb")
    if not f then
        return "cannot read keys_file " .. path .. ": " .. tostring(err)
    end
    local text = f:read("*a")
    f:close()
    local shape = ' must be JSON like {"keys": [{"username": "...", "secret": "..."}]}'
    -- cjson's messages name a position, never the text around it.
    local doc, jerr = cjson.decode(text)
    if type(doc) ~= "table" then
        return "keys_file " .. path .. shape .. ": " .. tostring(jerr or "not an object")
    end
    for name in pairs(doc) do
        if name ~= "keys" then
            return "keys_file " .. path .. shape .. ": unknown field " .. tostring(name)
        end
    end
    if type(doc.keys) ~= "table" then
        return "keys_file " .. path .. shape .. ": no \"keys\" array"
    end
    for i, entry in ipairs(doc.keys) do
        if type(entry) ~= "table" or type(entry.username) ~= "string"
            or type(entry.secret) ~= "string" then
            return "keys_file " .. path .. shape .. ": keys[" .. i .. "] needs a string "
                .. "username and a string secret"
        end
        for name in pairs(entry) do
            if name ~= "username" and name ~= "secret" then
                return "keys_file " .. path .. shape .. ": keys[" .. i .. "] has unknown field "
                    .. tostring(name)
            end
        end
        out[#out + 1] = { username = entry.username, secret = entry.secret,
                          origin = "keys_file " .. path .. " keys[" .. i .. "]" }
    end
end


-- Every {username, secret, origin} the configuration names, or nil and why not.
local function collect_keys(conf)
    local out = {}
    if conf.keys ~= nil then
        if type(conf.keys) ~= "table" then
            return nil, "keys must be a list of "
                .. "{username = ..., secret_file | secret_env | secret = ...}"
        end
        for i, entry in ipairs(conf.keys) do
            local origin = "keys[" .. i .. "]"
            if type(entry) ~= "table" or type(entry.username) ~= "string" then
                return nil, origin .. " needs a string username"
            end
            local sources = (entry.secret ~= nil and 1 or 0) + (entry.secret_file ~= nil and 1 or 0)
                + (entry.secret_env ~= nil and 1 or 0)
            if sources ~= 1 then
                return nil, origin .. " needs exactly one of secret_file, secret_env, secret"
            end
            local secret, err
            if entry.secret_file ~= nil then
                secret, err = read_secret_file(tostring(entry.secret_file))
            elseif entry.secret_env ~= nil then
                secret = os_getenv(tostring(entry.secret_env))
                if secret == nil then
                    local name = tostring(entry.secret_env)
                    err = "environment variable " .. name .. " is not set (declare it with `env "
                        .. name .. ";` in nginx.conf)"
                end
            else
                secret = entry.secret
                if type(secret) ~= "string" then
                    err = "secret must be a string"
                end
            end
            if not secret then
                return nil, origin .. ": " .. err
            end
            out[#out + 1] = { username = entry.username, secret = secret, origin = origin }
        end
    end
    if conf.keys_file ~= nil then
        local err = read_keys_file(tostring(conf.keys_file), out)
        if err then
            return nil, err
        end
    end
    if conf.keys_env ~= nil then
        -- signer-std's KeyRing::from_env: {prefix}_USERNAME, {prefix}_SECRET and, during a
        -- rotation, {prefix}_SECRET_PREVIOUS.
        local prefix = tostring(conf.keys_env)
        local username = os_getenv(prefix .. "_USERNAME")
        local secret = os_getenv(prefix .. "_SECRET")
        if not username or not secret then
            return nil, "keys_env: " .. prefix .. "_USERNAME and " .. prefix .. "_SECRET must be "
                .. "set (declare them with `env " .. prefix .. "_USERNAME;` and `env " .. prefix
                .. "_SECRET;` in nginx.conf)"
        end
        out[#out + 1] = { username = username, secret = secret, origin = "keys_env " .. prefix }
        local previous = os_getenv(prefix .. "_SECRET_PREVIOUS")
        if previous then
            out[#out + 1] = { username = username, secret = previous,
                              origin = "keys_env " .. prefix .. " (previous)" }
        end
    end
    if #out == 0 then
        return nil, "no keys: give keys_file, keys_env or keys"
    end
    return out
end


local function non_negative_integer(conf, name, default)
    local value = conf[name]
    if value == nil then
        return default
    end
    if type(value) ~= "number" or value < 0 or value ~= math_floor(value) or value >= 2 ^ 53 then
        local unit = name == "max_skew" and "seconds" or "bytes"
        return nil, name .. " must be a whole number of " .. unit .. " (0 or more)"
    end
    return value
end


local KNOWN_OPTIONS = {
    keys = true, keys_file = true, keys_env = true, max_skew = true, max_body = true,
    allow_legacy_sha256 = true, required_headers = true, clock = true, log_level = true,
    kind_variable = true, username_variable = true, username_header = true, replay_dict = true,
}


--- Makes a verifier from a configuration (in init_by_lua*, or once per plugin configuration):
-- keys_file | keys_env | keys   where the keys come from (see README); at least one key
-- max_skew             seconds of clock skew allowed (default 300)
-- max_body             the largest Content-Length accepted, in bytes (default 65536)
-- allow_legacy_sha256  also accept hmac-sha256 (legacy integrations only; default false)
-- required_headers     header names the signature must cover beyond the protocol's own
-- clock                function returning Unix seconds (default ngx.time)
-- log_level            level of the log line of a refusal (default ngx.INFO)
-- kind_variable        nginx variable set to the kind of a refusal (default "ingo_kind")
-- username_variable    nginx variable set to the verified username (default "ingo_username")
-- username_header      request header the upstream gets the username in ("X-Ingo-Username")
-- replay_dict          the lua_shared_dict that remembers accepted requests ("ingo_replay"),
--                      or false to go without replay protection
-- Returns the verifier, or nil, kind, message.
function _M.new(conf)
    if type(conf) ~= "table" then
        return config_error("the configuration must be a table")
    end
    for name in pairs(conf) do
        if not KNOWN_OPTIONS[name] then
            return config_error("unknown option " .. tostring(name))
        end
    end

    local defaults = ingo_policy_default()
    local max_skew, err = non_negative_integer(conf, "max_skew", tonumber(defaults.max_skew))
    if not max_skew then
        return config_error(err)
    end
    local max_body
    max_body, err = non_negative_integer(conf, "max_body", tonumber(defaults.max_body))
    if not max_body then
        return config_error(err)
    end
    local allow_legacy = conf.allow_legacy_sha256
    if allow_legacy ~= nil and type(allow_legacy) ~= "boolean" then
        return config_error("allow_legacy_sha256 must be true or false")
    end
    local required = conf.required_headers or {}
    if type(required) ~= "table" or #required > INGO_MAX_REQUIRED_HEADERS then
        return config_error("required_headers must be a list of at most "
                            .. INGO_MAX_REQUIRED_HEADERS .. " header names")
    end
    for i, name in ipairs(required) do
        if type(name) ~= "string" or name == "" then
            return config_error("required_headers[" .. i .. "] must be a header name")
        end
    end
    if conf.clock ~= nil and type(conf.clock) ~= "function" then
        return config_error("clock must be a function returning Unix seconds")
    end
    for _, name in ipairs({ "kind_variable", "username_variable", "username_header" }) do
        if conf[name] ~= nil and (type(conf[name]) ~= "string" or conf[name] == "") then
            return config_error(name .. " must be a non-empty string")
        end
    end
    local log_level = conf.log_level or ngx.INFO
    if type(log_level) ~= "number" then
        return config_error("log_level must be an ngx log level (ngx.INFO, ngx.WARN, ...)")
    end

    -- Replay protection is on unless turned off: it needs its shared dict.
    local replay_name = conf.replay_dict
    if replay_name == nil then
        replay_name = "ingo_replay"
    end
    local replay
    if replay_name ~= false then
        if type(replay_name) ~= "string" or replay_name == "" then
            return config_error("replay_dict must be the name of a lua_shared_dict, or false")
        end
        replay = ngx.shared[replay_name]
        if not replay then
            return config_error("replay protection needs `lua_shared_dict " .. replay_name
                                .. " 10m;` in the http block (or replay_dict = false to go "
                                .. "without it)")
        end
    end

    local entries
    entries, err = collect_keys(conf)
    if not entries then
        return config_error(err)
    end
    local n = #entries
    local handles = ffi_new(keys_t, n)
    local owners = {}
    local out = ffi_new(key_out_t)
    for i, entry in ipairs(entries) do
        local username, secret = entry.username, entry.secret
        entries[i] = nil
        local rc = ingo_key_new(username, #username, secret, #secret, out)
        if rc ~= INGO_OK then
            -- The core's message names the rule, never the secret.
            return nil, ffi_string(ingo_error_kind(rc)),
                entry.origin .. ": " .. last_error_message()
        end
        -- Freed (and zeroized) when the verifier is collected, through a closure over the clib.
        owners[i] = ffi_gc(out[0], key_free)
        handles[i - 1] = owners[i]
    end

    local policy = defaults
    policy.allow_legacy_sha256 = allow_legacy and 1 or 0
    policy.max_skew = max_skew
    policy.max_body = max_body
    local required_names = {}
    local required_strs = ffi_new(strs_t, #required + 1)
    for i, name in ipairs(required) do
        required_names[i] = name
        required_strs[i - 1].ptr = name
        required_strs[i - 1].len = #name
    end
    policy.required_headers = #required > 0 and required_strs or nil
    policy.required_headers_len = #required

    return setmetatable({
        handles = handles,
        -- Keep the handles' owners, the required names and their array alive with the
        -- verifier.
        owners = owners,
        required_names = required_names,
        required_strs = required_strs,
        nkeys = n,
        policy = policy,
        max_skew = max_skew,
        clock = conf.clock or ngx_time,
        log_level = log_level,
        kind_variable = conf.kind_variable or "ingo_kind",
        username_variable = conf.username_variable or "ingo_username",
        username_header = conf.username_header or "X-Ingo-Username",
        replay = replay,
        replay_name = replay_name,
    }, _MT)
end


---------------------------------------------------------------------------------------------
-- The request, as the core needs it.
---------------------------------------------------------------------------------------------

local function anchor(s)
    anchors_n = anchors_n + 1
    anchors[anchors_n] = s
    return s
end


local function release_anchors()
    for i = 1, anchors_n do
        anchors[i] = nil
    end
    anchors_n = 0
end


local function set_str(str, s)
    str.ptr = anchor(s)
    str.len = #s
end


-- Fills `head` from the current request: method, the target exactly as on the wire, the
-- version, and every header field (repeats included; the core judges repetition and case).
-- Returns true, or nil, kind, message, status, client_message.
local function fill_head()
    local version = VERSIONS[ngx_req.http_version()]
    if not version then
        local message = "HTTP/" .. tostring(ngx_req.http_version()) .. " cannot be signed; the "
            .. "protocol names HTTP/1.0, HTTP/1.1 and HTTP/2 only"
        return nil, "std.unsupported_version", message, 505, message
    end
    local method, target
    if version == INGO_HTTP_2 then
        method, target = ngx_req.get_method(), ngx_var.request_uri
    else
        -- The request line as received: method SP target SP version. Splitting at the first
        -- and the last space keeps the target's bytes exactly as sent (nginx itself may have
        -- accepted extra spaces, or an absolute-form target that $request_uri shortens).
        local line = ngx_var.request
        local first = str_find(line, " ", 1, true)
        local last = str_match(line, "^.* ()")
        if not first or not last or last - 1 <= first then
            method, target = ngx_req.get_method(), ngx_var.request_uri
        else
            method, target = str_sub(line, 1, first - 1), str_sub(line, first + 1, last - 2)
        end
    end
    set_str(head.method, method)
    set_str(head.target, target)
    head.version = version

    local headers = ngx_req.get_headers(0, true)
    local n = 0
    for _, value in pairs(headers) do
        n = n + (type(value) == "table" and #value or 1)
    end
    if n > header_cap then
        header_cap = n
        header_buf = ffi_new(headers_t, header_cap)
    end
    local i = 0
    for name, value in pairs(headers) do
        if type(value) == "table" then
            for _, v in ipairs(value) do
                set_str(header_buf[i].name, name)
                set_str(header_buf[i].value, v)
                i = i + 1
            end
        else
            set_str(header_buf[i].name, name)
            set_str(header_buf[i].value, value)
            i = i + 1
        end
    end
    head.headers = header_buf
    head.headers_len = n
    return true
end


-- The replay check, once the head is authenticated (before the body is read): the request's
-- replay key is added to the shared dict if absent, atomically, to live until the last second
-- its X-Date can be accepted. Already there: a replay. The dict cannot take it: fail closed.
-- safe_add, not add: add would evict entries that have not expired yet to make room, and an
-- evicted request could be replayed.
local function check_replay(self, pending, now)
    local rc = ingo_pending_x_date(pending, u64_box)
    if rc ~= INGO_OK then
        return refusal(rc)
    end
    local expires = tonumber(ingo_replay_expires_at(u64_box[0], self.policy.max_skew))
    rc = ingo_pending_replay_key(pending, replay_key)
    if rc ~= INGO_OK then
        return refusal(rc)
    end
    local ttl = expires - now
    if ttl < 1 then
        ttl = 1 -- never 0, which a shared dict takes as "forever"
    end
    local ok, err = self.replay:safe_add(ffi_string(replay_key.bytes, INGO_REPLAY_KEY_LEN), true,
                                         ttl)
    if ok then
        return true
    end
    if err == "exists" then
        return verdict(INGO_E_VERIFY_REPLAYED)
    end
    return verdict(INGO_E_VERIFY_REPLAY_UNAVAILABLE,
                   "lua_shared_dict " .. self.replay_name .. ": " .. tostring(err))
end


-- Every failure after ingo_verify_head goes through here: the verification in progress is
-- discarded, and the failure returned as it is.
local function abandon(pending, ...)
    ingo_pending_discard(pending)
    return ...
end


-- The verdict on the current request (in access_by_lua* or later; reads the body).
-- Returns {username, algorithm, key_index}, or nil, kind, message, status, client_message:
-- `kind` and `message` are the core's (for logs), `status` and `client_message` what the
-- client is told.
function _M.verify_request(self)
    local ok, kind, message, status, client_message = fill_head()
    if not ok then
        release_anchors()
        return nil, kind, message, status, client_message
    end
    -- Per request: a verification in progress lives here while the body is read (which
    -- yields). Should the request end while it is read (client_body_timeout, a closed
    -- connection), the finalizer discards it.
    local now = self.clock()
    if type(now) ~= "number" or now < 0 or now >= 2 ^ 53 then
        release_anchors()
        return nil, "openresty.clock", "the configured clock returned " .. tostring(now)
            .. " instead of Unix seconds", 500, INTERNAL_MESSAGE
    end
    now = math_floor(now)
    local pending = ffi_gc(ffi_new(pending_t), pending_discard)
    local rc = ingo_verify_head(self.handles, self.nkeys, self.policy, head, now, pending)
    release_anchors()
    if rc ~= INGO_OK then
        return abandon(pending, refusal(rc))
    end
    if self.replay then
        ok, kind, message, status, client_message = check_replay(self, pending, now)
        if not ok then
            return abandon(pending, nil, kind, message, status, client_message)
        end
    end

    rc = ingo_pending_content_length(pending, u64_box)
    if rc ~= INGO_OK then
        return abandon(pending, refusal(rc))
    end
    if u64_box[0] > 0 then
        -- nginx reads exactly Content-Length bytes, which the core has held to max_body.
        ngx_req.read_body()
        local body = ngx_req.get_body_data()
        if body == nil and ngx_req.get_body_file() then
            local msg = "the request body was buffered to a file: set client_body_buffer_size "
                .. "to at least max_body (" .. tostring(self.policy.max_body) .. ")"
            return abandon(pending, nil, "openresty.body_buffered_to_file", msg, 500,
                           INTERNAL_MESSAGE)
        end
        body = body or ""
        rc = ingo_pending_update(pending, body, #body)
        if rc ~= INGO_OK then
            return abandon(pending, refusal(rc))
        end
    end
    rc = ingo_pending_finish(pending, verified)
    if rc ~= INGO_OK then
        return abandon(pending, refusal(rc))
    end
    return {
        username = ffi_string(verified.username, verified.username_len),
        algorithm = ALGORITHMS[verified.algorithm] or tostring(verified.algorithm),
        key_index = tonumber(verified.key_index),
    }
end


local function write_variable(name, value)
    ngx_var[name] = value
end


local function set_variable(name, value)
    -- An undeclared variable cannot be written: the operator chose not to log it.
    pcall(write_variable, name, value)
end


-- Log lines stay one line whatever a message holds.
local function one_line(text)
    return (str_gsub(text, "%c", "?"))
end


--- Answers a refusal as every gateway of the project does: `status`, the JSON body
-- {"status": <status>, "client_message": "..."}, `WWW-Authenticate: hmac` on 401. Ends the
-- request.
function _M.refuse(status, client_message)
    ngx.status = status
    ngx_header["Content-Type"] = "application/json"
    if status == 401 then
        ngx_header["WWW-Authenticate"] = "hmac"
    end
    local body = '{"status":' .. status .. ',"client_message":'
        .. (cjson.encode(client_message) or '""') .. '}'
    ngx_header["Content-Length"] = #body
    ngx_print(body)
    return ngx_exit(status)
end


--- access_by_lua*: verifies the current request. A verified request goes on with the username
-- in the username header (any value the client sent is replaced) and variable; a refused one
-- is answered (see refuse) and logged with its kind, and ends here.
function _M.access(self)
    local result, kind, message, status, client_message = self:verify_request()
    if result then
        ngx_req.set_header(self.username_header, result.username)
        set_variable(self.username_variable, result.username)
        return result
    end
    set_variable(self.kind_variable, kind)
    ngx_log(status == 500 and ngx.ERR or self.log_level, "ingo_signer: refused with ", status,
            " (", kind, "): ", one_line(message))
    return _M.refuse(status, client_message)
end


return _M
