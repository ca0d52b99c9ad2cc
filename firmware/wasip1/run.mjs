// Cargo's runner for wasm32-wasip1 test binaries: runs one under Node's WASI (preview1), with
// the repository preopened at its own path (the tests read test-vectors/ by absolute path) and
// the binary's arguments passed through (libtest's filters and flags). Exits with its status.
//
//   node firmware/wasip1/run.mjs TEST.wasm [ARGS...]
//
// (Debian's `wasi-node` wrapper does not run on Node 20; this is the few lines it would be.)
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";

const [file, ...args] = process.argv.slice(2);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const wasi = new WASI({
  version: "preview1",
  args: [file, ...args],
  env: process.env,
  preopens: { [root]: root },
  returnOnExit: true,
});
// Debian's wasi-libc (2022) lacks the pthread functions Rust's std links for wasm32-wasip1;
// the link leaves exactly those (undefined.txt) as imports. Nothing here runs a thread (libtest
// runs tests one after another on wasm), so a call is an error: EAGAIN, as for "no thread".
const stubs = Object.fromEntries(
  readFileSync(resolve(root, "firmware/wasip1/undefined.txt"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((name) => [name, () => 6 /* EAGAIN */]),
);
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, { ...wasi.getImportObject(), env: stubs });
process.exitCode = wasi.start(instance);
