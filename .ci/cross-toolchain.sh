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

# Debian's cargo and rustc, with -Zbuild-std allowed, for one command. After `cross_std` (below)
# rustc uses the sysroot it built, unless the command builds the standard library itself.
cross_cargo() {
  local rustc=/usr/bin/rustc arg
  if [ -n "${CROSS_SYSROOT:-}" ]; then
    rustc=$CROSS_SYSROOT/bin/rustc
    for arg in "$@"; do
      case $arg in -Zbuild-std*) rustc=/usr/bin/rustc ;; esac
    done
  fi
  env PATH="/usr/bin:$PATH" RUSTC="$rustc" RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    /usr/bin/cargo "$@"
}

# What `rustup target add` would give, for the targets rustup cannot give us here: builds the
# standard library's crates for each TARGET from Debian's rust-web-src, once, into a sysroot of
# its own ($CROSS_SYSROOT; the host's library and the sources are links to Debian's). After it,
# `cross_cargo` compiles with that sysroot: crates for those targets build with plain cargo, no
# -Zbuild-std, and `core` is compiled once per target instead of once per crate, profile and
# RUSTFLAGS (each of those is a minute of CPU).
#
# Built as a firmware wants it: opt-level "z", panic=abort, one codegen unit, and (like
# rustup's prebuilt library) with its LLVM bitcode embedded, so that an LTO build can take it in;
# `core` with compiler_builtins' memcpy/memset, since a bare target has no libc.
#
#   cross_std thumbv7em-none-eabihf riscv32imac-unknown-none-elf
#   CROSS_STD_CRATES=std,panic_abort cross_std wasm32-wasip1    # one set of crates per call
cross_std() {
  local crates=${CROSS_STD_CRATES:-core} host version root target lib work
  host=$(/usr/bin/rustc -vV | sed -n 's/^host: //p')
  version=$(/usr/bin/rustc -vV | sed -n 's/^commit-hash: //p' | cut -c1-12)
  root=${CROSS_STD_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/cross-std}
  export CROSS_SYSROOT=$root/sysroot-$version
  mkdir -p "$CROSS_SYSROOT/lib/rustlib" "$CROSS_SYSROOT/bin"
  # Made once, and each in one step (ln, mv), since two builds may call this at the same time:
  # whichever loses the race finds the other's (a temporary name per process: $BASHPID, since
  # $$ is the same in every subshell).
  local link tmp
  for link in "$host" src; do
    [ -e "$CROSS_SYSROOT/lib/rustlib/$link" ] || ln -s "/usr/lib/rustlib/$link" "$CROSS_SYSROOT/lib/rustlib/$link" 2>/dev/null ||
      [ -e "$CROSS_SYSROOT/lib/rustlib/$link" ] || return 1
  done
  if [ ! -x "$CROSS_SYSROOT/bin/rustc" ]; then
    tmp=$CROSS_SYSROOT/bin/rustc.$BASHPID
    printf '#!/bin/sh\nexec /usr/bin/rustc --sysroot "%s" "$@"\n' "$CROSS_SYSROOT" >"$tmp"
    chmod +x "$tmp" && mv -f "$tmp" "$CROSS_SYSROOT/bin/rustc"
  fi
  for target in "$@"; do
    lib=$CROSS_SYSROOT/lib/rustlib/$target/lib
    [ "$(cat "$lib/.crates" 2>/dev/null)" = "$crates" ] && continue
    echo "building the standard library ($crates) for $target"
    work=$root/build/$target
    rm -rf "$work" && mkdir -p "$work/src"
    printf '%s\n' '[package]' 'name = "cross-std"' 'version = "0.0.0"' 'edition = "2024"' \
      '[profile.release]' 'opt-level = "z"' 'panic = "abort"' 'codegen-units = 1' '[workspace]' \
      >"$work/Cargo.toml"
    echo '#![no_std]' >"$work/src/lib.rs"
    local features=()
    case ",$crates," in *,core,*) features=(-Zbuild-std-features=compiler-builtins-mem) ;; esac
    ( cd "$work" && CARGO_TARGET_DIR=$work/target CROSS_SYSROOT='' RUSTFLAGS=-Cembed-bitcode=yes \
        cross_cargo build --quiet --release --target "$target" -Zbuild-std="$crates" "${features[@]}" ) || return 1
    rm -rf "$lib.new" && mkdir -p "$lib.new"
    find "$work/target/$target/release/deps" -name '*.rlib' ! -name 'libcross_std-*' -exec cp {} "$lib.new/" \;
    echo "$crates" >"$lib.new/.crates"
    rm -rf "$lib" && mv "$lib.new" "$lib"
  done
}
