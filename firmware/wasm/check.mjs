// Loads the no_std signer-core module (wasm32-unknown-unknown) in Node and checks it:
//   - it imports nothing (instantiated with an empty import object);
//   - it signs SPEC §7's request to SPEC §7's digest and signature (values copied from SPEC.md);
//   - it verifies that request, and refuses it with one byte of the body changed;
//   - its code section is within embedded/README.md's 48 KiB code goal for sign + verify.
// Prints the module's size and its code section's size. Exit status: 0 when all hold.
//
//   node check.mjs MODULE.wasm
import { readFileSync } from "node:fs";

const file = process.argv[2];
const bytes = readFileSync(file);
const module = new WebAssembly.Module(bytes);
const imports = WebAssembly.Module.imports(module);
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAIL"} ${what}`);
  if (!ok) failed += 1;
};
check(imports.length === 0, `no imports (${imports.map((i) => `${i.module}.${i.name}`).join(", ") || "none"})`);

// Section sizes, from the binary format: id (1 byte), size (LEB128), contents.
let code = 0;
for (let at = 8; at < bytes.length; ) {
  const id = bytes[at++];
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    size |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  if (id === 10) code = size;
  at += size;
}
console.log(`module: ${bytes.length} bytes, code section ${code} bytes`);
check(code > 0 && code <= 48 * 1024, `code section within the 48 KiB goal (${code} bytes)`);

const { exports } = new WebAssembly.Instance(module, {});
const enc = new TextEncoder();
const dec = new TextDecoder();
const call = (fn, fields, ...rest) => {
  const input = new Uint8Array(exports.memory.buffer, exports.ingo_input(), exports.ingo_input_capacity());
  let at = 0;
  const lens = fields.map((f) => {
    const b = typeof f === "string" ? enc.encode(f) : f;
    input.set(b, at);
    at += b.length;
    return b.length;
  });
  const status = fn(...lens, ...rest);
  const out = dec.decode(new Uint8Array(exports.memory.buffer, exports.ingo_output(), exports.ingo_output_len()));
  return { status, out };
};

// SPEC §7.
const body = '{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}';
const target = "/api/v1/sessions/point-in-time/plugin";
const now = 1579291169n;
const secret = "demo-secret-not-for-production";
const signed = call(exports.ingo_sign, ["demo", secret, "POST", target, body], now);
check(signed.status === 0, "sign: status 0");
check(signed.out.includes("Content-sha512: 3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==\r\n"), "sign: SPEC §7 Content-sha512");
check(signed.out.includes('signature="UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ=="'), "sign: SPEC §7 signature");
const verified = call(exports.ingo_verify, ["demo", secret, "POST", target, signed.out, body], now);
check(verified.status === 0 && verified.out === "demo", `verify: accepted as ${verified.out}`);
const tampered = call(exports.ingo_verify, ["demo", secret, "POST", target, signed.out, body.replace("Alex", "Alec")], now);
check(tampered.status === 401 && tampered.out === "digest.mismatch", `verify: a changed body refused (${tampered.status} ${tampered.out})`);
console.log(`wasm: ${7 - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
