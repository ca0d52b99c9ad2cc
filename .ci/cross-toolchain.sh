# Debian's second Rust toolchain, for the instruction sets rustup cannot give us here.
#
# Source it, do not run it:   . .ci/cross-toolchain.sh
#
# rustup's stable (x86_64 only, no other prebuilt standard library) stays the project's toolchain.
# Debian's `rustc-web` has LLVM's ARM, RISC-V and WebAssembly back ends and ships the standard
# library's source, so `-Zbuild-std=core` builds `core` for thumbv7em, riscv32 and wasm32. It
# installs /usr/bin/rustc and /usr/bin/cargo; `cross_cargo` calls those, with RUSTC_BOOTSTRAP=1
# (needed by -Zbuild-std) scoped to that one command. It ships no rust-lld: crates link with
# `ld.lld-22` / `wasm-ld-22` from their own .cargo/config.toml.
#
# Installs only what is missing (Debian security updates replace old versions on the mirror, so
# the packages cannot be pinned to an exact version; the toolchain's minor version is checked
# instead). About 210 MB, about 30 s.

CROSS_RUST_MINOR=${CROSS_RUST_MINOR:-96}

# With arguments, installs only those packages (a wasm-only user needs no QEMU).
cross_toolchain_install() {
  local pkgs=(rustc-web cargo-web rust-web-src lld-22 qemu-system-arm qemu-system-misc wasi-libc)
  [ $# -eq 0 ] || pkgs=("$@")
  local missing=() p
  for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  local version
  version=$(/usr/bin/rustc --version) || return 1
  case "$version" in
    "rustc 1.$CROSS_RUST_MINOR."*) ;;
    *) echo "expected Debian's rustc 1.$CROSS_RUST_MINOR at /usr/bin/rustc, found: $version" >&2; return 1 ;;
  esac
  echo "$version; $(/usr/bin/cargo --version); $(ld.lld-22 --version | head -n 1)"
}

# Debian's cargo and rustc, with -Zbuild-std allowed, for one command.
cross_cargo() {
  env PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    /usr/bin/cargo "$@"
}
