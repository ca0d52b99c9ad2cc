-- LuaRocks package of the Lua module. The C library it loads, libingo_signer.so, is built from
-- the Rust crate ingo-signer-ffi (`cargo build --release -p ingo-signer-ffi`) and installed on
-- a directory of lua_package_cpath (see README.md). Install from this folder with
-- `luarocks make lua-resty-ingo-signer-0.1.0-1.rockspec`, which builds from the files here.
package = "lua-resty-ingo-signer"
version = "0.1.0-1"
-- The project has no public home yet (its crates name no repository either): the source is
-- this folder, as `luarocks make` reads it.
source = {
   url = "file://.",
}
description = {
   summary = "Verify Ingo HMAC-signed requests in nginx / OpenResty / Kong via LuaJIT FFI",
   detailed = [[
      resty.ingo_signer verifies requests signed with the Ingo Payments HMAC profile in
      access_by_lua*, through libingo_signer.so (the project's C ABI). Every verdict comes
      from the C library; the module loads keys, reads the clock and answers refusals.
   ]],
   license = "MIT OR Apache-2.0",
}
dependencies = {
   "lua-cjson",
}
build = {
   type = "builtin",
   modules = {
      ["resty.ingo_signer"] = "lib/resty/ingo_signer.lua",
      ["resty.ingo_signer.cdefs"] = "lib/resty/ingo_signer/cdefs.lua",
   },
}
