-- luacheck configuration (CI runs `luacheck lib`): OpenResty's globals, nothing else.
std = "ngx_lua"
max_line_length = 100
