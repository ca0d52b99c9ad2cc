//! Link settings for a Node addon (napi-build): the addon's napi symbols resolve against the
//! node binary that loads it.

fn main() {
    napi_build::setup();
}
